package centre_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"posagent/sync/centre"
	"posagent/sync/centre/centretest"
)

func TestImportAccountsCSVKeepsBlocklistMarkAndRefusesWholeBadFile(t *testing.T) {
	c := centretest.Start(t)
	ctx := context.Background()
	c.Accounts(map[string]int64{"1001": 5})
	if _, err := c.Centre().BlockCards(ctx, []string{"1001"}, nil); err != nil {
		t.Fatal(err)
	}
	const header = "card_no,person_id,name,balance,status,diseases,pharmacy\n"
	n, err := c.Centre().ImportAccountsCSV(ctx, strings.NewReader(header+"1001,,a,700,active,,\n1002,,b,800,active,,\n"))
	if err != nil || n != 2 {
		t.Fatalf("import: %d, %v", n, err)
	}
	if h, _ := c.Store().Account(ctx, "1001"); !h.Blocked || h.Balance != 700 {
		t.Fatalf("re-imported account %+v, want balance 700 and still blocked", h)
	}
	_, err = c.Centre().ImportAccountsCSV(ctx, strings.NewReader(header+"1001,,a,1,active,,\n1003,,c,1,gone,,\n"))
	if !errors.Is(err, centre.ErrInvalid) {
		t.Fatalf("bad file: %v", err)
	}
	if c.Balance("1001") != 700 {
		t.Fatal("a file with a bad row changed the good rows' accounts")
	}
	if _, err := c.Store().Account(ctx, "1003"); err == nil {
		t.Fatal("a bad row was stored")
	}
}
