package journal

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"posagent/policy"
	"posagent/sync/wire"
)

// cst is the pharmacies' zone (China has no daylight saving time).
var cst = time.FixedZone("CST", 8*3600)

// base is a working morning at the counter.
var base = time.Date(2025, 3, 14, 9, 30, 0, 0, cst)

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

// openAt opens the journal at path for terminal T1, closing it at the end
// of the test (closing twice is harmless).
func openAt(t testing.TB, path string) *Journal {
	t.Helper()
	j, err := Open(path, Options{Terminal: "T1", Logger: quiet()})
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	t.Cleanup(func() { j.Close() })
	return j
}

// openTemp opens a fresh journal in the test's temporary directory. When
// the test ends it is closed, opened again and verified whole, so every
// test that leaves a journal behind leaves a sound one. (Tests that damage
// a file on purpose use openAt. agent/agenttest does the same for other
// packages; the journal's own tests cannot import it.)
func openTemp(t testing.TB) *Journal {
	t.Helper()
	path := filepath.Join(t.TempDir(), "journal.db")
	t.Cleanup(func() {
		if t.Failed() {
			return
		}
		j, err := Open(path, Options{Terminal: "T1", Logger: quiet(), Timeout: 5 * time.Second})
		if err != nil {
			t.Errorf("reopen to verify: %v", err)
			return
		}
		defer j.Close()
		if err := j.Verify(); err != nil {
			t.Errorf("journal left unsound: %v", err)
		}
	})
	return openAt(t, path) // its close runs before the check above
}

// charge is a realistic three-line charge: two class-A drugs and a class-B
// item with a cash share; account fen is scaled to the wanted amount.
func charge(txn, card string, account int64, at time.Time) wire.Record {
	return wire.Record{
		Kind: wire.KindCharge, TxnID: txn, At: at, CardNo: card, Cashier: "C07",
		QuoteID: "q-" + txn, IdempotencyKey: "k-" + txn, RulesVersion: 12,
		Total: account + 350, Account: account, Cash: 350,
		Lines: []wire.Line{
			{Code: "XA10BAA001", Barcode: "6901234567892", Qty: 2, UnitPrice: 1850, Amount: 3700, Account: 3700, Days: 14000},
			{Code: "XC08CAA012", Barcode: "6907654321098", Qty: 1, UnitPrice: 2600, Amount: 2600, Account: 2600, Days: 28000},
			{Code: "ZB01BAB031", Barcode: "6923456789012", Qty: 1, UnitPrice: 3500, Amount: 3500, Account: 3150, Cash: 350,
				Reasons: []policy.Reason{{Code: policy.IDCheckRequired, Severity: policy.Review, Message: "identity check", MessageZh: "人证核对", Evidence: map[string]any{"amount": 9800}}}},
		},
		Confirmed: []policy.Code{policy.IDCheckRequired},
	}
}

// voidOf reverses the charge txn, which took account fen.
func voidOf(txn, target string, account int64, at time.Time) wire.Record {
	return wire.Record{Kind: wire.KindVoid, TxnID: txn, Reverses: target, Account: account, Total: account, At: at, Cashier: "C07", Note: "customer returned"}
}

func quote(card string, at time.Time) wire.Record {
	return wire.Record{Kind: wire.KindQuote, QuoteID: fmt.Sprintf("q%d", at.UnixNano()), CardNo: card, At: at, Total: 1200, Account: 1200}
}

func refusal(card string, at time.Time) wire.Record {
	return wire.Record{Kind: wire.KindRefusal, CardNo: card, At: at, Error: "ID_CHECK_REQUIRED not confirmed", IdempotencyKey: fmt.Sprintf("r%d", at.UnixNano())}
}

// mustAppend appends rec or fails the test.
func mustAppend(t testing.TB, j *Journal, rec wire.Record) (wire.Record, wire.Entry) {
	t.Helper()
	r, e, err := j.Append(rec)
	if err != nil {
		t.Fatalf("append %s %s: %v", rec.Kind, rec.TxnID, err)
	}
	return r, e
}
