package console_test

import (
	"strings"
	"testing"
	"time"

	"posagent/sync/centre/centretest"
	"posagent/sync/wire"
)

// A record's page shows its lines named from the catalogue of its rules
// version, the card's holder, and the links between a charge and its
// void, both ways.
func TestRecordPageShowsLinesHolderAndVoid(t *testing.T) {
	c := centretest.StartWithOptions(t, centretest.Options{Sample: true})
	c.Users()
	at := c.Now().Add(-30 * time.Minute)
	r := c.Rogue("T1", "P001")
	got := r.Send(
		centretest.AccountCharge("A00000002", at, centretest.AccountLine("D0006", "6901234500066", 1, 980)),
		wire.Record{Kind: wire.KindVoid, At: at.Add(time.Minute), CardNo: "A00000002", RulesVersion: 1,
			Total: 980, Account: 980, Reverses: "T1-1"},
	)
	b := newBrowser(t, c.URL())
	b.mustLogin(centretest.SupervisorName, centretest.SupervisorPassword)
	_, charge := b.get("/console/txn/T1/1")
	for _, want := range []string{
		`<tr class="line" data-code="D0006"><td class="mono">D0006</td><td>复方氨酚烷胺片 12片</td>`,
		`<td class="num">¥9.80</td>`,
		`<dl class="fields" id="holder">`, `<dd>李四</dd>`, `<dd>正常</dd>`,
		`<a class="related" href="/console/txn/T1/2?at=`, // its void
	} {
		if !strings.Contains(charge, want) {
			t.Errorf("the charge's page lacks %s\n%s", want, charge)
		}
	}
	_, void := b.get("/console/txn/T1/2")
	if !strings.Contains(void, `<a class="related" href="/console/txn/T1/1?at=`) || got[1].Reverses != "T1-1" {
		t.Errorf("the void's page does not link its charge\n%s", void)
	}
}
