package scenario

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	bolt "go.etcd.io/bbolt"

	"posagent/agent/journal"
	"posagent/internal/demo"
	"posagent/sync/centre/ledger"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

// TestTamperedJournalIsFlaggedAtTheCentre: after one synced sale, three
// sales are made while the centre is down, so they wait in the journal.
// With the agent stopped, someone with the disk deletes the first charge (a sale made to vanish)
// and raises the account amount of the second in place (keeping its hash,
// the cheap forgery). When the agent comes back and syncs, the centre
// applies what it is sent and flags the record after the hole CHAIN_GAP
// and the edited charge CHAIN_BROKEN, in the supervisor API; the agent's
// own Verify finds the hole too.
func TestTamperedJournalIsFlaggedAtTheCentre(t *testing.T) {
	t.Parallel()
	e := startWorld(t, demo.Options{})
	term := e.AgentCfg.Terminal
	swipe(t, e, "zhang-san")
	quote(t, e, vitaminC(2)) // the agent now knows the account, for offline sales
	swipe(t, e, "zhao-liu")
	sell(t, e, vitaminC(1))
	if err := e.WaitSynced(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := e.StopCentre(); err != nil {
		t.Fatal(err)
	}
	waitConnected(t, e, false)
	swipe(t, e, "zhang-san") // three purchases today: within daily_count
	var held []uint64        // seqs of the charges made offline
	for range 3 {
		_, ch := sell(t, e, vitaminC(2))
		if ch.Settled != "offline" || ch.AccountPaid != 1000 {
			t.Fatalf("offline sale: %+v, want settled offline with 1000 fen from the account", ch)
		}
		held = append(held, ch.Seq)
	}
	stopAgent(t, e)

	path := filepath.Join(e.AgentCfg.Data, "journal.db")
	deleted, edited, intact := held[0], held[1], held[2]
	editJournal(t, path, func(entries *bolt.Bucket) error {
		if err := entries.Delete(seqKey(deleted)); err != nil {
			return err
		}
		v := entries.Get(seqKey(edited))
		if len(v) < 64 {
			return fmt.Errorf("entry %d: %d bytes stored", edited, len(v))
		}
		hash, body := string(v[:64]), v[64:]
		var rec wire.Record
		if err := json.Unmarshal(body, &rec); err != nil {
			return err
		}
		rec.Account, rec.Total = 10000, 10000 // 100 yuan billed for 10
		rec.Lines[0].Account, rec.Lines[0].Amount = 10000, 10000
		forged, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		return entries.Put(seqKey(edited), append([]byte(hash), forged...))
	})

	if err := e.RestartCentre(t.Context()); err != nil {
		t.Fatal(err)
	}
	restartAgent(t, e, nil)
	if err := e.WaitSynced(t.Context()); err != nil {
		t.Fatal(err)
	}

	flagged := centreTxns(t, e, term, true)
	got := map[uint64][]string{}
	for _, x := range flagged {
		got[x.Seq] = x.Flags
	}
	// The edit breaks the chain; the card signed another amount (SPEC
	// §10), and the centre's re-judging sees that 10 yuan of goods cannot
	// cost 100 (SPEC §9): it is all held.
	want := map[uint64][]string{deleted + 1: {wire.FlagChainGap},
		edited: {wire.FlagChainBroken, ledger.CodeBadArithmetic, ledger.CodeCardProofInvalid, ledger.CodePolicyMismatch}}
	if len(got) != len(want) || !slices.Equal(got[deleted+1], want[deleted+1]) || !slices.Equal(got[edited], want[edited]) {
		t.Fatalf("flagged records at the centre (seq → flags): %v, want %v", got, want)
	}
	all := bySeq(centreTxns(t, e, term, false))
	if _, ok := all[deleted]; ok {
		t.Errorf("the deleted charge (seq %d) reached the centre", deleted)
	}
	if x := all[edited]; x.Kind != wire.KindCharge || x.Account != 10000 || x.Held != 10000 || x.Hold != store.HoldHeld {
		t.Errorf("edited charge at the centre: %+v; want it recorded as sent (10000 fen), flagged and held whole", x)
	}
	if x := all[intact]; x.Kind != wire.KindCharge || x.Account != 1000 || len(x.Flags) != 0 {
		t.Errorf("untouched charge at the centre: %+v; want 1000 fen, no flags", x)
	}
	st := storeFlags(t, e, term)
	if !slices.Equal(st[deleted+1], want[deleted+1]) || !slices.Equal(st[edited], want[edited]) {
		t.Errorf("store flags %v disagree with the supervisor API", st)
	}

	stopAgent(t, e)
	j, err := journal.Open(path, journal.Options{Terminal: term, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if err := j.Verify(); !errors.Is(err, journal.ErrChainGap) {
		t.Fatalf("the agent's own Verify: %v, want CHAIN_GAP", err)
	}
}

// editJournal edits a stopped agent's journal file directly with bbolt,
// as someone with the disk could: edit gets the entries bucket (see the
// bucket layout in agent/journal/doc.go).
func editJournal(t *testing.T, path string, edit func(entries *bolt.Bucket) error) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("entries"))
		if b == nil {
			return errors.New("no entries bucket")
		}
		return edit(b)
	})
	if err != nil {
		t.Fatalf("edit %s: %v", path, err)
	}
}

// seqKey is a journal entry's key: the seq, 8 bytes big-endian.
func seqKey(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

// storeFlags reads the centre's store directly: seq → flags of the
// terminal's flagged records.
func storeFlags(t *testing.T, e *demo.Env, term string) map[uint64][]string {
	t.Helper()
	txns, err := e.Centre.Store().Transactions(t.Context(), store.Filter{Terminal: term, Flagged: true})
	if err != nil {
		t.Fatal(err)
	}
	out := map[uint64][]string{}
	for _, x := range txns {
		out[x.Seq] = x.Flags
	}
	return out
}
