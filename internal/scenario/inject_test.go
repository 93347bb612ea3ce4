package scenario

import (
	"context"
	"log/slog"
	"maps"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"posagent/agent/agenttest"
	"posagent/internal/demo"
	"posagent/internal/pgtest"
	"posagent/sync/centre/centretest"
	"posagent/sync/centre/ledger"
	"posagent/sync/centre/store"
	"posagent/sync/centre/store/pgstore"
	"posagent/sync/wire"
)

// Sample accounts (testdata/accounts.csv) the injection scenario uses.
const (
	zhangSanCard = "A00000001" // diabetic (E11), 2,860 yuan, pharmacy P001
	liSiCard     = "A00000002" // no certified disease, 1,520 yuan
	zhaoLiuCard  = "A00000003" // I10 and E11, 980 yuan, pharmacy P001
	chenGangCard = "A00000011" // no certified disease, 5,000 yuan
)

// TestForgedJournalRecordsAreFlaggedAndHeld: a pharmacy stops its agent
// and, with the program's own journal code, appends charges that were
// never sold to its journal file — well chained, so the agent's own
// Verify passes and the centre sees no break in the chain. The forgeries
// are those the audits found: health food paid wholly from the account,
// a disease-restricted drug for a holder without the disease, more
// charges on one card in a day than the rules allow, and sums that do not
// add up, and charges within the rules. The agent is started again and
// syncs them as its own. The centre re-judges each one (SPEC §9): every
// charge the rules refuse is flagged with the right code; and since none
// carries the card's signature (the pharmacy has the card numbers, not
// the cards: SPEC §10) every one, those within the rules too, is flagged
// CARD_PROOF_MISSING and its account money held whole, so no account
// loses a fen to the forgery, through the supervisor API; the honest
// sales of the same day, before the forgery and after it, signed by
// their cards, are neither flagged nor held.
// It runs with the centre on each store.
func TestForgedJournalRecordsAreFlaggedAndHeld(t *testing.T) {
	t.Parallel()
	for _, kind := range centretest.Stores {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			forgedJournalRecords(t, kind)
		})
	}
}

func forgedJournalRecords(t *testing.T, kind centretest.StoreKind) {
	// The centre reads the agent's clock: the records it re-judges are
	// dated now, whatever the hour the test runs at.
	clk := morning()
	e := startWorld(t, demo.Options{Clock: clk, CentreClock: clk, OpenStore: centreStore(t, kind)})
	term := e.AgentCfg.Terminal

	swipe(t, e, "zhang-san")
	_, honestZhang := sell(t, e, vitaminC(1))
	swipe(t, e, "zhao-liu")
	_, honestZhao := sell(t, e, vitaminC(1))
	if err := e.WaitSynced(t.Context()); err != nil {
		t.Fatal(err)
	}
	cards := []string{zhangSanCard, liSiCard, zhaoLiuCard, chenGangCard}
	before := map[string]int64{}
	for _, card := range cards {
		before[card] = accountBalance(t, e, card)
	}

	stopAgent(t, e)
	now := clk.Now()
	powder := centretest.AccountLine("D0015", "6901234500158", 1, 19800)   // health food
	metformin := centretest.AccountLine("D0001", "6901234500011", 1, 2500) // E11 only
	vitamin := centretest.AccountLine("D0028", "6901234500288", 1, 500)
	vitamin.Days = 0 // as the agent writes it: the item has no days of supply
	cold := centretest.AccountLine("D0006", "6901234500066", 1, 980)
	badSums := centretest.AccountCharge(zhangSanCard, now, cold)
	badSums.Total, badSums.Account, badSums.Cash = 100, 400000, -399900

	recs := []wire.Record{
		centretest.AccountCharge(zhangSanCard, now, powder),
		centretest.AccountCharge(liSiCard, now, metformin),
	}
	// Zhao Liu already bought once today; the daily count is 3.
	for range 5 {
		recs = append(recs, centretest.AccountCharge(zhaoLiuCard, now, vitamin))
	}
	// A forger who says the card was swiped (track 2), which needs no
	// proof, meets track2_account_limit (0 in the sample rules).
	swiped := centretest.AccountCharge(chenGangCard, now, vitamin)
	swiped.CardRead = &wire.CardRead{Source: "track2"}
	recs = append(recs, badSums, swiped)
	// A second apart, after the honest sales: the centre counts a card's
	// purchases dated before the one it judges (see the report on
	// same-time and reverse-dated charges in the rogue-terminal tests).
	for i := range recs {
		recs[i].At = now.Add(time.Duration(i+1) * time.Second)
	}
	forged := agenttest.Inject(t, filepath.Join(e.AgentCfg.Data, "journal.db"), recs...)

	// The findings each forgery must carry: the rules' own verdict, and
	// the missing proof of the card (the swipe's limit for the last).
	proof, rules, sums := ledger.CodeCardProofMissing, ledger.CodePolicyMismatch, ledger.CodeBadArithmetic
	want := map[uint64][]string{
		forged[0].Seq: {proof, rules},
		forged[1].Seq: {proof, rules},
		forged[2].Seq: {proof},
		forged[3].Seq: {proof},
		// Five more on Zhao Liu's card, who bought once today: without
		// proofs the rules would refuse the last three (daily count 3),
		// but a held charge does not count against the patient, and all
		// are held.
		forged[4].Seq: {proof},
		forged[5].Seq: {proof},
		forged[6].Seq: {proof},
		forged[7].Seq: {proof, sums},
		forged[8].Seq: {rules},
	}

	restartAgent(t, e, nil)
	waitConnected(t, e, true)
	swipe(t, e, "chen-gang")
	_, honestChen := sell(t, e, vitaminC(1))
	if err := e.WaitSynced(t.Context()); err != nil {
		t.Fatal(err)
	}

	all := bySeq(centreTxns(t, e, term, false))
	for _, h := range []struct {
		seq     uint64
		account int64
	}{{honestZhang.Seq, honestZhang.AccountPaid}, {honestZhao.Seq, honestZhao.AccountPaid}, {honestChen.Seq, honestChen.AccountPaid}} {
		x, ok := all[h.seq]
		if !ok || x.Kind != wire.KindCharge || x.Account != h.account || h.account != 500 {
			t.Fatalf("honest charge seq %d at the centre: %+v (present %v); want its 500 fen", h.seq, x, ok)
		}
		if len(x.Flags) != 0 || x.Held != 0 || x.Hold != "" {
			t.Errorf("honest charge seq %d: flags %v, held %d (%s); want neither flagged nor held", h.seq, x.Flags, x.Held, x.Hold)
		}
	}

	held := map[string]int64{}
	for _, rec := range forged {
		x, ok := all[rec.Seq]
		if !ok || x.TxnID != rec.TxnID || x.Account != rec.Account {
			t.Fatalf("forged charge seq %d at the centre: %+v (present %v); want it recorded as sent", rec.Seq, x, ok)
		}
		flags := want[rec.Seq]
		missing := slices.ContainsFunc(flags, func(f string) bool { return !slices.Contains(x.Flags, f) })
		if missing || x.Held != rec.Account || x.Hold != store.HoldHeld {
			t.Errorf("forged charge seq %d (%s): flags %v, held %d (%s); want %v and all %d fen held",
				rec.Seq, rec.CardNo, x.Flags, x.Held, x.Hold, flags, rec.Account)
		}
		held[rec.CardNo] += x.Held
	}
	var flagged []uint64
	for _, x := range centreTxns(t, e, term, true) {
		flagged = append(flagged, x.Seq)
	}
	slices.Sort(flagged)
	wantFlagged := slices.Sorted(maps.Keys(want))
	if !slices.Equal(flagged, wantFlagged) {
		t.Errorf("flagged records at the centre: seqs %v, want %v", flagged, wantFlagged)
	}

	// What each account may lose: the honest sale after the restart.
	// Held money is not taken.
	allowed := map[string]int64{chenGangCard: 500}
	for _, card := range cards {
		taken := before[card] - accountBalance(t, e, card)
		if taken != allowed[card] {
			t.Errorf("account %s lost %d fen, the rules allow %d (held %d)", card, taken, allowed[card], held[card])
		}
	}
}

// accountBalance is a card's balance as the supervisor API answers it
// (GET /api/accounts/{card_no}).
func accountBalance(t *testing.T, e *demo.Env, card string) int64 {
	t.Helper()
	var info wire.AccountInfo
	supervisorGet(t, e, "/api/accounts/"+card, &info)
	if !info.Found && info.Holder.CardNo == "" {
		t.Fatalf("GET /api/accounts/%s: no account", card)
	}
	return info.Holder.Balance
}

// centreStore is demo.Options.OpenStore for a centre on kind: nil for the
// embedded store; for PostgreSQL, a database of the test's own
// (internal/pgtest: the test is skipped when PostgreSQL is not installed,
// unless POSAGENT_REQUIRE_ALL=1), opened again at every centre restart.
func centreStore(t *testing.T, kind centretest.StoreKind) func(context.Context, *slog.Logger) (store.Store, error) {
	t.Helper()
	switch kind {
	case centretest.StoreBolt:
		return nil
	case centretest.StorePostgres:
		dsn := pgtest.Start(t)
		return func(ctx context.Context, log *slog.Logger) (store.Store, error) {
			return pgstore.Open(ctx, dsn, pgstore.Options{Logger: log})
		}
	}
	t.Fatalf("unknown store %q", kind)
	return nil
}
