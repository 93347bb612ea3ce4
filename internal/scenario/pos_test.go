package scenario

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"posagent/agent"
	"posagent/internal/demo"
	"posagent/policy"
)

// Items of testdata/catalogue.csv the scenarios sell. Neither has a
// days-of-supply limit, so any quantity is one clean purchase.
var (
	// vitaminC: class A drug, price cap 500 fen a box.
	vitaminC = func(qty int64) policy.Line {
		return policy.Line{Code: "D0028", Barcode: "6901234500288", Qty: qty, UnitPrice: 500}
	}
	// baiyao: class A TCM spray, price cap 3500 fen.
	baiyao = func(qty int64) policy.Line {
		return policy.Line{Code: "D0034", Barcode: "6901234500349", Qty: qty, UnitPrice: 3400}
	}
)

// keys numbers idempotency keys across the package's tests.
var keys atomic.Int64

func newKey(t *testing.T) string {
	return fmt.Sprintf("%s-%d", t.Name(), keys.Add(1))
}

// quote asks for a quote of lines for the card in the reader.
func quote(t *testing.T, e *demo.Env, lines ...policy.Line) agent.Quote {
	t.Helper()
	q, err := e.POS.Quote(context.Background(), agent.QuoteRequest{Cashier: "C01", Lines: lines})
	if err != nil {
		t.Fatalf("quote %v: %v", lines, err)
	}
	return q
}

// charge charges a quote, confirming what it requires (the cashier
// checked the holder's identity).
func charge(t *testing.T, e *demo.Env, q agent.Quote) agent.Charge {
	t.Helper()
	ch, err := e.POS.Charge(context.Background(), chargeRequest(t, q))
	if err != nil {
		t.Fatalf("charge quote %s: %v", q.QuoteID, err)
	}
	return ch
}

func chargeRequest(t *testing.T, q agent.Quote) agent.ChargeRequest {
	return agent.ChargeRequest{QuoteID: q.QuoteID, IdempotencyKey: newKey(t), Confirm: q.Required, Note: t.Name()}
}

// sell quotes lines for the card in the reader and charges the quote.
func sell(t *testing.T, e *demo.Env, lines ...policy.Line) (agent.Quote, agent.Charge) {
	t.Helper()
	q := quote(t, e, lines...)
	return q, charge(t, e, q)
}

// reason returns the reason with code, and whether there is one.
func reason(rs []policy.Reason, code policy.Code) (policy.Reason, bool) {
	for _, r := range rs {
		if r.Code == code {
			return r, true
		}
	}
	return policy.Reason{}, false
}

// codes lists the codes of rs, in order.
func codes(rs []policy.Reason) []policy.Code {
	out := []policy.Code{}
	for _, r := range rs {
		out = append(out, r.Code)
	}
	return out
}

// evidence reads a number of a reason's evidence (JSON numbers decode as
// float64; fen and counts are whole).
func evidence(t *testing.T, r policy.Reason, key string) int64 {
	t.Helper()
	switch v := r.Evidence[key].(type) {
	case float64:
		return int64(v)
	case int64:
		return v
	case int:
		return int64(v)
	}
	t.Fatalf("%s evidence %q is %T %v, want a number", r.Code, key, r.Evidence[key], r.Evidence[key])
	return 0
}
