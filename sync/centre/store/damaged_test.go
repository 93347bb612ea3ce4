package store

import (
	"errors"
	"fmt"
	"os"
	"testing"
)

// TestOpenDamagedRefuses truncates and zeroes a real centre.db: OpenBolt
// answers ErrDamaged, never panics.
func TestOpenDamagedRefuses(t *testing.T) {
	s, path := openTest(t)
	importAccounts(t, s, active("C1", 123), active("C2", 456))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	page := os.Getpagesize()
	cases := map[string]func([]byte) []byte{
		"zero-meta": func(b []byte) []byte { clear(b[:2*page]); return b },
	}
	for _, n := range []int{10, page, page + 100, 2 * page, 3*page - 1} {
		n := n
		cases[fmt.Sprintf("truncate-%d", n)] = func(b []byte) []byte { return b[:n] }
	}
	for name, damage := range cases {
		t.Run(name, func(t *testing.T) {
			if err := os.WriteFile(path, damage(append([]byte(nil), data...)), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := OpenBolt(path, BoltOptions{})
			if !errors.Is(err, ErrDamaged) {
				t.Fatalf("open: %v, want ErrDamaged", err)
			}
		})
	}
}
