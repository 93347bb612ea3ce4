package journal

import (
	"testing"

	"posagent/sync/wire"
)

// FuzzStoredEntry feeds arbitrary stored bytes (a damaged or edited file)
// to the entry decoder and chain check: they must never panic, and what
// they accept must be a sound entry at that place in the chain.
func FuzzStoredEntry(f *testing.F) {
	rec := charge("t1", "6200001", 9450, base)
	rec.Terminal, rec.Seq, rec.PrevHash = "T1", 2, wire.HashBody([]byte("first"))
	e, err := wire.Seal(rec)
	if err != nil {
		f.Fatal(err)
	}
	good := encodeEntry(e)
	f.Add(uint64(2), rec.PrevHash, good)
	f.Add(uint64(3), rec.PrevHash, good)
	f.Add(uint64(2), "", good[:hashLen+10])
	f.Add(uint64(1), "", []byte{})
	f.Add(uint64(1), "", []byte(wire.HashBody([]byte("{}"))+"{}"))
	j := &Journal{terminal: "T1"}
	f.Fuzz(func(t *testing.T, seq uint64, prev string, stored []byte) {
		e, err := decodeEntry(seq, stored)
		if err != nil {
			return
		}
		got, err := j.verifyEntry(e, prev)
		if err != nil {
			return
		}
		if wire.HashBody(e.Body) != e.Hash || got.Seq != seq || got.PrevHash != prev || got.Terminal != "T1" {
			t.Fatalf("accepted an unsound entry: %+v", got)
		}
		if _, err := wire.Open(e); err != nil {
			t.Fatalf("verify accepted what wire.Open refuses: %v", err)
		}
	})
}
