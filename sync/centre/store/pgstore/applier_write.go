package pgstore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"posagent/sync/centre/store"
)

// recordColumns are the records table's columns in the order recordValues
// gives them.
var recordColumns = []string{
	"terminal", "seq", "hash", "body", "kind", "txn_id", "at", "at_ns", "card_no", "cashier", "pharmacy",
	"total", "account", "cash", "balance_after", "reverses", "settled", "flags", "flagged", "received_at",
	"held", "hold", "findings", "txn_first",
}

// recordValues is a new record's row.
func (a *applier) recordValues(r *row) ([]any, error) {
	rec := r.rec
	t := store.TxnOf(rec, a.pharmacy, a.received, r.flags, r.balanceAfter)
	at, atNs := splitTime(rec.At)
	var findings any // NULL: none
	if len(r.findings) > 0 {
		raw, err := json.Marshal(r.findings)
		if err != nil {
			return nil, fmt.Errorf("record %d: findings: %w", r.seq, err)
		}
		findings = raw
	}
	return []any{
		a.terminal, int64(r.seq), r.hash, r.body, r.kind, cleanText(rec.TxnID), at, atNs, rec.CardNo,
		cleanText(rec.Cashier), a.pharmacy, rec.Total, rec.Account, rec.Cash, r.balanceAfter,
		cleanText(rec.Reverses), t.Settled, r.flags, t.Flagged(), a.received,
		r.held, r.hold, findings, r.first,
	}, nil
}

// write stores the batch's outcome: COPY of the new records, then, in one
// round trip, the flags conflicts added to stored records, the holds of
// stored charges voided, the card counters the new records' proofs used,
// the changed balances and the terminal's chain state.
func (a *applier) write(ctx context.Context) error {
	if len(a.fresh) > 0 {
		_, err := a.tx.CopyFrom(ctx, pgx.Identifier{"records"}, recordColumns,
			pgx.CopyFromSlice(len(a.fresh), func(i int) ([]any, error) { return a.recordValues(a.fresh[i]) }))
		if err != nil {
			return fmt.Errorf("copy records: %w", err)
		}
	}
	b := &pgx.Batch{}
	for _, r := range a.rows {
		if r.reflagged {
			b.Queue("UPDATE records SET flags = $3, flagged = true WHERE terminal = $1 AND seq = $2",
				a.terminal, int64(r.seq), r.flags)
		}
	}
	if len(a.lapsed) > 0 {
		b.Queue("UPDATE records SET hold = $3 WHERE terminal = $1 AND seq = ANY($2) AND hold = ANY($4)",
			a.terminal, a.lapsed, store.HoldVoided, []string{store.HoldHeld, store.HoldDeferred, store.HoldRefusePending})
	}
	if len(a.used) > 0 {
		cards := make([]string, len(a.used))
		ns := make([]int64, len(a.used))
		for i, c := range a.used {
			cards[i], ns[i] = c.card, int64(c.n)
		}
		b.Queue(`INSERT INTO card_counters (card_no, counter, terminal, seq)
			SELECT u.card_no, u.counter, $1, u.seq FROM unnest($2::text[], $3::bigint[], $4::bigint[]) AS u (card_no, counter, seq)`,
			a.terminal, cards, ns, a.usedSeqs)
	}
	if len(a.dirty) > 0 {
		cards := make([]string, 0, len(a.dirty))
		balances := make([]int64, 0, len(a.dirty))
		for c := range a.dirty {
			cards, balances = append(cards, c), append(balances, a.holders[c].Balance)
		}
		b.Queue(`UPDATE accounts AS a SET balance = u.balance
			FROM unnest($1::text[], $2::bigint[]) AS u (card_no, balance) WHERE a.card_no = u.card_no`, cards, balances)
	}
	b.Queue("UPDATE terminals SET acked_seq = $2, last_hash = $3, last_seen = GREATEST(last_seen, $4) WHERE id = $1",
		a.terminal, int64(a.chain.AckedSeq), a.chain.LastHash, nullTime(a.received))
	if err := a.tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	return nil
}
