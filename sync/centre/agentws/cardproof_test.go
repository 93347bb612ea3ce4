package agentws_test

import (
	"bytes"
	"encoding/hex"
	"testing"
	"time"

	"posagent/internal/cardproof"
	"posagent/sync/centre/centretest"
	"posagent/sync/centre/ledger"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

// The card's proof of presence (SPEC §10), over the agents' websocket: a
// centre with the region's issuer key verifies every charge's card proof.
// The rogue terminal knows the sample's card numbers, not the cards.

// testIssuer is the region's issuer key in these tests; honest cards are
// keyed from it (centretest.Prove).
var testIssuer = cardproof.IssuerKey(bytes.Repeat([]byte{0x42}, cardproof.IssuerKeySize))

// newProvingRogue starts a centre with the issuer key on kind, the sample
// data and the users, and a rogue terminal T1 of pharmacy P001.
func newProvingRogue(t *testing.T, kind centretest.StoreKind) *centretest.Rogue {
	c := centretest.StartWithOptions(t, centretest.Options{Sample: true, Store: kind, IssuerKey: testIssuer})
	c.Users()
	return c.Rogue("T1", "P001")
}

// The sample's items these tests sell, paid wholly from the account.
var (
	cold      = forgedLine("D0006", "6901234500066", 1, 980)
	ibuprofen = forgedLine("D0004", "6901234500042", 1, 1500)
	granules  = forgedLine("D0007", "6901234500073", 1, 1500)
	pill      = forgedLine("D0011", "6901234500110", 1, 2000) // no days of supply; for women over 16 (Li Si)
)

// icCharge is a charge of one line (the cold remedy when none is given)
// on card at at, read from the IC card in the frame reader, to be sent as
// the rogue's seq: its terminal and seq are set, so a proof can sign it.
func icCharge(card string, at time.Time, seq uint64, lines ...wire.Line) wire.Record {
	if len(lines) == 0 {
		lines = []wire.Line{cold}
	}
	rec := forged(card, at, lines...)
	rec.Terminal, rec.Seq = "T1", seq
	rec.CardRead = &wire.CardRead{Source: "frame", Port: "/dev/ttyS0"}
	return rec
}

func checkHeldWhole(t *testing.T, x store.Txn, code string) {
	t.Helper()
	if !hasFlag(x, code) || x.Held != x.Account || x.Hold != store.HoldHeld {
		t.Fatalf("record %d: flags %v, held %d of %d (%q); want %s and all of it held", x.Seq, x.Flags, x.Held, x.Account, x.Hold, code)
	}
}

func TestCardProofsAreVerified(t *testing.T) {
	onEachStore(t, func(t *testing.T, kind centretest.StoreKind) {
		r := newProvingRogue(t, kind)
		before := r.C.AccountBalance(zhangSan)
		now := r.C.Now()

		// An honest sale: the card signed it.
		honest := icCharge(zhangSan, now.Add(-50*time.Minute), r.NextSeq())
		honest.CardProof = centretest.Prove(t, testIssuer, honest, 41)
		if got := r.Send(honest)[0]; len(got.Flags) != 0 || got.Held != 0 || len(got.Findings) != 0 {
			t.Fatalf("honest record %+v: want no flags, nothing held", got)
		}

		// The rogue's charges on the same card.
		seq := r.NextSeq()
		missing := icCharge(zhangSan, now.Add(-40*time.Minute), seq)
		copied := icCharge(zhangSan, now.Add(-40*time.Minute), seq+1) // the honest proof: another seq and time
		copied.CardProof = honest.CardProof
		madeUp := icCharge(zhangSan, now.Add(-40*time.Minute), seq+2)
		madeUp.CardProof = &cardproof.Proof{Challenge: cardproof.ChallengeFor(madeUp.Sale()).String(), Counter: 42,
			Cryptogram: hex.EncodeToString(bytes.Repeat([]byte{0xee}, 32))}
		cloned := icCharge(zhangSan, now.Add(-40*time.Minute), seq+3) // the card's key, its counter 41 again
		cloned.CardProof = centretest.Prove(t, testIssuer, cloned, 41)
		got := r.Send(missing, copied, madeUp, cloned)
		checkHeldWhole(t, got[0], ledger.CodeCardProofMissing)
		checkHeldWhole(t, got[1], ledger.CodeCardProofInvalid)
		checkHeldWhole(t, got[2], ledger.CodeCardProofInvalid)
		checkHeldWhole(t, got[3], ledger.CodeCardCounterReplay)

		// Another amount under the honest proof is another sale too.
		bigger := icCharge(zhangSan, honest.At, r.NextSeq())
		bigger.Lines = []wire.Line{forgedLine("D0006", "6901234500066", 2, 980)} // held whatever the rules say: the proof
		bigger.Total, bigger.Account = 1960, 1960
		bigger.CardProof = honest.CardProof
		checkHeldWhole(t, r.Send(bigger)[0], ledger.CodeCardProofInvalid)

		if x := r.Txn(1); len(x.Flags) != 0 || x.Held != 0 {
			t.Fatalf("the honest record after the rogue's: %+v", x)
		}
		if after := r.C.AccountBalance(zhangSan); after != before-980 {
			t.Fatalf("balance %d, want %d: only the honest sale taken", after, before-980)
		}
	})
}

// TestLateOfflineCountersOutOfOrder: a terminal offline for a day sends
// its sales late, in one batch whose counters are not in order and are
// below one the card used since at another counter: nothing is a replay.
func TestLateOfflineCountersOutOfOrder(t *testing.T) {
	onEachStore(t, func(t *testing.T, kind centretest.StoreKind) {
		r := newProvingRogue(t, kind)
		now := r.C.Now()
		recent := icCharge(liSi, now.Add(-30*time.Minute), r.NextSeq(), pill)
		recent.CardProof = centretest.Prove(t, testIssuer, recent, 50)
		r.Send(recent)
		var late []wire.Record
		for i, counter := range []uint64{33, 31, 32} {
			rec := icCharge(liSi, now.AddDate(0, 0, -1).Add(time.Duration(i)*time.Hour), r.NextSeq()+uint64(i), pill)
			rec.Offline = true
			rec.CardProof = centretest.Prove(t, testIssuer, rec, counter)
			late = append(late, rec)
		}
		for _, x := range r.Send(late...) {
			if len(x.Flags) != 0 || x.Held != 0 {
				t.Fatalf("late offline record %d: flags %v, held %d; want none", x.Seq, x.Flags, x.Held)
			}
		}
	})
}

// TestTrack2SwipeIsLimited: a magnetic-stripe swipe cannot prove presence;
// with the issuer key the centre's rules know it was one and allow only
// track2_account_limit (0 in the sample) from the account: the rest is
// POLICY_MISMATCH, held. No proof is asked of it.
func TestTrack2SwipeIsLimited(t *testing.T) {
	onEachStore(t, func(t *testing.T, kind centretest.StoreKind) {
		r := newProvingRogue(t, kind)
		before := r.C.AccountBalance(zhangSan)
		rec := icCharge(zhangSan, r.C.Now().Add(-30*time.Minute), r.NextSeq())
		rec.CardRead = &wire.CardRead{Source: "track2"}
		x := r.Send(rec)[0]
		if !hasFlag(x, ledger.CodePolicyMismatch) || hasFlag(x, ledger.CodeCardProofMissing) || x.Held != 980 || x.Hold != store.HoldHeld {
			t.Fatalf("track-2 record: flags %v, held %d %q; want POLICY_MISMATCH, 980 held", x.Flags, x.Held, x.Hold)
		}
		if after := r.C.AccountBalance(zhangSan); after != before {
			t.Fatalf("balance %d, want %d", after, before)
		}
	})
}

// TestNoIssuerKeyJudgesNoPresence: a centre without the issuer key (a
// region whose cards carry no keys yet) settles charges without proofs,
// with made-up ones and track-2 swipes as it always did.
func TestNoIssuerKeyJudgesNoPresence(t *testing.T) {
	onEachStore(t, func(t *testing.T, kind centretest.StoreKind) {
		r := newRogue(t, kind)
		before := r.C.AccountBalance(zhangSan)
		now := r.C.Now()
		seq := r.NextSeq()
		bare := icCharge(zhangSan, now.Add(-50*time.Minute), seq, cold)
		madeUp := icCharge(zhangSan, now.Add(-40*time.Minute), seq+1, ibuprofen)
		madeUp.CardProof = &cardproof.Proof{Challenge: "00", Counter: 1, Cryptogram: "00"}
		swipe := icCharge(zhangSan, now.Add(-30*time.Minute), seq+2, granules)
		swipe.CardRead = &wire.CardRead{Source: "track2"}
		for _, x := range r.Send(bare, madeUp, swipe) {
			if len(x.Flags) != 0 || x.Held != 0 {
				t.Fatalf("record %d: flags %v, held %d; want none without an issuer key (%+v)", x.Seq, x.Flags, x.Held, x.Findings)
			}
		}
		if want := before - 980 - 1500 - 1500; r.C.AccountBalance(zhangSan) != want {
			t.Fatalf("balance %d, want %d", r.C.AccountBalance(zhangSan), want)
		}
	})
}
