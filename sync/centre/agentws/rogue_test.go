package agentws_test

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"posagent/sync/centre"
	"posagent/sync/centre/centretest"
	"posagent/sync/centre/ledger"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

// A rogue terminal (centretest.Rogue): a pharmacy's own terminal token,
// speaking the agent protocol with a small client, sending well-chained
// forged records of the kinds the audits found (SPEC §9). The sample
// accounts and the sample rules (published as version 1) are the
// region's. Every test runs on both stores.
const (
	zhangSan = "A00000001" // diabetic (E11), 2,860 yuan
	liSi     = "A00000002" // no certified disease, 1,520 yuan
)

var (
	forgedLine = centretest.AccountLine
	forged     = centretest.AccountCharge
)

// newRogue starts a centre on kind with the sample data and the users,
// and a rogue terminal T1 of pharmacy P001 on it.
func newRogue(t *testing.T, kind centretest.StoreKind) *centretest.Rogue {
	c := centretest.StartWithOptions(t, centretest.Options{Sample: true, Store: kind})
	c.Users()
	return c.Rogue("T1", "P001")
}

// onEachStore runs test once per store, as a subtest named after it.
func onEachStore(t *testing.T, test func(t *testing.T, kind centretest.StoreKind)) {
	for _, kind := range centretest.Stores {
		t.Run(string(kind), func(t *testing.T) { test(t, kind) })
	}
}

func hasFlag(x store.Txn, code string) bool { return slices.Contains(x.Flags, code) }

// TestRogueTerminalAttacksAreFlaggedAndHeld: every forged record is
// flagged with the centre's finding, and the account is lowered by no
// more than the rules allow (checked through the supervisor API).
func TestRogueTerminalAttacksAreFlaggedAndHeld(t *testing.T) {
	powder := forgedLine("D0015", "6901234500158", 1, 19800)
	metformin := forgedLine("D0001", "6901234500011", 1, 2500)
	cold := forgedLine("D0006", "6901234500066", 1, 980)

	cases := []struct {
		name    string
		card    string
		recs    func(now time.Time) []wire.Record
		flag    string
		maxTake int64 // the most the account may lose
	}{
		{"health food paid from the account", zhangSan, func(now time.Time) []wire.Record {
			return []wire.Record{forged(zhangSan, now.Add(-time.Hour), powder)}
		}, ledger.CodePolicyMismatch, 0},
		{"a disease-restricted drug for a holder without the disease", liSi, func(now time.Time) []wire.Record {
			return []wire.Record{forged(liSi, now.Add(-time.Hour), metformin)}
		}, ledger.CodePolicyMismatch, 0},
		{"fifteen charges on one card in one day", zhangSan, func(now time.Time) []wire.Record {
			var recs []wire.Record
			for i := range 15 {
				recs = append(recs, forged(zhangSan, now.Add(-8*time.Hour+time.Duration(i)*10*time.Minute), cold))
			}
			return recs
		}, ledger.CodePolicyMismatch, 3 * 980}, // the daily count is 3
		{"total 100, account 400,000, cash negative", zhangSan, func(now time.Time) []wire.Record {
			rec := forged(zhangSan, now.Add(-time.Hour), cold)
			rec.Total, rec.Account, rec.Cash = 100, 400000, -399900
			return []wire.Record{rec}
		}, ledger.CodeBadArithmetic, 0},
		{"dated ten months back", zhangSan, func(now time.Time) []wire.Record {
			return []wire.Record{forged(zhangSan, now.AddDate(0, -10, 0), cold)}
		}, ledger.CodeBackdated, 0},
		{"dated seven months ahead", zhangSan, func(now time.Time) []wire.Record {
			return []wire.Record{forged(zhangSan, now.AddDate(0, 7, 0), cold)}
		}, ledger.CodeFutureDated, 0},
		{"a rules version never published", zhangSan, func(now time.Time) []wire.Record {
			rec := forged(zhangSan, now.Add(-time.Hour), cold)
			rec.RulesVersion = 9
			return []wire.Record{rec}
		}, ledger.CodeUnknownRulesVersion, 0},
		{"a repeated txn_id", zhangSan, func(now time.Time) []wire.Record {
			a := forged(zhangSan, now.Add(-2*time.Hour), cold)
			a.TxnID = "same"
			b := a
			b.At = now.Add(-time.Hour)
			return []wire.Record{a, b}
		}, ledger.CodeDuplicateTxn, 980},
	}
	onEachStore(t, func(t *testing.T, kind centretest.StoreKind) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				r := newRogue(t, kind)
				before := r.C.AccountBalance(tc.card)
				got := r.Send(tc.recs(r.C.Now())...)
				var flagged, held int64
				for _, x := range got {
					if hasFlag(x, tc.flag) {
						flagged++
					}
					held += x.Held
				}
				if flagged == 0 {
					t.Fatalf("no record flagged %s: %+v", tc.flag, got)
				}
				taken := before - r.C.AccountBalance(tc.card)
				if taken < 0 || taken > tc.maxTake {
					t.Fatalf("the account lost %d fen, the rules allow at most %d (held %d)", taken, tc.maxTake, held)
				}
				var claimed int64
				for _, x := range got {
					claimed += x.Account
				}
				if taken+held != claimed {
					t.Fatalf("taken %d + held %d != claimed %d: money went missing or appeared", taken, held, claimed)
				}
			})
		}
	})
}

// TestRogueVoidOfAnOldChargeRefundsNothing: a void may refund only a
// charge of the same local day; one of a ten-month-old charge refunds
// nothing (and that charge, backdated, took nothing either).
func TestRogueVoidOfAnOldChargeRefundsNothing(t *testing.T) {
	onEachStore(t, func(t *testing.T, kind centretest.StoreKind) {
		r := newRogue(t, kind)
		before := r.C.AccountBalance(zhangSan)
		now := r.C.Now()
		old := forged(zhangSan, now.AddDate(0, -10, 0), forgedLine("D0006", "6901234500066", 1, 980))
		old.TxnID = "old"
		void := wire.Record{Terminal: "T1", Kind: wire.KindVoid, TxnID: "v", At: now.Add(-time.Minute), CardNo: zhangSan,
			RulesVersion: 1, Total: old.Total, Account: old.Account, Reverses: "old"}
		got := r.Send(old, void)
		if !hasFlag(got[0], ledger.CodeBackdated) || got[0].Held != 980 {
			t.Fatalf("old charge %+v: want BACKDATED, all held", got[0])
		}
		if !hasFlag(got[1], wire.FlagVoidUnmatched) {
			t.Fatalf("void %+v: want VOID_UNMATCHED", got[1])
		}
		if after := r.C.AccountBalance(zhangSan); after != before {
			t.Fatalf("balance %d, want %d: the void of an old charge must refund nothing", after, before)
		}
	})
}

// TestHonestRecordsAreNeitherFlaggedNorHeld: records an honest agent
// writes (the rules' own decision, codes confirmed) pass the re-judging
// untouched, the blocked line in cash included.
func TestHonestRecordsAreNeitherFlaggedNorHeld(t *testing.T) {
	onEachStore(t, func(t *testing.T, kind centretest.StoreKind) {
		r := newRogue(t, kind)
		before := r.C.AccountBalance(zhangSan)
		now := r.C.Now()
		powder := forgedLine("D0015", "6901234500158", 1, 19800)
		powder.Account, powder.Cash = 0, powder.Amount // ITEM_FORBIDDEN: cash
		rec := forged(zhangSan, now.Add(-time.Hour), forgedLine("D0001", "6901234500011", 1, 2500), powder)
		rec.Account, rec.Cash = 2500, 19800
		got := r.Send(rec)
		if len(got[0].Flags) != 0 || got[0].Held != 0 {
			t.Fatalf("honest record %+v: want no flags, nothing held", got[0])
		}
		if after := r.C.AccountBalance(zhangSan); after != before-2500 {
			t.Fatalf("balance %d, want %d", after, before-2500)
		}
	})
}

// TestRulingMovesHeldMoneyOnce: accepting a hold takes it from the
// account once; a second ruling is refused and moves nothing; a refused
// hold never moves money.
func TestRulingMovesHeldMoneyOnce(t *testing.T) {
	onEachStore(t, func(t *testing.T, kind centretest.StoreKind) {
		r := newRogue(t, kind)
		before := r.C.AccountBalance(zhangSan)
		now := r.C.Now()
		cold := forgedLine("D0006", "6901234500066", 1, 980)
		a := forged(zhangSan, now.AddDate(0, -10, 0), cold) // backdated: held
		b := forged(zhangSan, now.AddDate(0, -10, 0), cold)
		got := r.Send(a, b)
		if got[0].Hold != store.HoldHeld || got[1].Hold != store.HoldHeld {
			t.Fatalf("records %+v: want both held", got)
		}
		rule := func(seq uint64, ruling string) (int, store.Txn) {
			var x store.Txn
			body := bytes.NewBufferString(`{"ruling":"` + ruling + `","note":"回溯日期"}`)
			resp := centretest.Request(t, http.MethodPost, fmt.Sprintf("%s/api/holds/T1/%d", r.C.URL(), seq),
				centretest.Basic(centretest.SupervisorName, centretest.SupervisorPassword), body, &x)
			return resp.StatusCode, x
		}
		if code, x := rule(1, centre.RulingAccept); code != http.StatusOK || x.Hold != store.HoldAccepted {
			t.Fatalf("accept: %d %+v", code, x)
		}
		if got := r.C.AccountBalance(zhangSan); got != before-980 {
			t.Fatalf("after accepting: balance %d, want %d", got, before-980)
		}
		if code, _ := rule(1, centre.RulingAccept); code != http.StatusConflict {
			t.Fatalf("second ruling on the same hold: %d, want 409", code)
		}
		if code, x := rule(2, centre.RulingRefuse); code != http.StatusOK || x.Hold != store.HoldRefused {
			t.Fatalf("refuse: %d %+v", code, x)
		}
		if got := r.C.AccountBalance(zhangSan); got != before-980 {
			t.Fatalf("after refusing: balance %d, want %d (refusing moves nothing)", got, before-980)
		}
		if code, _ := rule(9, centre.RulingAccept); code != http.StatusNotFound {
			t.Fatalf("ruling on no record: %d, want 404", code)
		}
		if code, _ := rule(2, "pay-me"); code != http.StatusBadRequest {
			t.Fatalf("unknown ruling: %d, want 400", code)
		}
	})
}

// TestRogueDailyCountByDating: charges on one card beyond the daily count
// are flagged however the rogue dates them: all at the same instant, or
// latest-dated first. The rules see every purchase of the record's local
// day the centre already applied (store.Judging.HistoryTo), those dated
// at or after the record as made just before it.
func TestRogueDailyCountByDating(t *testing.T) {
	onEachStore(t, func(t *testing.T, kind centretest.StoreKind) {
		for _, dating := range []string{"same instant", "latest first"} {
			t.Run(dating, func(t *testing.T) {
				r := newRogue(t, kind)
				before := r.C.AccountBalance(zhangSan)
				now := r.C.Now()
				vitamin := forgedLine("D0028", "6901234500288", 1, 500)
				vitamin.Days = 0
				var recs []wire.Record
				for i := range 6 {
					at := now.Add(-time.Hour)
					if dating == "latest first" {
						at = now.Add(-time.Duration(i+1) * time.Minute)
					}
					recs = append(recs, forged(zhangSan, at, vitamin))
				}
				r.Send(recs...)
				if taken := before - r.C.AccountBalance(zhangSan); taken > 3*500 {
					t.Fatalf("the account lost %d fen for six charges in a day; the daily count of 3 allows %d", taken, 3*500)
				}
			})
		}
	})
}
