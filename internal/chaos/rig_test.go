package chaos_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"posagent/agent"
	"posagent/agent/api"
	"posagent/internal/chaos"
	"posagent/sync/centre/store"
)

// rig is one world with its centre, its agent and the reader line, as
// separate processes on loopback.
type rig struct {
	t          *testing.T
	world      *chaos.World
	line       *chaos.SerialLine
	scanner    *chaos.ScannerLine
	centre     *chaos.Proc
	agent      *chaos.Proc
	centreAddr string
	pos        *api.Client
}

// newRig sets up a world and starts the centre and the agent. The agent
// reaches the centre at via(centreAddr); via nil means directly.
func newRig(t *testing.T, via func(centreAddr string) string) *rig {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	w, err := chaos.NewWorld(ctx, chaos.WorldConfig{Dir: t.TempDir(), Bins: bins})
	if err != nil {
		t.Fatal(err)
	}
	line, err := chaos.OpenSerialLine()
	if err != nil {
		t.Fatal(err)
	}
	line.UseIssuerKey(w.IssuerKey)
	scanner, err := chaos.OpenScannerLine()
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, world: w, line: line, scanner: scanner}
	r.centreAddr = freeAddr(t)
	agentAddr := freeAddr(t)
	dial := r.centreAddr
	if via != nil {
		dial = via(r.centreAddr)
	}
	r.centre = w.Centre(r.centreAddr)
	r.agent = w.Agent(agentAddr, dial, line.Path(), scanner.Path())
	r.pos = w.POS(agentAddr)
	t.Cleanup(r.cleanup)
	r.start(ctx)
	return r
}

func freeAddr(t *testing.T) string {
	t.Helper()
	a, err := chaos.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// start starts the centre, then the agent, and waits until both serve.
func (r *rig) start(ctx context.Context) {
	r.t.Helper()
	for _, p := range []*chaos.Proc{r.centre, r.agent} {
		if err := p.Start(); err != nil {
			r.t.Fatal(err)
		}
		if err := p.WaitReady(ctx); err != nil {
			r.t.Fatalf("%v\n%s", err, p.LogTail(4000))
		}
	}
}

// stop stops both programs with SIGTERM; each must exit cleanly.
func (r *rig) stop() {
	r.t.Helper()
	for _, p := range []*chaos.Proc{r.agent, r.centre} {
		if err := p.Stop(15 * time.Second); err != nil {
			r.t.Errorf("clean stop: %v\n%s", err, p.LogTail(4000))
		}
	}
}

// cleanup kills whatever still runs, shows the logs of a failed test and
// checks that no program died on its own.
func (r *rig) cleanup() {
	for _, p := range []*chaos.Proc{r.agent, r.centre} {
		_, _ = p.Kill()
		if crashes := p.Stats().Crashes; len(crashes) > 0 {
			r.t.Errorf("%s died on its own %d times, first: %v", p.Name, len(crashes), crashes[0])
		}
		if r.t.Failed() {
			r.t.Logf("--- tail of %s ---\n%s", p.LogPath, p.LogTail(6000))
			r.t.Logf("--- warnings and errors in %s ---\n%s", p.LogPath, p.LogLines(40, "level=WARN", "level=ERROR", "AUTH"))
		}
	}
	if err := r.line.Close(); err != nil {
		r.t.Error(err)
	}
	if err := r.scanner.Close(); err != nil {
		r.t.Error(err)
	}
}

// waitSynced waits until the agent is connected and its backlog is empty.
func (r *rig) waitSynced(ctx context.Context) {
	r.t.Helper()
	var last string
	for ctx.Err() == nil {
		st, err := r.pos.Status(ctx)
		if err == nil && st.Centre.Connected && st.Backlog.Unsynced == 0 {
			return
		}
		last = fmt.Sprintf("status %+v, err %v", st, err)
		time.Sleep(50 * time.Millisecond)
	}
	r.t.Fatalf("agent never caught up with the centre: %s", last)
}

// supervisorCheck asks the centre's supervisor API, as an auditor would,
// whether any record of the terminal is flagged CHAIN_GAP or CHAIN_BROKEN
// and whether the centre has acknowledged everything the agent journaled.
func (r *rig) supervisorCheck(ctx context.Context) {
	r.t.Helper()
	var txns struct {
		Transactions []store.Txn `json:"transactions"`
	}
	r.supervisorGet(ctx, "/api/transactions?flagged=1&limit=10000&terminal="+chaos.Terminal, &txns)
	for _, tx := range txns.Transactions {
		if slices.Contains(tx.Flags, "CHAIN_GAP") || slices.Contains(tx.Flags, "CHAIN_BROKEN") {
			r.t.Errorf("honest run flagged: seq %d %s %s flags %v", tx.Seq, tx.Kind, tx.TxnID, tx.Flags)
		}
	}
	var terms struct {
		Terminals []struct {
			ID       string `json:"id"`
			AckedSeq uint64 `json:"acked_seq"`
		} `json:"terminals"`
	}
	r.supervisorGet(ctx, "/api/terminals", &terms)
	st, err := r.pos.Status(ctx)
	if err != nil {
		r.t.Fatal(err)
	}
	for _, term := range terms.Terminals {
		if term.ID == chaos.Terminal && term.AckedSeq != st.Journal.LastSeq {
			r.t.Errorf("centre acked seq %d, agent's journal ends at %d", term.AckedSeq, st.Journal.LastSeq)
		}
	}
}

func (r *rig) supervisorGet(ctx context.Context, path string, out any) {
	r.t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+r.centreAddr+path, nil)
	if err != nil {
		r.t.Fatal(err)
	}
	req.SetBasicAuth(chaos.SupervisorName, chaos.SupervisorPassword)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		r.t.Fatalf("GET %s: HTTP %d", path, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		r.t.Fatalf("GET %s: %v", path, err)
	}
}

// finish restarts both programs cleanly, waits for the agent to catch up,
// asks the supervisor API, stops both and audits the files.
func (r *rig) finish(ctx context.Context, exp chaos.Expect) chaos.AuditReport {
	r.t.Helper()
	r.stop()
	r.start(ctx)
	r.waitSynced(ctx)
	r.supervisorCheck(ctx)
	r.stop()
	rep, err := chaos.Audit(ctx, r.world.JournalPath(), r.world.StorePath(), exp)
	if err != nil {
		r.t.Errorf("audit:\n%v", err)
	}
	return rep
}

// logCashier logs what the cashier went through, and how many sales the
// agent settled in cash only (card unknown even after swiping again).
func logCashier(t *testing.T, c *chaos.Cashier, sales []chaos.Sale) {
	t.Helper()
	cashOnly, byVoucher := 0, 0
	for _, s := range sales {
		if s.Account == 0 {
			cashOnly++
		}
		if s.Proof == agent.ProofVoucher {
			byVoucher++
		}
	}
	t.Logf("cashier: %d swipes (%d again for an unknown card), %d quote and %d charge transport failures, %d requotes; %d sales paid in cash only",
		c.Counts.Swipes.Load(), c.Counts.Reswipes.Load(), c.Counts.QuoteFailures.Load(), c.Counts.ChargeFailures.Load(),
		c.Counts.Requotes.Load(), cashOnly)
	t.Logf("e-vouchers: %d taken by the agent, %d not (centre or link down); %d sales paid from the account on an e-voucher",
		c.Counts.Vouchers.Load(), c.Counts.VoucherMisses.Load(), byVoucher)
	if c.Scanner != nil && byVoucher == 0 {
		t.Errorf("no sale was paid on an e-voucher: the run did not test them")
	}
}

// voucherEvery: one sale in voucherEvery is offered an e-voucher first;
// in the cut-link run, whose turns sell a hundred each, the first sale of
// one turn in voucherTurns.
const (
	voucherEvery = 20
	voucherTurns = 4
)
