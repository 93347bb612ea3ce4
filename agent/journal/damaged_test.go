package journal

import (
	"errors"
	"fmt"
	"os"
	"testing"

	"posagent/internal/boltcheck"
)

// TestOpenDamagedRefuses cuts and overwrites a real journal file: Open
// answers ErrDamaged (or, where bbolt survives the damage, opens and Verify
// judges), and never panics.
func TestOpenDamagedRefuses(t *testing.T) {
	path := fiveCharges(t)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range boltcheck.Refusals() {
		t.Run(d.Name, func(t *testing.T) {
			if err := os.WriteFile(path, d.Apply(data), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Open(path, Options{Terminal: "T1", Logger: quiet()})
			if !errors.Is(err, ErrDamaged) {
				t.Fatalf("open: %v, want ErrDamaged", err)
			}
		})
	}
	page := os.Getpagesize()
	for _, off := range []int{page + 20, 2*page + 20, 3*page + 40, len(data) - 64} {
		t.Run(fmt.Sprintf("flip-%d", off), func(t *testing.T) {
			b := append([]byte(nil), data...)
			for i := off; i < off+32 && i < len(b); i++ {
				b[i] ^= 0xa5
			}
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
			j, err := Open(path, Options{Terminal: "T1", Logger: quiet()})
			if err != nil {
				return // refused with an error: fine, it did not panic
			}
			_ = j.Verify()
			j.Close()
		})
	}
}
