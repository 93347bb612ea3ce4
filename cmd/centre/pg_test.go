package main

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"posagent/internal/pgtest"
	"posagent/policy"
	"posagent/sync/centre"
	"posagent/sync/centre/datadir"
	"posagent/sync/centre/store/pgstore"
	"posagent/sync/wire"
)

// TestRunOnPostgreSQL runs `centre run --db` on a real PostgreSQL and syncs
// a charge into it as an agent does: the ledger, the records and the
// supervisor API are PostgreSQL's, and nothing is written to --data's
// embedded store.
func TestRunOnPostgreSQL(t *testing.T) {
	dsn := pgtest.Start(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := pgstore.Open(ctx, dsn, pgstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.ImportAccounts(ctx, []policy.Holder{{CardNo: "1001", Name: "张三", Status: "active", Balance: 12345}}); err != nil {
		t.Fatal(err)
	}
	c, err := centre.New(centre.Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	token, err := c.Enrol(ctx, "T1", "P1")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddUser(ctx, "adm", "admin", "adm-password"); err != nil {
		t.Fatal(err)
	}
	st.Close()

	data := t.TempDir()
	exited := make(chan int, 1)
	go func() {
		code, _, errOut := cli(t, ctx, "", "run", "--data", data, "--db", dsn, "--listen", "127.0.0.1:0")
		if code != 0 {
			t.Logf("run: %s", errOut)
		}
		exited <- code
	}()
	addr := waitForAddr(t, data)

	ack := syncOneCharge(t, addr, token)
	if ack.AckedSeq != 1 || len(ack.Results) != 1 || ack.Results[0].BalanceAfter != 12345-2345 {
		t.Fatalf("ack %+v", ack)
	}
	req, _ := http.NewRequest("GET", "http://"+addr+"/api/transactions?terminal=T1", nil)
	req.SetBasicAuth("adm", "adm-password")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		Transactions []struct {
			TxnID   string `json:"txn_id"`
			Account int64  `json:"account"`
		} `json:"transactions"`
	}
	err = json.NewDecoder(resp.Body).Decode(&list)
	resp.Body.Close()
	if err != nil || len(list.Transactions) != 1 || list.Transactions[0].TxnID != "T1-1" || list.Transactions[0].Account != 2345 {
		t.Fatalf("supervisor API: %d %+v %v", resp.StatusCode, list, err)
	}

	// While it runs, administrative commands on the data directory go
	// through it.
	code, out, errOut := cli(t, context.Background(), "", "enrol", "--data", data, "--terminal", "T2", "--pharmacy", "P2")
	if code != 0 || !strings.Contains(out+errOut, "via centre at http://"+addr) {
		t.Fatalf("enrol while running: exit %d, %q %q; want it through the running centre", code, out, errOut)
	}

	cancel()
	select {
	case code := <-exited:
		if code != 0 {
			t.Fatalf("run exited %d, want 0", code)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("run did not stop")
	}
	st, err = pgstore.Open(context.Background(), dsn, pgstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if h, err := st.Account(context.Background(), "1001"); err != nil || h.Balance != 10000 {
		t.Fatalf("PostgreSQL holds %+v %v; want balance 10000", h, err)
	}
	if _, err := st.Terminal(context.Background(), "T2"); err != nil {
		t.Fatalf("terminal enrolled through the running centre: %v", err)
	}
	// Stopped, they go to the same PostgreSQL database directly.
	code, out, errOut = cli(t, context.Background(), "", "enrol", "--data", data, "--terminal", "T3", "--pharmacy", "P3")
	if code != 0 || !strings.Contains(out+errOut, "PostgreSQL") {
		t.Fatalf("enrol while stopped: exit %d, %q %q; want it on the PostgreSQL store", code, out, errOut)
	}
	if _, err := st.Terminal(context.Background(), "T3"); err != nil {
		t.Fatalf("terminal enrolled directly: %v", err)
	}
	if _, err := os.Stat(filepath.Join(data, datadir.StoreFile)); !os.IsNotExist(err) {
		t.Fatalf("the embedded store was created beside a PostgreSQL centre: %v", err)
	}
}

// syncOneCharge connects as terminal T1, sends one charge and returns the
// centre's ack.
func syncOneCharge(t *testing.T, addr, token string) wire.Ack {
	t.Helper()
	h := http.Header{"Authorization": {"Bearer " + token}, wire.HeaderTerminal: {"T1"}}
	conn, _, err := websocket.DefaultDialer.Dial("ws://"+addr+wire.AgentPath, h)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	e, err := wire.Seal(wire.Record{Terminal: "T1", Seq: 1, Kind: wire.KindCharge, TxnID: "T1-1", At: time.Now(),
		CardNo: "1001", Cashier: "c1", Total: 2345, Account: 2345,
		Lines: []wire.Line{{Code: "X01", Qty: 1, UnitPrice: 2345, Amount: 2345, Account: 2345}}})
	if err != nil {
		t.Fatal(err)
	}
	send := []wire.Message{
		{Type: wire.TypeHello, Hello: &wire.Hello{Terminal: "T1"}},
		{Type: wire.TypeEntries, Entries: []wire.Entry{e}},
	}
	for _, m := range send {
		if err := conn.WriteJSON(m); err != nil {
			t.Fatal(err)
		}
	}
	for {
		var m wire.Message
		if err := conn.ReadJSON(&m); err != nil {
			t.Fatalf("waiting for the ack: %v", err)
		}
		switch m.Type { // the welcome, and nothing else before the ack
		case wire.TypeAck:
			return *m.Ack
		case wire.TypeError:
			t.Fatalf("centre error %+v", m.Error)
		case wire.TypeWelcome:
		default:
			t.Fatalf("unexpected %q before the ack", m.Type)
		}
	}
}
