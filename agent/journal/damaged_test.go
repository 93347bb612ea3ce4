package journal

import (
	"errors"
	"fmt"
	"os"
	"testing"
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
			_, err := Open(path, Options{Terminal: "T1", Logger: quiet()})
			if !errors.Is(err, ErrDamaged) {
				t.Fatalf("open: %v, want ErrDamaged", err)
			}
		})
	}
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
