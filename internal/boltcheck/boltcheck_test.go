package boltcheck

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// sound writes a real bbolt file with a few hundred keys across pages.
func sound(t *testing.T) (string, []byte) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "s.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte("records"))
		if err != nil {
			return err
		}
		for i := 0; i < 500; i++ {
			if err := b.Put([]byte(fmt.Sprintf("k%06d", i)), make([]byte, 100)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, data
}

func TestCheckSoundAndMissing(t *testing.T) {
	path, _ := sound(t)
	if err := Check(path, time.Second); err != nil {
		t.Fatalf("sound file: %v", err)
	}
	if err := Check(filepath.Join(t.TempDir(), "none.db"), time.Second); err != nil {
		t.Fatalf("missing file: %v", err)
	}
}

// TestCheckDamaged truncates, flips and zeroes a real file: no case panics
// or faults; each is ErrDamaged or, where bbolt can survive it, sound.
func TestCheckDamaged(t *testing.T) {
	_, data := sound(t)
	page := os.Getpagesize()
	type damage struct {
		name     string
		f        func([]byte) []byte
		mustFail bool // false: bbolt may survive it (the other meta page, a free page)
	}
	var cases []damage
	for _, n := range []int{1, 100, page - 1, page, page + 7, 2 * page, 3*page + 5, len(data) / 2, len(data) - page} {
		n := n
		cases = append(cases, damage{fmt.Sprintf("truncate-%d", n), func(b []byte) []byte { return b[:n] }, n < len(data)/2})
	}
	cases = append(cases, damage{"zero-meta", func(b []byte) []byte {
		clear(b[:2*page])
		return b
	}, true})
	for _, off := range []int{16, page + 16, 2*page + 8, 3*page + 20, 4*page + 40, len(data) / 2} {
		off := off
		cases = append(cases, damage{fmt.Sprintf("flip-%d", off), func(b []byte) []byte {
			for i := off; i < off+16 && i < len(b); i++ {
				b[i] ^= 0xff
			}
			return b
		}, false})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "d.db")
			if err := os.WriteFile(path, c.f(append([]byte(nil), data...)), 0o600); err != nil {
				t.Fatal(err)
			}
			err := Check(path, time.Second)
			if err == nil && !c.mustFail {
				return
			}
			if !errors.Is(err, ErrDamaged) {
				t.Fatalf("err = %v, want ErrDamaged", err)
			}
		})
	}
}
