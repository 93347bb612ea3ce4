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

func TestIDMismatch(t *testing.T) {
	holderID := personID("19700501", true)
	tests := []struct {
		name   string
		change func(*Input)
		trips  bool
	}{
		{"the card's resident id is the account's", func(in *Input) {
			in.Card.PersonID, in.Holder.PersonID = holderID, holderID
		}, false},
		{"a lower-case x check character is the same id", func(in *Input) {
			in.Card.PersonID, in.Holder.PersonID = "11010519851201001x", "11010519851201001X"
		}, false},
		{"another person's card data on this account", func(in *Input) {
			in.Card.PersonID, in.Holder.PersonID = personID("19880101", false), holderID
		}, true},
		{"the centre found the ids differ", func(in *Input) {
			in.Card.PersonID, in.Holder.IDMismatch = personID("19880101", false), true
		}, true},
		{"a swipe has no resident id to compare", func(in *Input) {
			in.Card.PersonID, in.Holder.PersonID = "", holderID
		}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := sale(ln(ibuprofen, 1, 1200))
			tc.change(&in)
			d := evaluate(t, testBundle(t), in)
			r, got := find(d.Reasons, IDMismatch)
			if got != tc.trips {
				t.Fatalf("ID_MISMATCH %v, want %v (reasons %v)", got, tc.trips, codes(d.Reasons))
			}
			if !got {
				if d.AccountTotal != 1200 {
					t.Fatalf("honest card: account %d", d.AccountTotal)
				}
				return
			}
			if r.Severity != Block || d.AccountTotal != 0 || d.CashTotal != 1200 {
				t.Fatalf("severity %s, account %d", r.Severity, d.AccountTotal)
			}
			if id, _ := r.Evidence["card_person_id"].(string); len(id) != 18 || id[6:14] != "********" {
				t.Fatalf("evidence shows the id unmasked: %v", r.Evidence)
			}
		})
	}
}

func TestCardProof(t *testing.T) {
	tests := []struct {
		name    string
		limit   int64
		card    func(*Card)
		account int64 // of 3000
		trips   bool
	}{
		{"a track-2 swipe pays cash only by default", 0, func(c *Card) { c.Source = SourceTrack2 }, 0, true},
		{"a track-2 swipe pays up to track2_account_limit", 1000, func(c *Card) { c.Source = SourceTrack2 }, 1000, true},
		{"a track-2 swipe under the limit is still flagged", 5000, func(c *Card) { c.Source = SourceTrack2 }, 3000, true},
		{"Proven does not make a swipe a proof", 0, func(c *Card) { c.Source, c.Proven = SourceTrack2, true }, 0, true},
		{"an IC card that did not sign", 0, func(c *Card) { c.Source = SourceFrame }, 0, true},
		{"an IC card that signs", 0, func(c *Card) { c.Source, c.Proven = SourceFrame, true }, 3000, false},
		{"a redeemed e-voucher", 0, func(c *Card) { c.Source, c.Proven = SourceVoucher, true }, 3000, false},
		{"a caller that does not say the source is not judged", 0, func(c *Card) {}, 3000, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := withRules(t, func(r *Rules) { r.Track2AccountLimit = tc.limit })
			in := sale(ln(ibuprofen, 1, 1200), ln(coldMedicine, 2, 900))
			tc.card(&in.Card)
			d := evaluate(t, b, in)
			r, got := find(d.Reasons, CardProofMissing)
			if got != tc.trips || d.AccountTotal != tc.account || d.Total != 3000 {
				t.Fatalf("CARD_PROOF_MISSING %v (want %v), account %d (want %d)", got, tc.trips, d.AccountTotal, tc.account)
			}
			if got && (r.Severity != Review || r.Evidence["limit"] != tc.limit || r.Evidence["wanted"] != int64(3000) ||
				r.Evidence["moved_to_cash"] != 3000-tc.account) {
				t.Fatalf("%s %v", r.Severity, r.Evidence)
			}
		})
	}
}

func TestCardProofSeverityBlockMeansCash(t *testing.T) {
	b := withRules(t, func(r *Rules) {
		r.Track2AccountLimit = 5000
		r.Severities[CardProofMissing] = Block
	})
	in := sale(ln(ibuprofen, 1, 1200))
	in.Card.Source = SourceTrack2
	if d := evaluate(t, b, in); d.AccountTotal != 0 {
		t.Fatalf("account %d with a blocking CARD_PROOF_MISSING", d.AccountTotal)
	}
}

func TestCardProofIsNotNoise(t *testing.T) {
	in := sale(ln(proteinPowd, 1, 19800)) // nothing payable from the account anyway
	in.Card.Source = SourceTrack2
	if _, ok := find(evaluate(t, testBundle(t), in).Reasons, CardProofMissing); ok {
		t.Fatal("CARD_PROOF_MISSING on a sale the account pays nothing of")
	}
	in = sale(ln(ibuprofen, 1, 1200))
	in.Card.Source = SourceTrack2
	in.Holder.Status = StatusLost
	if _, ok := find(evaluate(t, testBundle(t), in).Reasons, CardProofMissing); ok {
		t.Fatal("CARD_PROOF_MISSING on a lost card")
	}
}

// Offline, an IC card that proves itself is sold to within the offline
// limits even when its account is unknown here (SPEC §10); a card that does
// not prove itself, or any card online, stays CARD_UNKNOWN.
func TestUnknownCardOffline(t *testing.T) {
	b := withRules(t, func(r *Rules) { r.OfflineCardLimit = 1000 })
	tests := []struct {
		name    string
		offline bool
		card    func(*Card)
		account int64 // of 3000
		unknown bool
	}{
		{"a proven IC card offline", true, func(c *Card) { c.Source, c.Proven = SourceFrame, true }, 1000, false},
		{"an IC card that did not sign, offline", true, func(c *Card) { c.Source = SourceFrame }, 0, true},
		{"a track-2 swipe offline", true, func(c *Card) { c.Source, c.Proven = SourceTrack2, true }, 0, true},
		{"a source not said, offline", true, func(c *Card) {}, 0, true},
		{"a proven IC card online", false, func(c *Card) { c.Source, c.Proven = SourceFrame, true }, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := sale(ln(ibuprofen, 1, 1200), ln(coldMedicine, 2, 900))
			in.Holder, in.Offline, in.LastContact = nil, tc.offline, in.Now.Add(-time.Hour)
			tc.card(&in.Card)
			d := evaluate(t, b, in)
			_, unknown := find(d.Reasons, CardUnknown)
			if unknown != tc.unknown || d.AccountTotal != tc.account {
				t.Fatalf("CARD_UNKNOWN %v (want %v), account %d (want %d), reasons %v", unknown, tc.unknown, d.AccountTotal, tc.account, d.Reasons)
			}
			if tc.account > 0 {
				if _, ok := find(d.Reasons, OfflineLimit); !ok {
					t.Fatalf("offline limit not said: %v", d.Reasons)
				}
			}
		})
	}
}

func TestAccountStatuses(t *testing.T) {
	tests := []struct {
		status string
		want   Code
	}{
		{StatusActive, ""},
		{StatusLost, CardBlocked},
		{StatusSuspended, CardBlocked},
		{StatusReplaced, CardBlocked},
		{"closed", CardBlocked},
		{StatusWaiting, CardWaitingPeriod},
		{StatusNoAccount, NoPersonalAccount},
	}
	for _, tc := range tests {
		t.Run(tc.status, func(t *testing.T) {
			in := sale(ln(ibuprofen, 1, 1200))
			in.Holder.Status = tc.status
			d := evaluate(t, testBundle(t), in)
			if tc.want == "" {
				if len(d.Reasons) != 0 || d.AccountTotal != 1200 {
					t.Fatalf("reasons %v, account %d", codes(d.Reasons), d.AccountTotal)
				}
				return
			}
			if got := codes(d.Reasons); len(got) != 1 || got[0] != tc.want || d.AccountTotal != 0 {
				t.Fatalf("reasons %v, account %d; want [%s] and cash", got, d.AccountTotal, tc.want)
			}
			if r, _ := find(d.Reasons, tc.want); r.Severity != Block || r.Evidence["status"] != tc.status {
				t.Fatalf("%s %v", r.Severity, r.Evidence)
			}
		})
	}
}

// TestNoPersonalAccountIsQuiet: without a personal account everything is
// cash, and nothing about account money is said — not the balance, not
// the items, not the splitting patterns.
func TestNoPersonalAccountIsQuiet(t *testing.T) {
	in := diabetic(ln(metformin, 1, 2000), ln(proteinPowd, 1, 19800), ln(vitaminC, 200, 500))
	in.Holder.Status, in.Holder.Balance = StatusNoAccount, 0
	in.Now = at("2025-03-12 23:30") // off hours
	in.History.Purchases = []Purchase{bought(0.1, metformin, 1, 30), bought(0.05, metformin, 1, 30),
		bought(0.04, ibuprofen, 1, 5), bought(0.03, ibuprofen, 1, 5)}
	for _, sev := range []Severity{Block, Review} {
		b := withRules(t, func(r *Rules) { r.Severities[NoPersonalAccount] = sev })
		d := evaluate(t, b, in)
		if got := codes(allReasons(d)); len(got) != 1 || got[0] != NoPersonalAccount {
			t.Fatalf("severity %s: reasons %v, want only NO_PERSONAL_ACCOUNT", sev, got)
		}
		if d.AccountTotal != 0 || d.CashTotal != 2000+19800+100000 || d.Lines[0].Days != 30000 {
			t.Fatalf("severity %s: account %d cash %d days %d", sev, d.AccountTotal, d.CashTotal, d.Lines[0].Days)
		}
	}
}
