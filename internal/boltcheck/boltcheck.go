// Package boltcheck tells whether a bbolt file is sound before a store opens
// it for writing. bbolt may panic, or fault on the mmap, when a page is
// damaged; Check turns both into ErrDamaged so the binaries refuse to start
// with a clear message instead of crashing. It owns no data.
package boltcheck

import (
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"time"

	bolt "go.etcd.io/bbolt"
)

// ErrDamaged means the file exists but is not a sound bbolt database.
var ErrDamaged = errors.New("store damaged")

// Advice is what the binaries print, in English and Chinese, when a store
// refuses to open with ErrDamaged.
var Advice = [2]string{
	"The data file is damaged and was not opened; nothing was changed. Restore it from a backup or call support",
	"数据文件已损坏，未打开，未作任何修改。请从备份恢复或联系技术支持",
}

// Check opens path read-only and runs bbolt's consistency check. A missing
// or empty file is sound (the store creates it). Panics and memory faults
// inside bbolt are recovered and reported as ErrDamaged.
func Check(path string, timeout time.Duration) (err error) {
	fi, statErr := os.Stat(path)
	if errors.Is(statErr, os.ErrNotExist) || (statErr == nil && fi.Size() == 0) {
		return nil
	}
	if statErr != nil {
		return fmt.Errorf("check %s: %w", path, statErr)
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("check %s: %w: %v", path, ErrDamaged, r)
		}
	}()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: timeout})
	if err != nil {
		if errors.Is(err, bolt.ErrTimeout) {
			return fmt.Errorf("check %s: %w", path, err)
		}
		return fmt.Errorf("check %s: %w: %v", path, ErrDamaged, err)
	}
	defer db.Close()
	var problems []error
	if err := db.View(func(tx *bolt.Tx) error {
		// A file shorter than its own high-water mark would fault inside
		// tx.Check's goroutine, where no recover reaches: refuse first.
		if tx.Size() > fi.Size() {
			return fmt.Errorf("file is %d bytes, its meta page says %d", fi.Size(), tx.Size())
		}
		for e := range tx.Check() {
			problems = append(problems, e)
		}
		return nil
	}); err != nil {
		return fmt.Errorf("check %s: %w: %v", path, ErrDamaged, err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("check %s: %w: %v (%d problems)", path, ErrDamaged, problems[0], len(problems))
	}
	return nil
}
