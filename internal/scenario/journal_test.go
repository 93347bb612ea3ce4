package scenario

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"posagent/agent"
	"posagent/agent/daemon"
	"posagent/agent/journal"
	"posagent/internal/demo"
	"posagent/policy"
	"posagent/sync/centre"
	"posagent/sync/centre/admin"
	"posagent/sync/centre/api"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

// terminalStatus is the terminal as GET /api/terminals shows it.
func terminalStatus(t *testing.T, e *demo.Env, id string) api.TerminalStatus {
	t.Helper()
	var out struct {
		Terminals []api.TerminalStatus `json:"terminals"`
	}
	if err := e.Supervise(t.Context(), "/api/terminals", "", &out); err != nil {
		t.Fatal(err)
	}
	for _, ts := range out.Terminals {
		if ts.ID == id {
			return ts
		}
	}
	t.Fatalf("terminal %s not listed: %+v", id, out.Terminals)
	return api.TerminalStatus{}
}

// waitReplaced waits until the agent advises JOURNAL_REPLACED and the
// centre lists the terminal with the flag.
func waitReplaced(t *testing.T, e *demo.Env, term string) {
	t.Helper()
	eventually(t, "the agent advises JOURNAL_REPLACED", func() (bool, string) {
		st := status(t, e)
		return st.Centre.Advice != nil && st.Centre.Advice.Code == agent.CodeJournalReplaced, describe(st, nil)
	})
	eventually(t, "the centre flags the terminal JOURNAL_REPLACED", func() (bool, string) {
		ts := terminalStatus(t, e, term)
		return slices.Contains(ts.Flags, store.FlagJournalReplaced), fmt.Sprintf("flags %v, journal %+v", ts.Flags, ts.Journal)
	})
}

// TestWipedJournalIsRebased: a terminal syncs two sales; with the agent
// stopped its journal.db is deleted, and the agent starts on a fresh one.
// Its hello says seq 0 while the centre holds more: the agent refuses to
// sync, advises (zh/en) to call the centre for a rebase and refuses
// quotes and charges; the centre lists the terminal JOURNAL_REPLACED.
// After `centre terminal rebase` through the running centre's admin API,
// the agent's empty journal continues after the centre's acked seq: the
// next sale is applied once, unflagged, and nothing earlier again, also
// after the agent restarts on the rebased journal.
func TestWipedJournalIsRebased(t *testing.T) {
	t.Parallel()
	e := startWorld(t, demo.Options{})
	term := e.AgentCfg.Terminal
	card := swipe(t, e, "zhang-san")
	for range 2 {
		if _, ch := sell(t, e, vitaminC(1)); ch.Settled != "centre" {
			t.Fatalf("online sale: %+v", ch)
		}
	}
	if err := e.WaitSynced(t.Context()); err != nil {
		t.Fatal(err)
	}
	acked := status(t, e).Journal.LastSeq
	before := balance(t, e, card.CardNo)

	stopAgent(t, e)
	if err := os.Remove(filepath.Join(e.AgentCfg.Data, "journal.db")); err != nil {
		t.Fatal(err)
	}
	restartAgent(t, e, nil)
	waitReplaced(t, e, term)
	st := status(t, e)
	if st.Centre.Connected || st.Journal.LastSeq != 0 || st.Centre.Advice.MessageZh == "" ||
		!strings.Contains(st.Centre.Advice.Message, "rebase") {
		t.Fatalf("replaced journal: %+v", st.Centre)
	}
	swipe(t, e, "zhang-san")
	_, err := e.POS.Quote(t.Context(), agent.QuoteRequest{Cashier: "c1", Lines: []policy.Line{vitaminC(1)}})
	if ae := apiError(t, err); ae.Code != agent.CodeJournalReplaced || ae.Status != http.StatusServiceUnavailable {
		t.Fatalf("quote on a replaced journal: %+v", ae)
	}
	ts := terminalStatus(t, e, term)
	if m := ts.Journal; m == nil || m.Reason != store.JournalBehind || m.AgentSeq != 0 || m.AckedSeq != acked || !m.RebasedAt.IsZero() {
		t.Fatalf("mark: %+v", m)
	}

	// The rebase, as `centre terminal rebase` does it while the centre runs.
	a, ok := admin.Running(t.Context(), e.CentreDir)
	if !ok {
		t.Fatal("the running centre's admin API does not answer")
	}
	m, err := a.RebaseTerminal(t.Context(), term, "ops-li")
	a.Close()
	if err != nil || m.RebasedBy != "ops-li" || m.RebaseSeq != acked || m.AckedSeq != acked {
		t.Fatalf("rebase: %+v %v", m, err)
	}
	if a, _ := admin.Running(t.Context(), e.CentreDir); a != nil {
		_, err := a.RebaseTerminal(t.Context(), term, "ops-li")
		a.Close()
		if !isNotReplaced(err) {
			t.Fatalf("second rebase: %v, want NOT_REPLACED", err)
		}
	}

	eventually(t, "the rebased agent runs the rules again", func() (bool, string) {
		st := status(t, e)
		return st.Centre.Connected && st.Rules.Version > 0, describe(st, nil)
	})
	st = status(t, e)
	if st.Journal.LastSeq != acked || st.Journal.Acked != acked || st.Centre.Advice != nil {
		t.Fatalf("after the rebase: journal %+v, advice %+v", st.Journal, st.Centre.Advice)
	}
	_, ch := sell(t, e, vitaminC(1))
	if ch.Settled != "centre" || ch.Seq <= acked {
		t.Fatalf("sale after the rebase: %+v", ch)
	}
	if got := balance(t, e, card.CardNo); got != before-ch.AccountPaid {
		t.Fatalf("balance %d, want %d: the sale after the rebase applied once, nothing else", got, before-ch.AccountPaid)
	}
	flags := storeFlags(t, e, term)
	for seq := acked + 1; seq <= ch.Seq; seq++ {
		if len(flags[seq]) != 0 {
			t.Fatalf("seq %d after the rebase flagged %v; the rebased journal links to the centre's chain", seq, flags[seq])
		}
	}
	ts = terminalStatus(t, e, term)
	if len(ts.Flags) != 0 || ts.Journal == nil || ts.Journal.RebasedBy != "ops-li" || ts.Journal.RebaseSeq != acked {
		t.Fatalf("terminal after the rebase: %+v %+v", ts.Flags, ts.Journal)
	}

	// The rebased journal verifies and syncs again after a restart,
	// applying nothing twice.
	restartAgent(t, e, nil)
	waitConnected(t, e, true)
	if st := status(t, e); st.Journal.Damaged != "" || st.Journal.LastSeq != ch.Seq || st.Journal.Acked != ch.Seq {
		t.Fatalf("after restart: %+v", st.Journal)
	}
	if got := balance(t, e, card.CardNo); got != before-ch.AccountPaid {
		t.Fatalf("balance %d after restart, want %d", got, before-ch.AccountPaid)
	}
	if ts := terminalStatus(t, e, term); ts.AckedSeq != ch.Seq || len(ts.Flags) != 0 {
		t.Fatalf("terminal after restart: %+v", ts)
	}
}

// TestOlderJournalCopyCannotResell: a pharmacy keeps a copy of its
// journal after one sale, syncs two more, then puts the copy back and
// sells again offline, on seqs the centre holds other sales at. Its
// terminal then talks to the centre without the honest client: it says
// hello with the copy's last seq and sends the copy's entries. The centre
// flags the terminal JOURNAL_REPLACED; the copy's old records are
// duplicates, its re-sold ones conflicts; no money moves twice and the
// stored records are kept. The real agent on the copy refuses to sync and
// to sell, and advises the rebase.
func TestOlderJournalCopyCannotResell(t *testing.T) {
	t.Parallel()
	e := startWorld(t, demo.Options{})
	term := e.AgentCfg.Terminal
	path := filepath.Join(e.AgentCfg.Data, "journal.db")
	card := swipe(t, e, "zhang-san")
	sell(t, e, vitaminC(1))
	if err := e.WaitSynced(t.Context()); err != nil {
		t.Fatal(err)
	}
	stopAgent(t, e)
	backup := filepath.Join(t.TempDir(), "journal.db")
	copyFile(t, path, backup)
	restartAgent(t, e, nil)
	waitConnected(t, e, true)
	swipe(t, e, "zhang-san")
	for range 2 {
		sell(t, e, vitaminC(1))
	}
	if err := e.WaitSynced(t.Context()); err != nil {
		t.Fatal(err)
	}
	acked := status(t, e).Journal.LastSeq
	before := balance(t, e, card.CardNo)
	held := map[uint64]store.Txn{}
	for _, tx := range txnsOf(t, e, term) {
		held[tx.Seq] = tx
	}

	// The copy goes back and sells once more, with no centre to tell it.
	stopAgent(t, e)
	copyFile(t, backup, path)
	centreURL, token := e.AgentCfg.Centre, e.AgentCfg.TerminalToken
	restartAgent(t, e, func(cfg *daemon.Config) { cfg.Centre, cfg.TerminalToken = "", "" })
	swipe(t, e, "zhang-san")
	_, resold := sell(t, e, vitaminC(3))
	if resold.Seq > acked || resold.Settled != "offline" {
		t.Fatalf("re-sale on the copy: %+v; want an offline sale at a seq the centre holds (≤ %d)", resold, acked)
	}
	stopAgent(t, e)

	// The dishonest terminal sends the copy itself.
	j, err := journal.Open(path, journal.Options{Terminal: term, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	last := j.LastSeq()
	entries, err := j.Entries(0, wire.MaxBatch)
	j.Close()
	if err != nil || uint64(len(entries)) != last {
		t.Fatalf("copy's entries: %d of %d, %v", len(entries), last, err)
	}
	ws, _, err := websocket.DefaultDialer.DialContext(t.Context(), "ws://"+e.Centre.Addr()+wire.AgentPath, http.Header{
		"Authorization": {"Bearer " + token}, wire.HeaderTerminal: {term}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	welcome := roundTrip(t, ws, wire.Message{Type: wire.TypeHello, Hello: &wire.Hello{Terminal: term, LastSeq: last}})
	if welcome.Welcome == nil || welcome.Welcome.AckedSeq != acked || welcome.Welcome.Rebase != nil {
		t.Fatalf("welcome: %+v", welcome)
	}
	ack := roundTrip(t, ws, wire.Message{Type: wire.TypeEntries, Entries: entries})
	if ack.Ack == nil || ack.Ack.AckedSeq != acked {
		t.Fatalf("ack of the copy: %+v", ack)
	}
	ws.Close()

	if got := balance(t, e, card.CardNo); got != before {
		t.Fatalf("balance %d, want %d: the copy's entries moved money", got, before)
	}
	for _, tx := range txnsOf(t, e, term) {
		old, ok := held[tx.Seq]
		if !ok || old.TxnID != tx.TxnID || old.Account != tx.Account {
			t.Fatalf("stored seq %d is now %+v, was %+v", tx.Seq, tx, old)
		}
	}
	if fl := storeFlags(t, e, term)[resold.Seq]; !slices.Contains(fl, wire.FlagChainBroken) {
		t.Fatalf("the record at the re-sold seq %d: flags %v, want CHAIN_BROKEN", resold.Seq, fl)
	}
	ts := terminalStatus(t, e, term)
	if !slices.Contains(ts.Flags, store.FlagJournalReplaced) || ts.Journal == nil ||
		ts.Journal.Reason != store.JournalBehind || ts.Journal.AgentSeq != last || ts.Journal.AckedSeq != acked {
		t.Fatalf("terminal: %+v %+v", ts.Flags, ts.Journal)
	}

	// The real agent on the copy: no sync, no sale, the advice.
	restartAgent(t, e, func(cfg *daemon.Config) { cfg.Centre, cfg.TerminalToken = centreURL, token })
	waitReplaced(t, e, term)
	swipe(t, e, "zhang-san")
	_, err = e.POS.Quote(t.Context(), agent.QuoteRequest{Cashier: "c1", Lines: []policy.Line{vitaminC(1)}})
	if ae := apiError(t, err); ae.Code != agent.CodeJournalReplaced {
		t.Fatalf("quote on the copy: %+v", ae)
	}
	if got := balance(t, e, card.CardNo); got != before {
		t.Fatalf("balance %d at the end, want %d", got, before)
	}
}

// roundTrip sends m and reads the centre's answer, skipping the signed
// documents it pushes meanwhile.
func roundTrip(t *testing.T, ws *websocket.Conn, m wire.Message) wire.Message {
	t.Helper()
	if err := ws.WriteJSON(m); err != nil {
		t.Fatal(err)
	}
	for {
		var out wire.Message
		if err := ws.ReadJSON(&out); err != nil {
			t.Fatal(err)
		}
		switch out.Type {
		case wire.TypeError:
			t.Fatalf("centre answered error %+v", out.Error)
		case wire.TypeBundle, wire.TypeBlocklist:
			continue
		}
		return out
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}

func txnsOf(t *testing.T, e *demo.Env, term string) []store.Txn {
	t.Helper()
	ts, err := e.Centre.Store().Transactions(context.Background(), store.Filter{Terminal: term})
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func isNotReplaced(err error) bool {
	var re *admin.RemoteError
	return errors.As(err, &re) && re.Code == centre.CodeNotReplaced && errors.Is(err, store.ErrNotReplaced)
}
