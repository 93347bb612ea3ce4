package ledger

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"posagent/sync/wire"
)

// seal builds the entry of a record of terminal "T1" chained after prev.
func seal(t testing.TB, seq uint64, prev string, edit func(*wire.Record)) wire.Entry {
	t.Helper()
	rec := wire.Record{
		Terminal: "T1", Seq: seq, PrevHash: prev, Kind: wire.KindCharge,
		TxnID: "txn", At: time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC),
		CardNo: "100200300", Total: 500, Account: 400, Cash: 100,
	}
	if edit != nil {
		edit(&rec)
	}
	e, err := wire.Seal(rec)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestDecideChain(t *testing.T) {
	e1 := seal(t, 1, "", nil)
	e2 := seal(t, 2, e1.Hash, nil)
	tampered := e2
	tampered.Body = json.RawMessage(string(seal(t, 2, e1.Hash, func(r *wire.Record) { r.Account = 1 }).Body))
	wrongPrev := seal(t, 2, "feed", nil)
	gap := seal(t, 5, "feed", nil)
	at1 := Chain{AckedSeq: 1, LastHash: e1.Hash}

	cases := []struct {
		name    string
		chain   Chain
		entry   wire.Entry
		held    Held
		verdict Verdict
		flags   []string
		after   Chain
	}{
		{"first entry", Chain{}, e1, Held{}, Apply, nil, at1},
		{"next entry", at1, e2, Held{}, Apply, nil, Chain{2, e2.Hash}},
		{"duplicate", Chain{2, e2.Hash}, e1, Held{true, e1.Hash}, Duplicate, nil, Chain{2, e2.Hash}},
		{"other content at a held seq", Chain{2, e2.Hash}, e1, Held{true, "other"}, Conflict, []string{wire.FlagChainBroken}, Chain{2, e2.Hash}},
		{"late entry fills a gap", Chain{5, gap.Hash}, e2, Held{}, Apply, []string{wire.FlagChainBroken}, Chain{5, gap.Hash}},
		{"edited body", at1, tampered, Held{}, Apply, []string{wire.FlagChainBroken}, Chain{2, e2.Hash}},
		{"prev hash broken", at1, wrongPrev, Held{}, Apply, []string{wire.FlagChainBroken}, Chain{2, wrongPrev.Hash}},
		{"gap", at1, gap, Held{}, Apply, []string{wire.FlagChainGap}, Chain{5, gap.Hash}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := Decide(c.chain, "T1", c.entry, c.held)
			if err != nil {
				t.Fatalf("Decide: %v", err)
			}
			if d.Verdict != c.verdict || !slices.Equal(d.Flags, c.flags) || d.Chain != c.after {
				t.Fatalf("got %v %v %+v, want %v %v %+v", d.Verdict, d.Flags, d.Chain, c.verdict, c.flags, c.after)
			}
			if d.Verdict != Duplicate && d.Record.Seq != c.entry.Seq {
				t.Fatalf("record seq %d, want %d", d.Record.Seq, c.entry.Seq)
			}
		})
	}
}

func TestDecideGapAndEditedBody(t *testing.T) {
	e := seal(t, 4, "x", nil)
	e.Body = seal(t, 4, "x", func(r *wire.Record) { r.Account = 1 }).Body
	d, err := Decide(Chain{AckedSeq: 1, LastHash: "h1"}, "T1", e, Held{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{wire.FlagChainGap, wire.FlagChainBroken}
	if !slices.Equal(d.Flags, want) || d.Chain.LastHash != e.Hash || d.Record.Account != 1 {
		t.Fatalf("flags %v chain %+v account %d; want %v, claimed hash, edited account 1", d.Flags, d.Chain, d.Record.Account, want)
	}
}

func TestDecideRefuses(t *testing.T) {
	good := seal(t, 2, "h1", nil)
	mismatched := func(e wire.Entry) wire.Entry { e.Hash = "0000"; return e }
	raw := func(body string) wire.Entry {
		return wire.Entry{Seq: 2, Hash: wire.HashBody([]byte(body)), Body: json.RawMessage(body)}
	}
	cases := map[string]wire.Entry{
		"seq 0":                    {Seq: 0, Hash: good.Hash, Body: good.Body},
		"other terminal":           seal(t, 2, "h1", func(r *wire.Record) { r.Terminal = "T2" }),
		"other terminal, mismatch": mismatched(seal(t, 2, "h1", func(r *wire.Record) { r.Terminal = "T2" })),
		"undecodable":              raw(`{"terminal":"T1","seq":2,`),
		"undecodable, mismatch":    mismatched(raw(`not json`)),
		"body seq differs":         raw(`{"terminal":"T1","seq":3,"kind":"quote"}`),
		"body seq differs, mism.":  mismatched(raw(`{"terminal":"T1","seq":3,"kind":"quote"}`)),
		"negative account":         seal(t, 2, "h1", func(r *wire.Record) { r.Account = -5 }),
		"NUL in card":              seal(t, 2, "h1", func(r *wire.Record) { r.CardNo = "1\x002" }),
		"charge without txn_id":    seal(t, 2, "h1", func(r *wire.Record) { r.TxnID = "" }),
		"void without reverses":    seal(t, 2, "h1", func(r *wire.Record) { r.Kind = wire.KindVoid }),
	}
	for name, e := range cases {
		t.Run(name, func(t *testing.T) {
			d, err := Decide(Chain{AckedSeq: 1, LastHash: "h1"}, "T1", e, Held{})
			if !errors.Is(err, ErrRefused) {
				t.Fatalf("got %v, %v; want ErrRefused", d, err)
			}
		})
	}
}

// A body naming another terminal is refused even at a seq the store holds.
func TestDecideRefusesAtAHeldSeq(t *testing.T) {
	e := seal(t, 1, "", func(r *wire.Record) { r.Terminal = "T2" })
	if _, err := Decide(Chain{AckedSeq: 3, LastHash: "h3"}, "T1", e, Held{Found: true, Hash: "other"}); !errors.Is(err, ErrRefused) {
		t.Fatalf("got %v, want ErrRefused", err)
	}
}

func TestDecideQuoteAndRefusalNeedNoTxnID(t *testing.T) {
	for _, kind := range []string{wire.KindQuote, wire.KindRefusal, "future_kind"} {
		e := seal(t, 1, "", func(r *wire.Record) { r.Kind, r.TxnID, r.Account = kind, "", 0 })
		if d, err := Decide(Chain{}, "T1", e, Held{}); err != nil || d.Verdict != Apply {
			t.Fatalf("%s: %v %v", kind, d.Verdict, err)
		}
	}
}

// FuzzDecide feeds arbitrary entries and chain states: Decide never panics,
// refuses only with ErrRefused, and never moves the chain backwards.
func FuzzDecide(f *testing.F) {
	e1 := seal(f, 1, "", nil)
	f.Add(uint64(0), "", uint64(1), e1.Hash, []byte(e1.Body), false, "")
	f.Add(uint64(1), e1.Hash, uint64(2), "bad", []byte(seal(f, 2, e1.Hash, nil).Body), false, "")
	f.Add(uint64(3), "x", uint64(1), e1.Hash, []byte(e1.Body), true, e1.Hash)
	f.Add(uint64(3), "x", uint64(1), e1.Hash, []byte(e1.Body), true, "other")
	f.Add(uint64(3), "x", uint64(9), "", []byte(`{"terminal":"T1","seq":9,"kind":"void","account":-1}`), false, "")
	f.Add(uint64(0), "", uint64(1), "", []byte(`{`), false, "")
	f.Fuzz(func(t *testing.T, acked uint64, last string, seq uint64, hash string, body []byte, found bool, heldHash string) {
		c := Chain{AckedSeq: acked, LastHash: last}
		held := Held{Found: found, Hash: heldHash}
		d, err := Decide(c, "T1", wire.Entry{Seq: seq, Hash: hash, Body: body}, held)
		if err != nil {
			if !errors.Is(err, ErrRefused) {
				t.Fatalf("error not ErrRefused: %v", err)
			}
			return
		}
		if d.Chain.AckedSeq < c.AckedSeq {
			t.Fatalf("chain moved back: %+v → %+v", c, d.Chain)
		}
		if d.Verdict == Duplicate {
			if d.Chain != c || seq > acked || !found || heldHash != hash {
				t.Fatalf("bad duplicate: chain %+v seq %d held %+v", d.Chain, seq, held)
			}
			return
		}
		if d.Verdict == Conflict && (d.Chain != c || seq > acked || !found || heldHash == hash) {
			t.Fatalf("bad conflict: chain %+v seq %d held %+v", d.Chain, seq, held)
		}
		if d.Record.Terminal != "T1" || d.Record.Seq != seq || d.Record.Account < 0 {
			t.Fatalf("applied a record it should refuse: %+v", d.Record)
		}
		for _, fl := range d.Flags {
			if fl != wire.FlagChainGap && fl != wire.FlagChainBroken {
				t.Fatalf("unexpected flag %q", fl)
			}
		}
		if len(d.Flags) == 0 && (wire.HashBody(body) != hash || seq != acked+1 || d.Record.PrevHash != last) {
			t.Fatalf("unflagged entry that does not chain: %+v", d)
		}
	})
}
