package reader

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPortEmptyReadsTellHangUp checks how an empty read is judged: reads
// that time out normally are "no data"; reads that return at once, several
// in a row, mean a hung-up line; a path that vanishes or names another
// device means the port is gone.
func TestPortEmptyReadsTellHangUp(t *testing.T) {
	dir := t.TempDir()
	dev := filepath.Join(dir, "dev")
	if err := os.WriteFile(dev, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(dev)
	if err != nil {
		t.Fatal(err)
	}
	p := &port{path: dev, ident: fi}

	for i := range 10 { // timed-out reads: the port is idle, not gone
		if err := p.empty(readTimeout); err != nil {
			t.Fatalf("timed-out read %d: %v", i, err)
		}
	}
	for i := range fastEmptyLimit - 1 {
		if err := p.empty(0); err != nil {
			t.Fatalf("early empty read %d of %d: %v", i+1, fastEmptyLimit, err)
		}
	}
	if err := p.empty(readTimeout); err != nil { // a normal timeout resets the run
		t.Fatal(err)
	}
	for range fastEmptyLimit - 1 {
		p.empty(0)
	}
	if err := p.empty(0); !errors.Is(err, ErrPortGone) || !strings.Contains(err.Error(), "hung up") {
		t.Errorf("after %d early empty reads: %v, want hung up", fastEmptyLimit, err)
	}

	p.fast = 0
	other := filepath.Join(dir, "other")
	os.WriteFile(other, nil, 0o600)
	if err := os.Rename(other, dev); err != nil {
		t.Fatal(err)
	}
	if err := p.empty(readTimeout); !errors.Is(err, ErrPortGone) || !strings.Contains(err.Error(), "another device") {
		t.Errorf("path replaced: %v, want another device", err)
	}
	os.Remove(dev)
	if err := p.empty(readTimeout); !errors.Is(err, ErrPortGone) || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("path removed: %v, want port gone", err)
	}
}
