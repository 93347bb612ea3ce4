package storetest

import (
	"bytes"
	"encoding/hex"
	"slices"
	"strings"
	"testing"
	"time"

	"posagent/internal/cardproof"
	"posagent/sync/centre/ledger"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
	"posagent/sync/wire/wiretest"
)

// The card's proof of presence (SPEC §10): with an issuer key, Apply
// verifies each charge's proof, records the (card, counter) each verified
// proof used in the same transaction, and holds all of the account
// amount of a charge without a proof, with one that does not verify, or
// with a counter another record used.
var cardProofTests = []test{
	{"HonestProofIsNeitherFlaggedNorHeld", testProofHonest},
	{"ForgedProofsAreFlaggedAndHeldWhole", testProofForged},
	{"ReplayAcrossTerminalsAndWithinABatch", testProofReplayElsewhere},
	{"LateOfflineCountersOutOfOrderAreAccepted", testProofOutOfOrder},
	{"RedeliveryIsNotItsOwnReplay", testProofRedelivery},
	{"NoIssuerKeyJudgesNoPresence", testProofNoIssuerKey},
	{"AVoucherProvesOneSaleOfItsTerminal", testProofVoucher},
}

// testIssuer is the tests' region issuer key.
var testIssuer = cardproof.IssuerKey(bytes.Repeat([]byte{0x5a}, cardproof.IssuerKeySize))

// applyProven applies with the test issuer key.
func applyProven(t testing.TB, s store.Store, terminal string, es ...wire.Entry) store.ApplyResult {
	t.Helper()
	res, err := s.Apply(t.Context(), terminal, es, store.Judging{ReceivedAt: received, IssuerKey: testIssuer})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// nextCharge is the charge Journal.Charge would add next to j (account
// fen from card, 100 in cash), numbered and dated as Add will: ready to
// be signed.
func nextCharge(j *wiretest.Journal, card string, account int64) wire.Record {
	return wire.Record{
		Kind: wire.KindCharge, Terminal: j.Terminal, Seq: j.Seq + 1, At: j.At.Add(time.Minute),
		TxnID: j.NextTxnID(), CardNo: card, Cashier: "c1",
		Total: account + 100, Account: account, Cash: 100,
		Lines:    []wire.Line{{Code: "X01", Qty: 1, UnitPrice: account + 100, Amount: account + 100, Account: account, Cash: 100, Days: 7000}},
		CardRead: &wire.CardRead{Source: "frame"},
	}
}

// proofOf is what the card answers for rec's sale at counter: an honest
// card's cryptogram made with its key from testIssuer.
func proofOf(t testing.TB, rec wire.Record, counter uint64) *cardproof.Proof {
	t.Helper()
	card, err := cardproof.NewCard(cardproof.Default, testIssuer, rec.CardNo)
	if err != nil {
		t.Fatal(err)
	}
	ch := cardproof.ChallengeFor(rec.Sale())
	return &cardproof.Proof{Challenge: ch.String(), Counter: counter, Cryptogram: hex.EncodeToString(card.Sign(ch, counter))}
}

// provenCharge adds to j an honest charge on card, signed by the card at
// counter.
func provenCharge(t testing.TB, j *wiretest.Journal, card string, account int64, counter uint64) wire.Entry {
	t.Helper()
	rec := nextCharge(j, card, account)
	rec.CardProof = proofOf(t, rec, counter)
	return j.Add(rec)
}

// checkClean fails t unless the record at (terminal, seq) has no flag and
// nothing held.
func checkClean(t testing.TB, s store.Store, terminal string, seq uint64) {
	t.Helper()
	if x := txnOf(t, s, terminal, seq); len(x.Flags) != 0 || x.Held != 0 || x.Hold != "" {
		t.Fatalf("%s/%d: flags %v, held %d %q; want a clean record", terminal, seq, x.Flags, x.Held, x.Hold)
	}
}

// checkHeldWhole fails t unless the record at (terminal, seq) is flagged
// code and all its account amount is held.
func checkHeldWhole(t testing.TB, s store.Store, terminal string, seq uint64, code string) store.Txn {
	t.Helper()
	x := txnOf(t, s, terminal, seq)
	if !slices.Contains(x.Flags, code) || x.Held != x.Account || x.Hold != store.HoldHeld {
		t.Fatalf("%s/%d: flags %v, held %d of %d %q; want %s and all of it held", terminal, seq, x.Flags, x.Held, x.Account, x.Hold, code)
	}
	return x
}

func testProofHonest(t *testing.T, open Opener) {
	s := open(t)
	enrol(t, s, "T1", "P1")
	importAccounts(t, s, active("C1", 10000))
	j := newJournal(t, "T1")
	provenCharge(t, j, "C1", 2500, 7)
	res := applyProven(t, s, "T1", j.Entries...)
	checkResult(t, res, 1, wire.Settlement{Seq: 1, TxnID: "T1-1", BalanceAfter: 7500})
	checkClean(t, s, "T1", 1)
	if x := txnOf(t, s, "T1", 1); len(x.Findings) != 0 {
		t.Fatalf("findings %+v", x.Findings)
	}
	// The counter is recorded: the same card's counter again is a replay.
	rec := nextCharge(j, "C1", 300)
	rec.CardProof = proofOf(t, rec, 7)
	j.Add(rec)
	applyProven(t, s, "T1", j.Entries[1])
	checkHeldWhole(t, s, "T1", 2, ledger.CodeCardCounterReplay)
}

// A dishonest terminal knows the card numbers, not the cards: it sends
// charges with no proof, with a proof copied from another sale (another
// amount, terminal or seq), with a made-up cryptogram, and with a genuine
// proof replayed. Each is flagged and held whole; the honest sale whose
// proof it copies is untouched.
func testProofForged(t *testing.T, open Opener) {
	s := open(t)
	enrol(t, s, "T1", "P1")
	enrol(t, s, "T2", "P2")
	importAccounts(t, s, active("C1", 100000))
	honest := newJournal(t, "T1")
	genuine := provenCharge(t, honest, "C1", 2500, 41)
	applyProven(t, s, "T1", honest.Entries...)
	copied := *mustOpen(t, genuine).CardProof

	rogue := newJournal(t, "T2")
	rogue.Add(nextCharge(rogue, "C1", 900)) // 1: no proof at all
	other := nextCharge(rogue, "C1", 2500)  // 2: the honest sale's proof: same amount, other terminal and seq
	other.CardProof = &copied
	rogue.Add(other)
	more := nextCharge(rogue, "C1", 4000) // 3: its own sale's challenge, a made-up cryptogram
	more.CardProof = &cardproof.Proof{Challenge: cardproof.ChallengeFor(more.Sale()).String(), Counter: 42,
		Cryptogram: hex.EncodeToString(bytes.Repeat([]byte{1}, 32))}
	rogue.Add(more)
	bad := nextCharge(rogue, "C1", 700) // 4: not even hex
	bad.CardProof = &cardproof.Proof{Challenge: "not a challenge", Counter: 43, Cryptogram: "zz"}
	rogue.Add(bad)
	applyProven(t, s, "T2", rogue.Entries...)

	// A genuine proof's counter used again on a second record: copied as
	// it is, the proof signs the first sale (CARD_PROOF_INVALID, above);
	// a cryptogram that verifies over a second sale with the same counter
	// needs the card's key (a cloned card): the counter gives it away.
	provenCharge(t, honest, "C1", 1200, 44)
	replay := nextCharge(honest, "C1", 1300)
	replay.CardProof = proofOf(t, replay, 44)
	honest.Add(replay)
	applyProven(t, s, "T1", honest.Entries[1:]...)

	checkHeldWhole(t, s, "T2", 1, ledger.CodeCardProofMissing)
	x := checkHeldWhole(t, s, "T2", 2, ledger.CodeCardProofInvalid)
	if ev := findingOf(x, ledger.CodeCardProofInvalid).Evidence; ev["other_sale"] != 1 {
		t.Fatalf("copied proof: evidence %v, want other_sale", ev)
	}
	x = checkHeldWhole(t, s, "T2", 3, ledger.CodeCardProofInvalid)
	if ev := findingOf(x, ledger.CodeCardProofInvalid).Evidence; ev["bad_cryptogram"] != 1 {
		t.Fatalf("made-up cryptogram: evidence %v, want bad_cryptogram", ev)
	}
	x = checkHeldWhole(t, s, "T2", 4, ledger.CodeCardProofInvalid)
	if ev := findingOf(x, ledger.CodeCardProofInvalid).Evidence; ev["malformed"] != 1 {
		t.Fatalf("malformed proof: evidence %v, want malformed", ev)
	}
	checkClean(t, s, "T1", 1)
	checkClean(t, s, "T1", 2)
	checkHeldWhole(t, s, "T1", 3, ledger.CodeCardCounterReplay)
	if got, want := balance(t, s, "C1"), int64(100000-2500-1200); got != want {
		t.Fatalf("balance %d, want %d: only the honest charges taken", got, want)
	}
}

// findingOf is x's finding of code.
func findingOf(x store.Txn, code string) ledger.Finding {
	for _, f := range x.Findings {
		if f.Code == code {
			return f
		}
	}
	return ledger.Finding{}
}

// A counter used at one terminal is a replay at another, and two records
// of one batch with the same counter: the second is.
func testProofReplayElsewhere(t *testing.T, open Opener) {
	s := open(t)
	enrol(t, s, "T1", "P1")
	enrol(t, s, "T2", "P2")
	importAccounts(t, s, active("C1", 100000), active("C2", 100000))
	a := newJournal(t, "T1")
	provenCharge(t, a, "C1", 1000, 5)
	applyProven(t, s, "T1", a.Entries...)
	b := newJournal(t, "T2")
	provenCharge(t, b, "C1", 1000, 5) // a valid cryptogram over its own sale, on a used counter
	provenCharge(t, b, "C2", 1000, 5) // another card's counter 5: no relation
	provenCharge(t, b, "C2", 1000, 5)
	applyProven(t, s, "T2", b.Entries...)
	checkClean(t, s, "T1", 1)
	checkHeldWhole(t, s, "T2", 1, ledger.CodeCardCounterReplay)
	checkClean(t, s, "T2", 2)
	checkHeldWhole(t, s, "T2", 3, ledger.CodeCardCounterReplay)
}

// An offline terminal's records arrive after the card was used elsewhere
// with higher counters, and in its batch not in counter order: no replay.
func testProofOutOfOrder(t *testing.T, open Opener) {
	s := open(t)
	enrol(t, s, "T1", "P1")
	enrol(t, s, "T2", "P2")
	importAccounts(t, s, active("C1", 100000))
	online := newJournal(t, "T2")
	provenCharge(t, online, "C1", 1000, 20)
	applyProven(t, s, "T2", online.Entries...)
	offline := newJournal(t, "T1")
	for _, counter := range []uint64{12, 10, 11} {
		rec := nextCharge(offline, "C1", 500)
		rec.Offline = true
		rec.CardProof = proofOf(t, rec, counter)
		offline.Add(rec)
	}
	applyProven(t, s, "T1", offline.Entries[2])     // the last one first
	applyProven(t, s, "T1", offline.Entries[:2]...) // then the rest, late
	for seq := uint64(1); seq <= 3; seq++ {
		x := txnOf(t, s, "T1", seq)
		for _, f := range x.Flags {
			if f == ledger.CodeCardCounterReplay || f == ledger.CodeCardProofInvalid || f == ledger.CodeCardProofMissing {
				t.Fatalf("T1/%d flagged %v: out of order is not a replay", seq, x.Flags)
			}
		}
		if x.Held != 0 {
			t.Fatalf("T1/%d held %d", seq, x.Held)
		}
	}
	if got := balance(t, s, "C1"); got != 100000-1000-3*500 {
		t.Fatalf("balance %d", got)
	}
}

// The same batch delivered again (a lost ack) is answered from the store:
// no record becomes its own replay.
func testProofRedelivery(t *testing.T, open Opener) {
	s := open(t)
	enrol(t, s, "T1", "P1")
	importAccounts(t, s, active("C1", 10000))
	j := newJournal(t, "T1")
	provenCharge(t, j, "C1", 1000, 1)
	provenCharge(t, j, "C1", 1000, 2)
	first := applyProven(t, s, "T1", j.Entries...)
	again := applyProven(t, s, "T1", j.Entries...)
	checkResult(t, again, 2, first.Results...)
	checkClean(t, s, "T1", 1)
	checkClean(t, s, "T1", 2)
	// A late entry filling a gap is applied once, on its own counter.
	provenCharge(t, j, "C1", 1000, 3)
	provenCharge(t, j, "C1", 1000, 4)
	applyProven(t, s, "T1", j.Entries[3])
	applyProven(t, s, "T1", j.Entries[2])
	applyProven(t, s, "T1", j.Entries[2])
	for seq, flag := range map[uint64]string{3: wire.FlagChainBroken, 4: wire.FlagChainGap} {
		if x := txnOf(t, s, "T1", seq); !slices.Equal(x.Flags, []string{flag}) || x.Held != 0 {
			t.Fatalf("T1/%d: flags %v held %d; want only %s", seq, x.Flags, x.Held, flag)
		}
	}
}

// Without an issuer key (a region whose cards carry no keys yet) no
// card's presence is judged: charges without or with forged proofs settle
// as before.
func testProofNoIssuerKey(t *testing.T, open Opener) {
	s := open(t)
	enrol(t, s, "T1", "P1")
	importAccounts(t, s, active("C1", 10000))
	j := newJournal(t, "T1")
	j.Add(nextCharge(j, "C1", 1000))
	forged := nextCharge(j, "C1", 1000)
	forged.CardProof = &cardproof.Proof{Challenge: "00", Counter: 1, Cryptogram: "00"}
	j.Add(forged)
	provenCharge(t, j, "C1", 1000, 1)
	provenCharge(t, j, "C1", 1000, 1)
	res := apply(t, s, "T1", j.Entries...)
	checkResult(t, res, 4,
		wire.Settlement{Seq: 1, TxnID: "T1-1", BalanceAfter: 9000},
		wire.Settlement{Seq: 2, TxnID: "T1-2", BalanceAfter: 8000},
		wire.Settlement{Seq: 3, TxnID: "T1-3", BalanceAfter: 7000},
		wire.Settlement{Seq: 4, TxnID: "T1-4", BalanceAfter: 6000})
	for seq := uint64(1); seq <= 4; seq++ {
		checkClean(t, s, "T1", seq)
	}
}

// A sale paid with an e-voucher is proven by a token this terminal
// redeemed for this card, once: the first charge with it is clean and
// marks it used; a second charge with the same token, a token another
// terminal redeemed, one never issued, one redeemed for another card, and
// a voucher charge without a token are each held whole; the first record
// delivered again is still clean.
func testProofVoucher(t *testing.T, open Opener) {
	s := open(t)
	enrol(t, s, "T1", "P1")
	enrol(t, s, "T2", "P2")
	importAccounts(t, s, active("C1", 100000), active("C2", 100000))
	for _, v := range []store.Voucher{issued("TOKA", "C1", minute(0)), issued("TOKB", "C1", minute(0)), issued("TOKC", "C2", minute(0))} {
		putVoucher(t, s, v)
	}
	for _, r := range []struct{ token, terminal string }{{"TOKA", "T1"}, {"TOKB", "T2"}, {"TOKC", "T1"}} {
		if _, err := redeem(s, t, r.token, r.terminal, minute(1)); err != nil {
			t.Fatalf("redeem %s at %s: %v", r.token, r.terminal, err)
		}
	}
	j := newJournal(t, "T1")
	voucherCharge := func(card, token string) wire.Entry {
		rec := nextCharge(j, card, 500)
		rec.CardRead = &wire.CardRead{Source: "voucher", Voucher: token}
		return j.Add(rec)
	}
	voucherCharge("C1", "TOKA") // 1: honest
	voucherCharge("C1", "TOKA") // 2: the token again
	voucherCharge("C1", "TOKB") // 3: redeemed by T2
	voucherCharge("C1", "NOSUCH")
	voucherCharge("C1", "TOKC")                      // 5: redeemed for C2
	voucherCharge("C1", "")                          // 6: no token
	voucherCharge("C1", "BAD\x00TOKEN")              // 7: a NUL byte no store keeps
	voucherCharge("C1", strings.Repeat("T", 40<<10)) // 8: 40 KiB, over bbolt's key limit
	applyProven(t, s, "T1", j.Entries[0])
	checkClean(t, s, "T1", 1)
	applyProven(t, s, "T1", j.Entries...) // the first again, and the rest
	checkClean(t, s, "T1", 1)
	for seq, fault := range map[uint64]string{2: ledger.VoucherUsed, 3: ledger.VoucherUnproven, 4: ledger.VoucherUnknown, 5: ledger.VoucherUnproven,
		7: ledger.VoucherUnknown, 8: ledger.VoucherUnknown} {
		x := checkHeldWhole(t, s, "T1", seq, ledger.CodeCardProofInvalid)
		if i := slices.IndexFunc(x.Findings, func(f ledger.Finding) bool { return f.Code == ledger.CodeCardProofInvalid }); i < 0 || x.Findings[i].Evidence[fault] != 1 {
			t.Fatalf("seq %d: findings %+v, want %s", seq, x.Findings, fault)
		}
	}
	checkHeldWhole(t, s, "T1", 6, ledger.CodeCardProofMissing)
	if v, err := s.Voucher(t.Context(), "TOKA"); err != nil || v.UsedBy != "T1" || v.UsedSeq != 1 {
		t.Fatalf("TOKA after apply: %+v, %v; want used by T1/1", v, err)
	}
}
