package journal

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"posagent/sync/wire"
)

// fiveCharges writes a closed journal of five charges and returns its path.
func fiveCharges(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "journal.db")
	j := openAt(t, path)
	for i := range 5 {
		mustAppend(t, j, charge(string(rune('a'+i)), "6200001", 1000, base.Add(time.Duration(i)*time.Minute)))
	}
	if err := j.Verify(); err != nil {
		t.Fatalf("verify before tampering: %v", err)
	}
	j.Close()
	return path
}

// tamper edits the file directly, as someone with the disk could.
func tamper(t *testing.T, path string, edit func(entries *bolt.Bucket) error) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(func(tx *bolt.Tx) error { return edit(tx.Bucket(bEntries)) }); err != nil {
		t.Fatal(err)
	}
}

// verifyErr reopens the journal and returns what Verify says.
func verifyErr(t *testing.T, path string) error {
	t.Helper()
	j := openAt(t, path)
	defer j.Close()
	return j.Verify()
}

func TestVerifyNamesAnEditedEntry(t *testing.T) {
	path := fiveCharges(t)
	tamper(t, path, func(b *bolt.Bucket) error {
		v := bytes.Replace(b.Get(u64(3)), []byte(`"account":1000`), []byte(`"account":9000`), 1)
		return b.Put(u64(3), v)
	})
	err := verifyErr(t, path)
	if !errors.Is(err, ErrChainBroken) || !strings.Contains(err.Error(), "entry 3:") {
		t.Fatalf("verify after editing entry 3: %v, want CHAIN_BROKEN naming entry 3", err)
	}
}

func TestVerifyNamesARehashedEntry(t *testing.T) {
	path := fiveCharges(t)
	tamper(t, path, func(b *bolt.Bucket) error {
		e, err := decodeEntry(3, b.Get(u64(3)))
		if err != nil {
			return err
		}
		body := bytes.Replace(e.Body, []byte(`"account":1000`), []byte(`"account":10`), 1)
		return b.Put(u64(3), encodeEntry(wire.Entry{Seq: 3, Hash: wire.HashBody(body), Body: body}))
	})
	err := verifyErr(t, path)
	if !errors.Is(err, ErrChainBroken) || !strings.Contains(err.Error(), "entry 4:") {
		t.Fatalf("verify after rewriting entry 3 consistently: %v, want entry 4's link broken", err)
	}
}

func TestVerifyReportsAGap(t *testing.T) {
	path := fiveCharges(t)
	tamper(t, path, func(b *bolt.Bucket) error { return b.Delete(u64(3)) })
	err := verifyErr(t, path)
	if !errors.Is(err, ErrChainGap) || !strings.Contains(err.Error(), "entries 3 to 3 missing") {
		t.Fatalf("verify after deleting entry 3: %v, want CHAIN_GAP at 3", err)
	}
}

func TestVerifyReportsAMissingTail(t *testing.T) {
	path := fiveCharges(t)
	tamper(t, path, func(b *bolt.Bucket) error { return b.Delete(u64(5)) })
	err := verifyErr(t, path)
	if !errors.Is(err, ErrChainGap) || !strings.Contains(err.Error(), "entries 5 to 5 missing") {
		t.Fatalf("verify after deleting the last entry: %v, want CHAIN_GAP at 5", err)
	}
}

func TestVerifyReportsAWrongRunningSum(t *testing.T) {
	path := fiveCharges(t)
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bSum).Put(u64(2), u64(1)) })
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	if err := verifyErr(t, path); err == nil || !strings.Contains(err.Error(), "entry 2: running terminal sum") {
		t.Fatalf("verify after corrupting a running sum: %v", err)
	}
}
