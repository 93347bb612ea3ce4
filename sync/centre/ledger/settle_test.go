package ledger

import (
	"errors"
	"math"
	"slices"
	"testing"

	"posagent/policy"
	"posagent/sync/wire"
)

func TestSettle(t *testing.T) {
	active := policy.Holder{CardNo: "C", Status: StatusActive, Balance: 1000}
	lost := active
	lost.Status = "lost"
	blocked := active
	blocked.Blocked = true
	charge := func(n int64) wire.Record { return wire.Record{Kind: wire.KindCharge, TxnID: "t", Account: n} }
	void := func(n int64) wire.Record {
		return wire.Record{Kind: wire.KindVoid, TxnID: "v", Reverses: "t", Account: n}
	}

	free := Judgement{Allowed: math.MaxInt64}
	cases := []struct {
		name    string
		rec     wire.Record
		holder  *policy.Holder
		j       Judgement
		delta   int64
		balance int64
		held    int64
		flags   []string
	}{
		{"charge", charge(300), &active, free, -300, 700, 0, nil},
		{"charge to exactly zero", charge(1000), &active, free, -1000, 0, 0, nil},
		{"overdraft: the excess is held", charge(1001), &active, free, -1000, 0, 1, []string{wire.FlagOverdraft}},
		{"lost card: all held", charge(300), &lost, free, 0, 1000, 300, []string{wire.FlagBlockedAtSync}},
		{"blocklisted card: all held", charge(300), &blocked, free, 0, 1000, 300, []string{wire.FlagBlockedAtSync}},
		{"lost and overdrawn: all held", charge(2000), &lost, free, 0, 1000, 2000, []string{wire.FlagBlockedAtSync}},
		{"all-cash charge on a lost card", charge(0), &lost, free, 0, 1000, 0, nil},
		{"rules allow less: the excess held", charge(300), &active, Judgement{Allowed: 120, Findings: []Finding{{Code: CodePolicyMismatch}}}, -120, 880, 180, nil},
		{"bad record: all held", charge(300), &active, Judgement{Allowed: math.MaxInt64, Findings: []Finding{{Code: CodeBadArithmetic}}}, 0, 1000, 300, nil},
		{"mismatch and overdraft", charge(1500), &active, Judgement{Allowed: 1200, Findings: []Finding{{Code: CodePolicyMismatch}}}, -1000, 0, 500, []string{wire.FlagOverdraft}},
		{"void refunds", void(300), &active, free, 300, 1300, 0, nil},
		{"void refunds a lost card", void(300), &lost, free, 300, 1300, 0, nil},
		{"void of a held charge refunds what was taken", void(300), &active, Judgement{VoidHeld: 180}, 120, 1120, 0, nil},
		{"charge on unknown card: held", charge(300), nil, free, 0, 0, 300, []string{wire.FlagBlockedAtSync}},
		{"void on unknown card", void(300), nil, free, 0, 0, 0, []string{wire.FlagBlockedAtSync}},
		{"all-cash charge on unknown card", charge(0), nil, free, 0, 0, 0, nil},
		{"quote", wire.Record{Kind: wire.KindQuote, Account: 300}, &active, free, 0, 1000, 0, nil},
		{"refusal", wire.Record{Kind: wire.KindRefusal, Account: 300}, &active, free, 0, 1000, 0, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var h *policy.Holder
			if c.holder != nil {
				cp := *c.holder
				h = &cp
			}
			eff, err := Settle(c.rec, h, c.j)
			if err != nil {
				t.Fatal(err)
			}
			if eff.Delta != c.delta || eff.BalanceAfter != c.balance || eff.Held != c.held || !slices.Equal(eff.Flags, c.flags) {
				t.Fatalf("got %+v, want delta %d balance %d held %d flags %v", eff, c.delta, c.balance, c.held, c.flags)
			}
			if h != nil && h.Balance != c.balance {
				t.Fatalf("holder balance %d, want %d", h.Balance, c.balance)
			}
		})
	}
}

func TestSettleOverflowRefused(t *testing.T) {
	h := &policy.Holder{Status: StatusActive, Balance: math.MaxInt64 - 1}
	_, err := Settle(wire.Record{Kind: wire.KindVoid, Account: 2}, h, Judgement{})
	if !errors.Is(err, ErrRefused) || h.Balance != math.MaxInt64-1 {
		t.Fatalf("err %v balance %d; want ErrRefused and balance unchanged", err, h.Balance)
	}
	h.Balance = math.MinInt64 + 1
	if _, err := Rule(2, h, true); !errors.Is(err, ErrRefused) || h.Balance != math.MinInt64+1 {
		t.Fatalf("ruling underflow: %v", err)
	}
}

// TestRule: accepting a hold takes it from the account, refusing it moves
// nothing.
func TestRule(t *testing.T) {
	h := &policy.Holder{Status: StatusActive, Balance: 100}
	if d, err := Rule(300, h, false); err != nil || d != 0 || h.Balance != 100 {
		t.Fatalf("refuse: delta %d err %v balance %d", d, err, h.Balance)
	}
	if d, err := Rule(300, h, true); err != nil || d != -300 || h.Balance != -200 {
		t.Fatalf("accept: delta %d err %v balance %d", d, err, h.Balance)
	}
	if d, err := Rule(300, nil, true); err != nil || d != 0 {
		t.Fatalf("no account: delta %d err %v", d, err)
	}
}
