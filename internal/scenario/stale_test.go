package scenario

import (
	"testing"
	"time"

	"posagent/internal/demo"
	"posagent/policy"
	"posagent/sync/centre/datadir"
)

// TestStaleRulesStopAccountPayment: the centre goes down and stays down.
// Within stale_after_h (72 h) the agent keeps paying from the account
// offline; once its clock is past 72 h after both the bundle's issue and
// the last contact, every quote carries RULES_STALE and the account pays
// nothing, at quote and at charge. When the centre is back, the same cart
// is paid from the account again.
func TestStaleRulesStopAccountPayment(t *testing.T) {
	t.Parallel()
	clk := morning()
	e := startWorld(t, demo.Options{Clock: clk})
	swipe(t, e, "zhang-san")
	if q := quote(t, e, baiyao(1)); q.AccountTotal != 3400 || len(q.Reasons) != 0 {
		t.Fatalf("online quote: account %d, reasons %v; want 3400, none", q.AccountTotal, codes(q.Reasons))
	}
	if err := e.StopCentre(); err != nil {
		t.Fatal(err)
	}
	waitConnected(t, e, false)
	if q := quote(t, e, baiyao(1)); !q.Offline || q.AccountTotal != 3400 || len(q.Reasons) != 0 {
		t.Fatalf("offline quote within stale_after_h: offline %v, account %d, reasons %v; want offline, 3400, none", q.Offline, q.AccountTotal, codes(q.Reasons))
	}

	// Four days on (the morning clock starts at most 14 h before the
	// bundle was issued, so this is at least 82 h after it).
	clk.Advance(96 * time.Hour)
	if st := status(t, e); !st.Rules.Stale {
		t.Fatalf("status after 96 h offline: rules %+v, want stale", st.Rules)
	}
	q := quote(t, e, baiyao(1), vitaminC(2))
	r, ok := reason(q.Reasons, policy.RulesStale)
	if !ok || r.Severity != policy.Block || len(q.Reasons) != 1 || evidence(t, r, "stale_after_h") != 72 || evidence(t, r, "age_h") < 72 {
		t.Fatalf("stale quote: reasons %v %+v; want only RULES_STALE (block) with stale_after_h 72 and age_h over it", codes(q.Reasons), r)
	}
	if q.AccountTotal != 0 || q.CashTotal != 4400 || q.Lines[0].Account != 0 || q.Lines[1].Account != 0 {
		t.Fatalf("stale quote: account %d, cash %d, lines %+v; want nothing from the account, 4400 in cash", q.AccountTotal, q.CashTotal, q.Lines)
	}
	if ch := charge(t, e, q); ch.AccountPaid != 0 || ch.CashDue != 4400 || ch.Settled != "offline" {
		t.Fatalf("stale charge: %+v; want 0 from the account, 4400 cash, offline", ch)
	}

	if err := e.RestartCentre(t.Context()); err != nil {
		t.Fatal(err)
	}
	waitConnected(t, e, true)
	if q := quote(t, e, baiyao(1)); q.Offline || q.AccountTotal != 3400 || len(q.Reasons) != 0 {
		t.Fatalf("quote with the centre back: offline %v, account %d, reasons %v; want online, 3400, none", q.Offline, q.AccountTotal, codes(q.Reasons))
	}
}

// TestLastContactOutlivesARestart: a terminal runs a bundle issued 100 h
// ago, which is fine while it talks to the centre (stale_after_h counts
// from the newer of the issue time and the last contact). The centre
// becomes unreachable and the agent is restarted, as happens when a
// pharmacy reboots during an outage: it must still know when it last
// reached the centre, and keep paying from the account, rather than
// declaring its rules stale at once.
func TestLastContactOutlivesARestart(t *testing.T) {
	t.Parallel()
	e := startWorld(t, demo.Options{})
	key, err := datadir.LoadSigningKey(e.CentreDir)
	if err != nil || key == nil {
		t.Fatalf("centre signing key: %v", err)
	}
	old := signBundleAt(t, key, 2, time.Now().Add(-100*time.Hour), sampleFile(t, "catalogue.csv"), sampleFile(t, "rules.json"))
	if err := e.Centre.Store().PutSigned(t.Context(), old); err != nil {
		t.Fatal(err)
	}
	restartCentre(t, e)
	eventually(t, "the agent runs the 100 h old bundle", func() (bool, string) {
		st := status(t, e)
		return st.Rules.Version == 2 && st.Centre.Connected, describe(st, nil)
	})
	swipe(t, e, "zhang-san")
	if q := quote(t, e, baiyao(1)); q.AccountTotal != 3400 || len(q.Reasons) != 0 {
		t.Fatalf("online quote: account %d, reasons %v; want 3400, none", q.AccountTotal, codes(q.Reasons))
	}
	if err := e.StopCentre(); err != nil {
		t.Fatal(err)
	}
	waitConnected(t, e, false)
	if q := quote(t, e, baiyao(1)); q.AccountTotal != 3400 || len(q.Reasons) != 0 {
		t.Fatalf("offline quote just after the last contact: account %d, reasons %v; want 3400, none", q.AccountTotal, codes(q.Reasons))
	}

	restartAgent(t, e, nil)
	eventually(t, "the restarted agent's reader is open", func() (bool, string) {
		st, err := e.POS.Status(t.Context())
		return err == nil && st.Reader.State == "open", describe(st, err)
	})
	swipe(t, e, "zhang-san")
	q := quote(t, e, baiyao(1))
	if st := status(t, e); st.Rules.Stale || q.AccountTotal != 3400 || len(q.Reasons) != 0 {
		t.Fatalf("offline quote after a restart, minutes after the last contact: stale %v, account %d, reasons %v; want not stale, 3400, none",
			st.Rules.Stale, q.AccountTotal, codes(q.Reasons))
	}
}
