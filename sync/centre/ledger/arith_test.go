package ledger

import (
	"testing"

	"posagent/sync/wire"
)

func TestCheckArithmetic(t *testing.T) {
	line := func(amount, account int64) wire.Line {
		return wire.Line{Code: "X", Qty: 1, UnitPrice: amount, Amount: amount, Account: account, Cash: amount - account}
	}
	charge := func(total, account, cash int64, lines ...wire.Line) wire.Record {
		return wire.Record{Kind: wire.KindCharge, TxnID: "t", Total: total, Account: account, Cash: cash, Lines: lines}
	}
	cases := []struct {
		name string
		rec  wire.Record
		bad  bool
	}{
		{"honest", charge(100, 60, 40, line(100, 60)), false},
		{"all cash", charge(100, 0, 100, line(100, 0)), false},
		{"negative cash", charge(100, 400000, -399900, line(100, 100)), true},
		{"sum broken", charge(100, 60, 50, line(100, 60)), true},
		{"account over total", charge(100, 120, 0, line(100, 100)), true},
		{"no lines", charge(100, 60, 40), true},
		{"lines disagree", charge(100, 80, 20, line(100, 60)), true},
		{"line broken", charge(100, 60, 40, wire.Line{Amount: 100, Account: 60, Cash: 10}), true},
		{"price times quantity broken", charge(1000, 1000, 0, wire.Line{Code: "X", Qty: 1, UnitPrice: 100, Amount: 1000, Account: 1000}), true},
		{"two packs", charge(200, 200, 0, wire.Line{Code: "X", Qty: 2, UnitPrice: 100, Amount: 200, Account: 200}), false},
		{"zero quantity", charge(0, 0, 0, wire.Line{Code: "X", Qty: 0, UnitPrice: 100}), true},
		{"quantity × price overflows", charge(0, 0, 0, wire.Line{Code: "X", Qty: 1 << 40, UnitPrice: 1 << 40}), true},
		{"void ok", wire.Record{Kind: wire.KindVoid, Total: 100, Account: 60, Cash: 40}, false},
		{"void negative", wire.Record{Kind: wire.KindVoid, Total: 100, Account: 200, Cash: -100}, true},
		{"quote ignored", wire.Record{Kind: wire.KindQuote, Total: 1, Account: 5}, false},
	}
	for _, c := range cases {
		f := CheckArithmetic(c.rec)
		if (f != nil) != c.bad {
			t.Errorf("%s: finding %+v, want bad=%v", c.name, f, c.bad)
		}
		if f != nil && (f.Code != CodeBadArithmetic || len(f.Evidence) == 0) {
			t.Errorf("%s: finding %+v lacks code or evidence", c.name, f)
		}
	}
}
