package store

import (
	"errors"
	"os"
	"testing"

	"posagent/internal/boltcheck"
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
	for _, d := range boltcheck.Refusals() {
		t.Run(d.Name, func(t *testing.T) {
			if err := os.WriteFile(path, d.Apply(data), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := OpenBolt(path, BoltOptions{})
			if !errors.Is(err, ErrDamaged) {
				t.Fatalf("open: %v, want ErrDamaged", err)
			}
		})
	}
}
