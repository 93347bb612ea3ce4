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

	cases := []struct {
		name    string
		rec     wire.Record
		holder  *policy.Holder
		delta   int64
		balance int64
		flags   []string
	}{
		{"charge", charge(300), &active, -300, 700, nil},
		{"charge to exactly zero", charge(1000), &active, -1000, 0, nil},
		{"overdraft", charge(1001), &active, -1001, -1, []string{wire.FlagOverdraft}},
		{"lost card still charged", charge(300), &lost, -300, 700, []string{wire.FlagBlockedAtSync}},
		{"blocklisted card", charge(300), &blocked, -300, 700, []string{wire.FlagBlockedAtSync}},
		{"lost and overdrawn", charge(2000), &lost, -2000, -1000, []string{wire.FlagOverdraft, wire.FlagBlockedAtSync}},
		{"all-cash charge on a lost card", charge(0), &lost, 0, 1000, nil},
		{"void refunds", void(300), &active, 300, 1300, nil},
		{"void refunds a lost card", void(300), &lost, 300, 1300, nil},
		{"charge on unknown card", charge(300), nil, 0, 0, []string{wire.FlagBlockedAtSync}},
		{"void on unknown card", void(300), nil, 0, 0, []string{wire.FlagBlockedAtSync}},
		{"all-cash charge on unknown card", charge(0), nil, 0, 0, nil},
		{"quote", wire.Record{Kind: wire.KindQuote, Account: 300}, &active, 0, 1000, nil},
		{"refusal", wire.Record{Kind: wire.KindRefusal, Account: 300}, &active, 0, 1000, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var h *policy.Holder
			if c.holder != nil {
				cp := *c.holder
				h = &cp
			}
			eff, err := Settle(c.rec, h)
			if err != nil {
				t.Fatal(err)
			}
			if eff.Delta != c.delta || eff.BalanceAfter != c.balance || !slices.Equal(eff.Flags, c.flags) {
				t.Fatalf("got %+v, want delta %d balance %d flags %v", eff, c.delta, c.balance, c.flags)
			}
			if h != nil && h.Balance != c.balance {
				t.Fatalf("holder balance %d, want %d", h.Balance, c.balance)
			}
		})
	}
}

func TestSettleOverflowRefused(t *testing.T) {
	h := &policy.Holder{Status: StatusActive, Balance: math.MaxInt64 - 1}
	_, err := Settle(wire.Record{Kind: wire.KindVoid, Account: 2}, h)
	if !errors.Is(err, ErrRefused) || h.Balance != math.MaxInt64-1 {
		t.Fatalf("err %v balance %d; want ErrRefused and balance unchanged", err, h.Balance)
	}
	h.Balance = math.MinInt64 + 1
	if _, err := Settle(wire.Record{Kind: wire.KindCharge, Account: 2}, h); !errors.Is(err, ErrRefused) {
		t.Fatalf("charge underflow: %v", err)
	}
}
