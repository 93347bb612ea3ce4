package api_test

import (
	"net/http"
	"testing"

	"posagent/internal/web"
	"posagent/sync/centre"
	"posagent/sync/centre/api"
	"posagent/sync/centre/centretest"
	"posagent/sync/centre/ledger"
)

// TestHistoryOfAPharmacyAndAPerson draws April's history of the
// settlement's pharmacy and of one of its customers, on each store: every
// day of the month, the one with sales summed, rulings counted where they
// went (held awaiting, refused, accepted neither).
func TestHistoryOfAPharmacyAndAPerson(t *testing.T) {
	for _, kind := range centretest.Stores {
		t.Run(string(kind), func(t *testing.T) {
			c := seedSettlement(t, kind)
			day := c.Now().In(c.Location()).Format("2006-01-02")
			sup := centretest.Basic(centretest.SupervisorName, centretest.SupervisorPassword)
			for _, tc := range []struct {
				query string
				want  ledger.Day
			}{
				// T1: metformin, three powders (held; refused; accepted), a
				// cold remedy voided; T2: a powder voided while held.
				{"pharmacy=P001", ledger.Day{Charges: 6, Flagged: 4, Account: 2500 + 4*19800 + 980, Held: 19800, Refused: 19800}},
				{"card_no=" + zhangSan, ledger.Day{Charges: 3, Flagged: 2, Account: 2500 + 2*19800, Held: 19800, Refused: 19800}},
				{"pharmacy=P002", ledger.Day{}},
			} {
				var h api.History
				if resp := c.Request("GET", "/api/history?month=2026-04&"+tc.query, sup, nil, &h); resp.StatusCode != http.StatusOK {
					t.Fatalf("%s: status %d", tc.query, resp.StatusCode)
				}
				if len(h.Days) != 30 || h.Days[0].Date != "2026-04-01" || h.Days[29].Date != "2026-04-30" {
					t.Fatalf("%s: days %+v, want the 30 days of April", tc.query, h.Days)
				}
				if h.Total != tc.want {
					t.Errorf("%s: total %+v, want %+v", tc.query, h.Total, tc.want)
				}
				for _, d := range h.Days {
					if want := tc.want; d.Date == day {
						want.Date = day
						if d != want {
							t.Errorf("%s: %s %+v, want %+v", tc.query, day, d, want)
						}
					} else if d != (ledger.Day{Date: d.Date}) {
						t.Errorf("%s: %s %+v, want nothing", tc.query, d.Date, d)
					}
				}
				if tc.want.Flagged > 0 && (len(h.TopCodes) == 0 || h.TopCodes[0].Count < 2) {
					t.Errorf("%s: top codes %+v, want the powders' code first", tc.query, h.TopCodes)
				}
			}
		})
	}
}

func TestHistoryBadParams(t *testing.T) {
	c := centretest.Start(t)
	c.Users()
	for _, q := range []string{"", "month=2026-04", "pharmacy=P1", "pharmacy=P1&card_no=A1&month=2026-04",
		"card_no=12%3B4&month=2026-04", "pharmacy=P1&month=April", "pharmacy=P1&month=2026-04&colour=red"} {
		var e web.ErrorBody
		resp := c.Request("GET", "/api/history?"+q, centretest.Basic(centretest.SupervisorName, centretest.SupervisorPassword), nil, &e)
		if resp.StatusCode != http.StatusBadRequest || e.Code != centre.CodeBadParam {
			t.Errorf("%q: status %d %+v, want 400 %s", q, resp.StatusCode, e, centre.CodeBadParam)
		}
	}
}
