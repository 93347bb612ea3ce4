package api_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"posagent/internal/web"
	"posagent/sync/centre"
	"posagent/sync/centre/api"
	"posagent/sync/centre/centretest"
	"posagent/sync/centre/ledger"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

const (
	zhangSan = "A00000001" // diabetic, 2,860 yuan
	liSi     = "A00000002" // 1,520 yuan
)

var (
	metformin = centretest.AccountLine("D0001", "6901234500011", 1, 2500)
	powder    = centretest.AccountLine("D0015", "6901234500158", 1, 19800) // health food: never from the account
	cold      = centretest.AccountLine("D0006", "6901234500066", 1, 980)
)

// seedSettlement gives pharmacy P001 a month of April 2026 on two
// terminals: T1 an applied charge, a held one, one refused and one
// accepted by ruling, and a charge voided the same day; T2 a held charge
// voided before any ruling; on store kind.
func seedSettlement(t *testing.T, kind centretest.StoreKind) *centretest.Centre {
	c := centretest.StartWithOptions(t, centretest.Options{Sample: true, Store: kind})
	c.Users()
	now := c.Now()
	at := func(m int) time.Time { return now.Add(-time.Hour + time.Duration(m)*time.Minute) }
	t1 := c.Rogue("T1", "P001")
	got := t1.Send(
		centretest.AccountCharge(zhangSan, at(0), metformin), // 1 applied
		centretest.AccountCharge(zhangSan, at(1), powder),    // 2 held
		centretest.AccountCharge(zhangSan, at(2), powder),    // 3 held, refused below
		centretest.AccountCharge(liSi, at(3), powder),        // 4 held, accepted below
		centretest.AccountCharge(liSi, at(4), cold),          // 5 applied, voided by 6
		wire.Record{Kind: wire.KindVoid, At: at(5), CardNo: liSi, RulesVersion: 1,
			Total: 980, Account: 980, Reverses: "T1-5"},
	)
	for i, x := range got[1:4] {
		if x.Hold != store.HoldHeld || x.Held != 19800 {
			t.Fatalf("T1 record %d %+v: want 19800 held", i+2, x)
		}
	}
	rule := func(term string, seq uint64, ruling string) {
		var x store.Txn
		resp := c.Request(http.MethodPost, fmt.Sprintf("/api/holds/%s/%d", term, seq),
			centretest.Basic(centretest.SupervisorName, centretest.SupervisorPassword),
			bytes.NewBufferString(`{"ruling":"`+ruling+`","note":"审定"}`), &x)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s %s/%d: status %d", ruling, term, seq, resp.StatusCode)
		}
	}
	rule("T1", 3, centre.RulingRefuse)
	rule("T1", 4, centre.RulingAccept)
	t2 := c.Rogue("T2", "P001")
	got = t2.Send(
		centretest.AccountCharge(liSi, at(10), powder),
		wire.Record{Kind: wire.KindVoid, At: at(11), CardNo: liSi, RulesVersion: 1,
			Total: 19800, Account: 19800, Reverses: "T2-1"},
	)
	if x := t2.Txn(1); x.Hold != store.HoldVoided {
		t.Fatalf("T2 charge %+v: want its hold voided", x)
	}
	return c
}

func TestSettlementOfAMonth(t *testing.T) {
	for _, kind := range centretest.Stores {
		t.Run(string(kind), func(t *testing.T) { testSettlementOfAMonth(t, kind) })
	}
}

// testSettlementOfAMonth checks April's statement of P001 as JSON and as
// CSV, and that other months and pharmacies have nothing.
func testSettlementOfAMonth(t *testing.T, kind centretest.StoreKind) {
	c := seedSettlement(t, kind)
	var s api.Settlement
	resp := c.Request("GET", "/api/settlement?pharmacy=P001&month=2026-04",
		centretest.Basic(centretest.SupervisorName, centretest.SupervisorPassword), nil, &s)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	t1 := ledger.Statement{Charges: 5, Voids: 1, Claimed: 2500 + 3*19800 + 980, Held: 19800, Refused: 19800,
		Applied: 2500 + 19800 + 980, Refunded: 980, Payable: 2500 + 19800}
	t2 := ledger.Statement{Charges: 1, Voids: 1, Claimed: 19800}
	var total ledger.Statement
	total.Add(t1)
	total.Add(t2)
	want := api.Settlement{Pharmacy: "P001", Month: "2026-04", Statement: total,
		ByTerminal: []api.TerminalStatement{{Terminal: "T1", Statement: t1}, {Terminal: "T2", Statement: t2}}}
	if fmt.Sprint(s) != fmt.Sprint(want) {
		t.Fatalf("settlement\n %+v, want\n %+v", s, want)
	}

	// The month before, and another pharmacy, have nothing.
	for _, q := range []string{"pharmacy=P001&month=2026-03", "pharmacy=P002&month=2026-04"} {
		var empty api.Settlement
		c.Request("GET", "/api/settlement?"+q, centretest.Basic(centretest.SupervisorName, centretest.SupervisorPassword), nil, &empty)
		if empty.Statement != (ledger.Statement{}) || len(empty.ByTerminal) != 0 {
			t.Errorf("%s: %+v, want nothing", q, empty)
		}
	}

	// The CSV: a header, a row per terminal, a total equal to the JSON's.
	req, _ := http.NewRequest("GET", c.URL()+"/api/settlement?pharmacy=P001&month=2026-04&format=csv", nil)
	centretest.Basic(centretest.SupervisorName, centretest.SupervisorPassword)(req)
	raw, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Body.Close()
	if ct := raw.Header.Get("Content-Type"); raw.StatusCode != http.StatusOK || ct != "text/csv; charset=utf-8" {
		t.Fatalf("csv: status %d, type %q", raw.StatusCode, ct)
	}
	body, _ := io.ReadAll(raw.Body)
	rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("csv: %v\n%s", err, body)
	}
	if len(rows) != 4 || rows[1][2] != "T1" || rows[2][2] != "T2" || rows[3][2] != "TOTAL" {
		t.Fatalf("csv rows:\n%s", body)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for name, v := range map[string]int64{"claimed": total.Claimed, "applied": total.Applied, "held": total.Held,
		"refused": total.Refused, "deferred": total.Deferred, "refunded": total.Refunded, "payable": total.Payable} {
		fen, err := strconv.ParseInt(rows[3][col[name+"_fen"]], 10, 64)
		if err != nil || fen != v {
			t.Errorf("total %s_fen %q, want %d", name, rows[3][col[name+"_fen"]], v)
		}
		if y := rows[3][col[name+"_yuan"]]; y != api.Yuan(v) {
			t.Errorf("total %s_yuan %q, want %q", name, y, api.Yuan(v))
		}
	}
	if rows[3][col["payable_yuan"]] != "223.00" {
		t.Errorf("payable_yuan %q, want 223.00", rows[3][col["payable_yuan"]])
	}
}

func TestSettlementBadParams(t *testing.T) {
	c := centretest.Start(t)
	c.Users()
	for _, q := range []string{"", "pharmacy=P001", "month=2026-04", "pharmacy=P001&month=2026-4x",
		"pharmacy=P001&month=2026-13", "pharmacy=P001&month=2026-04&format=xml", "pharmacy=P001&month=2026-04&x=1"} {
		var e web.ErrorBody
		resp := c.Request("GET", "/api/settlement?"+q, centretest.Basic(centretest.SupervisorName, centretest.SupervisorPassword), nil, &e)
		if resp.StatusCode != http.StatusBadRequest || e.Code != centre.CodeBadParam || e.Message == "" || e.MessageZh == "" {
			t.Errorf("%q: status %d body %+v, want 400 %s with zh and en messages", q, resp.StatusCode, e, centre.CodeBadParam)
		}
	}
	if resp := c.Request("GET", "/api/settlement?pharmacy=P001&month=2026-04", nil, nil, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("no login: status %d, want 401", resp.StatusCode)
	}
}

func TestYuan(t *testing.T) {
	for fen, want := range map[int64]string{0: "0.00", 5: "0.05", -5: "-0.05", 123450: "1234.50", 22300: "223.00"} {
		if got := api.Yuan(fen); got != want {
			t.Errorf("Yuan(%d) = %q, want %q", fen, got, want)
		}
	}
}
