package agentws_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"posagent/internal/scrape"
	"posagent/sync/centre"
	"posagent/sync/centre/agentws"
	"posagent/sync/centre/alerts"
	"posagent/sync/centre/centretest"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

// residentIDs are the resident ids of the sample accounts.
func residentIDs(t *testing.T) []string {
	t.Helper()
	f, err := os.Open(filepath.Join(centretest.Testdata(t), "accounts.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range rows[1:] {
		if r[1] != "" {
			ids = append(ids, r[1])
		}
	}
	return ids
}

// lookupsAnswer is GET /api/lookups.
type lookupsAnswer struct {
	Lookups []store.Lookup `json:"lookups"`
	Alerts  []alerts.Alert `json:"alerts"`
}

// A rogue terminal, with its own pharmacy's token, walks the card numbers
// A00000001…A00001000 as fast as the centre answers, while the centre's
// clock moves 100 ms every ten look-ups (10 s in all). The token bucket
// (30 at once, 1 a second) answers at most 30 + 10 of them; every one is
// logged; no answer carries a resident id or a name; supervisors see both
// alerts; the refusals are counted.
func TestRogueTerminalCannotHarvestAccounts(t *testing.T) {
	c := centretest.StartWithOptions(t, centretest.Options{Sample: true})
	c.Users()
	tok := c.Enrol("R1", "P9")
	ids := residentIDs(t)
	a := c.Connect("R1", tok)
	a.Hello(0, 1, 0) // has the latest bundle: nothing is pushed

	const n, every, step = 1000, 10, 100 * time.Millisecond
	start := c.Now()
	answered, refused := 0, 0
	for i := range n {
		if i > 0 && i%every == 0 {
			c.Clock.Advance(step)
		}
		card := fmt.Sprintf("A%08d", i+1)
		m, raw := a.Lookup(fmt.Sprint(i), card)
		for _, id := range ids {
			if bytes.Contains(raw, []byte(id)) {
				t.Fatalf("the answer for %s carries a resident id: %s", card, raw)
			}
		}
		switch {
		case m.Account != nil && m.Error == nil:
			answered++
			if h := m.Account.Holder; h.PersonID != "" || h.Name != "" {
				t.Fatalf("the answer for %s names the holder: %+v", card, h)
			}
		case m.Error != nil && m.Error.Code == agentws.CodeRateLimited && m.Account == nil:
			refused++
		default:
			t.Fatalf("answer %s for %s: neither an account nor a refusal", raw, card)
		}
	}
	elapsed := c.Now().Sub(start)
	bound := centre.DefaultLookupBurst + int(elapsed.Seconds()*centre.DefaultLookupRate)
	t.Logf("%d look-ups over %v of the centre's clock: %d answered (bound %d), %d refused", n, elapsed, answered, bound, refused)
	if answered > bound || answered < centre.DefaultLookupBurst || answered+refused != n {
		t.Fatalf("answered %d, refused %d of %d; want between %d and %d answered", answered, refused, n, centre.DefaultLookupBurst, bound)
	}

	// The connection is still there for the terminal's sales.
	if ack := a.SendEntries(nil); ack.AckedSeq != 0 {
		t.Fatalf("after the flood: ack %+v", ack)
	}

	// Every look-up is logged, refused ones marked.
	logged, err := c.Centre().Lookups(context.Background(), store.LookupFilter{Terminal: "R1", Limit: 2 * n})
	if err != nil {
		t.Fatal(err)
	}
	loggedRefused := 0
	for _, l := range logged {
		if l.Refused {
			loggedRefused++
		}
		if l.Pharmacy != "P9" || l.Sale {
			t.Fatalf("logged %+v", l)
		}
	}
	if len(logged) != n || loggedRefused != refused {
		t.Fatalf("logged %d look-ups, %d refused; want %d and %d", len(logged), loggedRefused, n, refused)
	}

	// Supervisors see both alerts through the API.
	var got lookupsAnswer
	c.Request("GET", "/api/lookups?terminal=R1&limit=10000", centretest.Basic(centretest.SupervisorName, centretest.SupervisorPassword), nil, &got)
	if len(got.Lookups) != n {
		t.Errorf("the API lists %d look-ups, want %d", len(got.Lookups), n)
	}
	kinds := map[string]alerts.Alert{}
	for _, al := range got.Alerts {
		kinds[al.Kind] = al
	}
	if al := kinds[alerts.WithoutSale]; al.Terminal != "R1" || al.Lookups != n || al.NoSale != n {
		t.Errorf("without-sale alert %+v in %+v", al, got.Alerts)
	}
	if al := kinds[alerts.SequentialCards]; al.Terminal != "R1" || al.Consecutive != n || al.FirstCard != "A00000001" || al.LastCard != "A00001000" {
		t.Errorf("sequential-cards alert %+v in %+v", al, got.Alerts)
	}

	// And the refusals are counted.
	fams, _, err := scrape.Get(context.Background(), c.URL()+"/metrics", "")
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := fams.Value("posagent_centre_account_lookups_refused_total"); int(v) != refused {
		t.Errorf("refused look-ups counted %v, want %d", v, refused)
	}
	if v, _ := fams.Value("posagent_centre_account_lookups_total", "source", "agent"); int(v) != answered {
		t.Errorf("answered look-ups counted %v, want %d", v, answered)
	}
}

// The answer to a terminal carries what a sale needs: status, balance,
// diseases, designated pharmacy, and the holder's sex and birth date in
// place of the resident id; the history only as far back as the latest
// rules' history_days.
func TestLookupAnswersOnlyWhatASaleNeeds(t *testing.T) {
	c := centretest.StartWithOptions(t, centretest.Options{RecordChecksOnly: true})
	ctx := context.Background()
	csvText := "card_no,person_id,name,balance,status,diseases,pharmacy\n" +
		"A00000001,110105196003150013,张三,286000,active,E11,P001\n"
	if _, err := c.Centre().ImportAccountsCSV(ctx, bytes.NewReader([]byte(csvText))); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Centre().Publish(ctx, []byte(centretest.Catalogue), []byte(`{"daily_count": 3, "business_hours": "08:00-22:00", "history_days": 1}`)); err != nil {
		t.Fatal(err)
	}
	// T2 sold to the card 2 days and 12 hours ago; the answer goes back 1
	// day, the supervisors' view 90.
	var ch centretest.Chain
	ch.Terminal = "T2"
	tok2 := c.Enrol("T2", "P2")
	ch.Charge(t, "A00000001", 100, c.Now().AddDate(0, 0, -2))
	ch.Charge(t, "A00000001", 200, c.Now().Add(-12*time.Hour))
	b := c.Connect("T2", tok2)
	b.Hello(0, 1, 0)
	b.SendEntries(ch.Entries)

	tok := c.Enrol("T1", "P1")
	a := c.Connect("T1", tok)
	a.Hello(0, 1, 0)
	m, raw := a.Lookup("1", "A00000001")
	if m.Account == nil || !m.Account.Found {
		t.Fatalf("answer %s", raw)
	}
	h := m.Account.Holder
	if h.PersonID != "" || h.Name != "" || bytes.Contains(raw, []byte("110105196003150013")) || bytes.Contains(raw, []byte("张三")) {
		t.Errorf("the answer identifies the holder: %s", raw)
	}
	if h.Sex != "M" || !h.Birth.Equal(time.Date(1960, 3, 15, 0, 0, 0, 0, time.UTC)) || h.Balance != 286000-300 ||
		h.Status != "active" || h.Pharmacy != "P001" || len(h.Diseases) != 1 || h.Diseases[0] != "E11" || h.IDMismatch {
		t.Errorf("holder %+v, want sex M, born 1960-03-15, the balance, status, pharmacy and disease", h)
	}
	if hs := m.Account.History; len(hs) != 1 || hs[0].Total != 200 {
		t.Errorf("history %+v, want only the purchase of 12 hours ago", hs)
	}
	// The resident id read from the card is compared, never answered: the
	// holder's own card matches (a lower-case x is X), another's does not.
	for _, c := range []struct {
		read     string
		mismatch bool
	}{{"110105196003150013", false}, {" 110105196003150013 ", false}, {"11010519850722002x", true}} {
		m, raw := a.LookupRead("id-"+c.read, "A00000001", c.read)
		if m.Account == nil || m.Account.Holder.IDMismatch != c.mismatch || m.Account.Holder.PersonID != "" {
			t.Errorf("card read with id %q: %s; want id_mismatch %v and no id", c.read, raw, c.mismatch)
		}
	}
	// Unknown cards are answered (not found) and logged too; a malformed
	// card number is refused without closing the connection.
	if m, raw := a.Lookup("2", "Z9"); m.Account == nil || m.Account.Found || m.Account.Holder.CardNo != "Z9" {
		t.Errorf("unknown card: %s", raw)
	}
	if m, raw := a.Lookup("3", "A-1\x00"); m.Error == nil || m.Error.Code != agentws.CodeBadCardNo {
		t.Errorf("malformed card: %s", raw)
	}
	logged, err := c.Centre().Lookups(ctx, store.LookupFilter{Terminal: "T1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(logged) != 6 || logged[0].CardNo != `"A-1\x00"` || !logged[0].Refused || logged[1].Found || !logged[2].Found {
		t.Errorf("logged %+v", logged)
	}
	// A supervisor still sees the whole account.
	info, err := c.Centre().AccountInfo(ctx, "A00000001", "")
	if err != nil || info.Holder.PersonID != "110105196003150013" || info.Holder.Name != "张三" || len(info.History) != 2 {
		t.Errorf("supervisor's view %+v, %v", info, err)
	}
}

// An honest terminal looks up each customer's card and sells to nearly
// all of them: a day of it raises no alert.
func TestHonestLookupsFollowedBySalesRaiseNoAlert(t *testing.T) {
	c := centretest.StartWithOptions(t, centretest.Options{RecordChecksOnly: true})
	c.Users()
	cards := map[string]int64{}
	var order []string
	for i := range 24 {
		card := fmt.Sprintf("B%08d", (i*7919+13)%100000)
		cards[card] = 100_000
		order = append(order, card)
	}
	c.Accounts(cards)
	tok := c.Enrol("T1", "P1")
	a := c.Connect("T1", tok)
	a.Hello(0, 0, 0)
	var ch centretest.Chain
	ch.Terminal = "T1"
	for i, card := range order {
		if m, raw := a.Lookup(fmt.Sprint(i), card); m.Account == nil || !m.Account.Found {
			t.Fatalf("look-up %d: %s", i, raw)
		}
		if i%8 != 7 { // one customer in eight does not buy
			a.SendEntries([]wire.Entry{ch.Charge(t, card, 1000, c.Now().Add(2*time.Minute))})
		}
		c.Clock.Advance(10 * time.Minute)
	}
	var got lookupsAnswer
	c.Request("GET", "/api/lookups?terminal=T1", centretest.Basic(centretest.SupervisorName, centretest.SupervisorPassword), nil, &got)
	if len(got.Lookups) != len(order) || len(got.Alerts) != 0 {
		t.Fatalf("%d look-ups, alerts %+v; want %d and none", len(got.Lookups), got.Alerts, len(order))
	}
	sold := 0
	for _, l := range got.Lookups {
		if l.Sale {
			sold++
		}
	}
	if sold != 21 {
		t.Errorf("%d look-ups followed by a sale, want 21", sold)
	}
	c.Request("GET", "/api/lookups?terminal=T1&without_sale=1", centretest.Basic(centretest.SupervisorName, centretest.SupervisorPassword), nil, &got)
	if len(got.Lookups) != 3 {
		t.Errorf("without a sale: %d look-ups, want 3", len(got.Lookups))
	}
}
