package ledger

import (
	"fmt"
	"math"

	"posagent/sync/wire"
)

// CodeBadArithmetic names a money-moving record whose sums do not hold
// (issue 9 §1). It is not yet a wire flag: the centre does not act on it
// until holds exist.
const CodeBadArithmetic = "BAD_ARITHMETIC"

// Finding is one thing the centre's re-judging found wrong with a record,
// with the numbers that show it.
type Finding struct {
	Code     string           `json:"code"`
	Evidence map[string]int64 `json:"evidence,omitempty"`
	Detail   string           `json:"detail,omitempty"` // English, for logs
}

// CheckArithmetic reports the first broken sum of a charge or void: per
// line amount = account + cash, in sum total = account + cash, cash >= 0,
// 0 <= account <= total, the lines adding up to the record, and a charge
// having lines. Records that move no money are not checked (nil).
func CheckArithmetic(rec wire.Record) *Finding {
	if !Moves(rec.Kind) {
		return nil
	}
	bad := func(detail string, ev map[string]int64) *Finding {
		return &Finding{Code: CodeBadArithmetic, Evidence: ev, Detail: detail}
	}
	money := map[string]int64{"total": rec.Total, "account": rec.Account, "cash": rec.Cash}
	switch {
	case rec.Cash < 0:
		return bad("cash below zero", money)
	case rec.Account < 0 || rec.Account > rec.Total:
		return bad("account outside 0..total", money)
	case rec.Account > rec.Total-rec.Cash || rec.Account < rec.Total-rec.Cash:
		return bad("total is not account + cash", money)
	}
	if rec.Kind != wire.KindCharge {
		return nil
	}
	if len(rec.Lines) == 0 {
		return bad("charge without lines", money)
	}
	var total, account, cash int64
	for i, l := range rec.Lines {
		if l.Qty <= 0 || l.UnitPrice < 0 || l.UnitPrice > math.MaxInt64/l.Qty || l.Amount != l.Qty*l.UnitPrice {
			return bad(fmt.Sprintf("line %d: amount is not quantity × unit price", i),
				map[string]int64{"line": int64(i), "qty": l.Qty, "unit_price": l.UnitPrice, "amount": l.Amount})
		}
		if l.Cash < 0 || l.Account < 0 || l.Amount != l.Account+l.Cash {
			return bad(fmt.Sprintf("line %d: amount is not account + cash", i),
				map[string]int64{"line": int64(i), "amount": l.Amount, "account": l.Account, "cash": l.Cash})
		}
		total += l.Amount
		account += l.Account
		cash += l.Cash
	}
	if total != rec.Total || account != rec.Account || cash != rec.Cash {
		return bad("lines do not add up to the record", map[string]int64{
			"total": rec.Total, "account": rec.Account, "cash": rec.Cash,
			"lines_total": total, "lines_account": account, "lines_cash": cash,
		})
	}
	return nil
}
