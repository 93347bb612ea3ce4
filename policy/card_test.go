package policy

import (
	"testing"
	"time"
)

func TestCardChecks(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Input)
		want   Code // "" = no card reason
	}{
		{"good card passes", func(*Input) {}, ""},
		{"wrong resident-id check character is CARD_INVALID",
			func(in *Input) { in.Card.Problem = "resident id check character" }, CardInvalid},
		{"card without an account is CARD_UNKNOWN", func(in *Input) { in.Holder = nil }, CardUnknown},
		{"lost card is CARD_BLOCKED", func(in *Input) { in.Holder.Status = "lost" }, CardBlocked},
		{"replaced card is CARD_BLOCKED", func(in *Input) { in.Holder.Status = "replaced" }, CardBlocked},
		{"blocklisted active card is CARD_BLOCKED", func(in *Input) { in.Holder.Blocked = true }, CardBlocked},
		{"card that expired yesterday is CARD_EXPIRED",
			func(in *Input) { in.Card.Expiry = time.Date(2025, 3, 11, 0, 0, 0, 0, time.UTC) }, CardExpired},
		{"card expiring today passes",
			func(in *Input) { in.Card.Expiry = time.Date(2025, 3, 12, 0, 0, 0, 0, time.UTC) }, ""},
		{"card expiring today passes late at night",
			func(in *Input) {
				in.Now = at("2025-03-12 23:59")
				in.Card.Expiry = time.Date(2025, 3, 12, 0, 0, 0, 0, cst)
			}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := sale(ln(ibuprofen, 1, 1200))
			in.Now = at("2025-03-12 12:00")
			tc.change(&in)
			d := evaluate(t, testBundle(t), in)
			var cardCodes []Code
			for _, r := range d.Reasons {
				switch r.Code {
				case CardUnknown, CardBlocked, CardExpired, CardInvalid:
					cardCodes = append(cardCodes, r.Code)
				}
			}
			if tc.want == "" {
				if len(cardCodes) != 0 || d.AccountTotal != 1200 {
					t.Fatalf("card reasons %v, account %d; want none and 1200", cardCodes, d.AccountTotal)
				}
				return
			}
			if len(cardCodes) != 1 || cardCodes[0] != tc.want {
				t.Fatalf("card reasons %v, want [%s]", cardCodes, tc.want)
			}
			if d.AccountTotal != 0 || d.CashTotal != 1200 {
				t.Fatalf("blocked card paid %d from the account", d.AccountTotal)
			}
		})
	}
}

func TestCardEvidence(t *testing.T) {
	in := sale(ln(ibuprofen, 1, 1200))
	in.Holder.Status = "suspended"
	in.Card.Expiry = time.Date(2024, 12, 31, 0, 0, 0, 0, cst)
	d := evaluate(t, testBundle(t), in)
	blocked, _ := find(d.Reasons, CardBlocked)
	if blocked.Evidence["status"] != "suspended" {
		t.Errorf("CARD_BLOCKED evidence %v", blocked.Evidence)
	}
	expired, _ := find(d.Reasons, CardExpired)
	if expired.Evidence["expiry"] != "2024-12-31" || expired.Evidence["today"] != "2025-03-12" {
		t.Errorf("CARD_EXPIRED evidence %v", expired.Evidence)
	}
}
