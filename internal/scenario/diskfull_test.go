package scenario

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"posagent/agent"
	"posagent/agent/daemon"
	"posagent/agent/journal"
	"posagent/internal/demo"
	"posagent/internal/testfs"
	"posagent/sync/wire"
)

// TestFullDiskRefusesTheChargeAndLosesNothing runs the agent with its
// journal on a small real file system (tmpfs). Sales go on while the disk
// fills behind the agent's back: each quote is made with room, then the
// disk is filled and the quote charged. bbolt reuses pages it owns, so
// some charges still fit; the first that needs a new page is refused with
// 507 JOURNAL_WRITE_FAILED in English and Chinese, and nothing is charged
// at the centre. Once space is freed a new sale works and syncs, every
// charge answered before is at the centre exactly once, and the journal
// verifies.
func TestFullDiskRefusesTheChargeAndLosesNothing(t *testing.T) {
	t.Parallel()
	dir := smallDisk(t, "1m") // first, so it is unmounted after the world stops
	e := startWorld(t, demo.Options{})
	restartAgent(t, e, func(cfg *daemon.Config) { cfg.Data = filepath.Join(dir, "agent") })
	if err := e.WaitReady(t.Context()); err != nil {
		t.Fatal(err)
	}
	card := swipe(t, e, "chen-gang").CardNo
	before := balance(t, e, card)

	var (
		answered []agent.Charge // charges the POS was told are done
		refused  *agent.Quote
		free     func()
	)
	for i := 0; i < 50 && refused == nil; i++ {
		q := quote(t, e, vitaminC(1))
		free = testfs.Fill(t, dir)
		ch, err := e.POS.Charge(t.Context(), chargeRequest(t, q))
		if err != nil {
			checkDiskFullError(t, err)
			refused = &q
			break
		}
		answered = append(answered, ch)
		free()
	}
	if refused == nil {
		t.Fatal("50 charges on a full 1m disk and none refused")
	}
	t.Logf("%d charges fitted in pages bbolt owned before one was refused", len(answered))

	// Still full: the refused charge was not journaled, so nothing of it
	// can reach the centre, and a retry is refused the same way.
	if _, err := e.POS.Charge(t.Context(), chargeRequest(t, *refused)); err != nil {
		checkDiskFullError(t, err)
	} else {
		t.Fatal("a charge was answered on a full disk")
	}
	free()

	// An ack that came while the disk was full could not be recorded
	// either; the sync client then drops the connection and, with space
	// back, reconnects.
	waitConnected(t, e, true)
	other := swipe(t, e, "zhang-san").CardNo
	otherBefore := balance(t, e, other)
	q, ch := sell(t, e, vitaminC(1))
	if q.AccountTotal != 500 || ch.AccountPaid != 500 {
		t.Fatalf("sale after freeing space: %+v; want 500 fen from the account", ch)
	}
	answered = append(answered, ch)
	if err := e.WaitSynced(t.Context()); err != nil {
		t.Fatal(err)
	}
	checkAtCentre(t, e, map[string]int64{card: before, other: otherBefore}, answered)

	last := status(t, e).Journal.LastSeq
	stopAgent(t, e)
	j, err := journal.Open(filepath.Join(e.AgentCfg.Data, "journal.db"), journal.Options{Terminal: e.AgentCfg.Terminal, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if err := j.Verify(); err != nil || j.LastSeq() != last || j.Acked() != last {
		t.Fatalf("journal after the full disk: verify %v, last seq %d, acked %d; want clean, %d, %d", err, j.LastSeq(), j.Acked(), last, last)
	}
}

// smallDisk mounts a tmpfs of size for the test. Where mounting is not
// permitted the test is skipped, unless POSAGENT_REQUIRE_ALL=1 asks that
// every scenario run.
func smallDisk(t *testing.T, size string) string {
	t.Helper()
	probe := t.TempDir()
	if err := unix.Mount("tmpfs", probe, "tmpfs", 0, "size=64k"); err != nil {
		if os.Getenv("POSAGENT_REQUIRE_ALL") == "1" {
			t.Fatalf("POSAGENT_REQUIRE_ALL=1 but a tmpfs cannot be mounted (needs root or CAP_SYS_ADMIN): %v", err)
		}
		t.Skipf("full-disk scenario skipped: cannot mount a tmpfs (needs root or CAP_SYS_ADMIN): %v", err)
	}
	if err := unix.Unmount(probe, 0); err != nil {
		t.Fatal(err)
	}
	return testfs.SmallFS(t, size)
}

// checkDiskFullError checks the POS API's answer to a charge the journal
// could not write.
func checkDiskFullError(t *testing.T, err error) {
	t.Helper()
	ae := apiError(t, err)
	if ae.Status != http.StatusInsufficientStorage || ae.Code != agent.CodeJournalFailed ||
		!strings.Contains(ae.Message, "nothing was charged") || !strings.Contains(ae.MessageZh, "未扣款") {
		t.Fatalf("charge on a full disk: HTTP %d %s %q %q; want 507 %s saying nothing was charged, in English and Chinese",
			ae.Status, ae.Code, ae.Message, ae.MessageZh, agent.CodeJournalFailed)
	}
}

// checkAtCentre checks that the centre holds each answered charge once,
// no other charge of the terminal, and the balances they explain (before
// holds the cards' balances before the charges).
func checkAtCentre(t *testing.T, e *demo.Env, before map[string]int64, answered []agent.Charge) {
	t.Helper()
	want := map[string]int64{}
	paid := map[string]int64{}
	for _, ch := range answered {
		want[ch.TxnID] = ch.AccountPaid
		paid[ch.CardNo] += ch.AccountPaid
	}
	got := map[string]int64{}
	for _, x := range centreTxns(t, e, e.AgentCfg.Terminal, false) {
		if x.Kind != wire.KindCharge {
			continue
		}
		if _, dup := got[x.TxnID]; dup {
			t.Errorf("charge %s twice at the centre", x.TxnID)
		}
		got[x.TxnID] = x.Account
	}
	if len(got) != len(want) {
		t.Errorf("centre holds %d charges %v, want the %d answered %v", len(got), got, len(want), want)
	}
	for id, fen := range want {
		if got[id] != fen {
			t.Errorf("charge %s: centre has %d fen, answered %d", id, got[id], fen)
		}
	}
	for card, b0 := range before {
		if b := balance(t, e, card); b != b0-paid[card] {
			t.Errorf("balance of %s at the centre %d, want %d - %d = %d", card, b, b0, paid[card], b0-paid[card])
		}
	}
}
