package policy

import (
	"slices"
	"testing"
)

// TestApproval: a manager approves a charge above manager_approval_amount
// and any confirmation of a pattern code (SPEC §12).
func TestApproval(t *testing.T) {
	tests := []struct {
		name   string
		rules  func(*Rules)
		in     Input
		needed bool
		codes  []string
		over   bool
	}{
		{"an ordinary sale with the default rules", func(*Rules) {}, sale(ln(ibuprofen, 1, 1200)), false, nil, false},
		{"the default rules never ask (manager_approval_amount 0)", func(*Rules) {},
			sale(ln(vitaminC, 100, 500)), false, nil, false},
		{"a charge above the amount", func(r *Rules) { r.ManagerApprovalAmount = 30000 },
			sale(ln(vitaminC, 70, 500)), true, []string{}, true},
		{"a charge exactly at the amount", func(r *Rules) { r.ManagerApprovalAmount = 30000 },
			sale(ln(vitaminC, 60, 500)), false, nil, false},
		{"the amount counts what the account pays, not cash", func(r *Rules) { r.ManagerApprovalAmount = 30000 },
			sale(ln(vitaminC, 10, 500), ln(proteinPowd, 1, 50000)), false, nil, false},
		{"a pattern the cashier must confirm", func(r *Rules) { r.Severities[OffHours] = Confirm },
			func() Input { in := sale(ln(ibuprofen, 1, 1200)); in.Now = at("2025-03-12 23:00"); return in }(),
			true, []string{string(OffHours)}, false},
		{"a pattern that is only reviewed", func(*Rules) {},
			func() Input { in := sale(ln(ibuprofen, 1, 1200)); in.Now = at("2025-03-12 23:00"); return in }(),
			false, nil, false},
		{"an identity check the cashier confirms alone", func(*Rules) {}, sale(ln(vitaminC, 50, 500)), false, nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := evaluate(t, withRules(t, tc.rules), tc.in)
			if d.NeedsApproval() != tc.needed || slices.Contains(d.Required, ApprovalRequired) != tc.needed {
				t.Fatalf("needs approval %v, required %v; want %v", d.NeedsApproval(), d.Required, tc.needed)
			}
			r, ok := find(d.Reasons, ApprovalRequired)
			if ok != tc.needed {
				t.Fatalf("APPROVAL_REQUIRED %v", ok)
			}
			if ok && (!slices.Equal(r.Evidence["codes"].([]string), tc.codes) || r.Evidence["over_amount"] != tc.over ||
				r.Evidence["account"] != d.AccountTotal) {
				t.Fatalf("evidence %v", r.Evidence)
			}
		})
	}
}

func TestApprovalSeverities(t *testing.T) {
	in := sale(ln(vitaminC, 70, 500))
	review := withRules(t, func(r *Rules) {
		r.ManagerApprovalAmount = 30000
		r.Severities[ApprovalRequired] = Review
	})
	if d := evaluate(t, review, in); d.NeedsApproval() || d.AccountTotal != 35000 {
		t.Fatalf("review: needs approval %v, account %d", d.NeedsApproval(), d.AccountTotal)
	} else if _, ok := find(d.Reasons, ApprovalRequired); !ok {
		t.Fatal("review: no APPROVAL_REQUIRED flag")
	}
	block := withRules(t, func(r *Rules) {
		r.ManagerApprovalAmount = 30000
		r.Severities[ApprovalRequired] = Block
	})
	if d := evaluate(t, block, in); d.AccountTotal != 0 || d.CashTotal != 35000 {
		t.Fatalf("block: account %d", d.AccountTotal)
	}
}
