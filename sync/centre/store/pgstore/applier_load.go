package pgstore

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"posagent/policy"
	"posagent/sync/centre/ledger"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

// newApplier locks the terminal's row for the transaction (Apply
// transactions of one terminal queue here), reads its chain state and,
// in the same round trip, the stored records at the batch's seqs.
func newApplier(ctx context.Context, tx pgx.Tx, terminal string, entries []wire.Entry, received time.Time) (*applier, error) {
	a := &applier{
		tx: tx, terminal: terminal, received: received,
		rows: map[uint64]*row{}, holders: map[string]*policy.Holder{},
		dirty: map[string]bool{}, voided: map[string]bool{}, charges: map[string]chargeRef{},
	}
	var acked int64
	found := false
	b := &pgx.Batch{}
	b.Queue("SELECT pharmacy, acked_seq, last_hash FROM terminals WHERE id = $1 FOR NO KEY UPDATE", terminal).
		Query(func(rows pgx.Rows) error {
			_, err := pgx.ForEachRow(rows, []any{&a.pharmacy, &acked, &a.chain.LastHash}, func() error {
				found = true
				return nil
			})
			return err
		})
	a.queueRows(b, entries)
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return nil, fmt.Errorf("terminal: %w", err)
	}
	if !found {
		return nil, fmt.Errorf("terminal: %w", store.ErrNotFound)
	}
	a.chain.AckedSeq = uint64(acked)
	return a, nil
}

// queueRows reads the stored records at the entries' seqs (there are none
// past the terminal's acked seq).
func (a *applier) queueRows(b *pgx.Batch, entries []wire.Entry) {
	seqs := make([]int64, 0, len(entries))
	for _, e := range entries {
		if e.Seq != 0 && e.Seq <= math.MaxInt64 {
			seqs = append(seqs, int64(e.Seq))
		}
	}
	if len(seqs) == 0 {
		return
	}
	b.Queue("SELECT seq, hash, kind, balance_after, flags, body FROM records WHERE terminal = $1 AND seq = ANY($2)",
		a.terminal, seqs).Query(func(rows pgx.Rows) error {
		var r row
		var seq int64
		_, err := pgx.ForEachRow(rows, []any{&seq, &r.hash, &r.kind, &r.balanceAfter, &r.flags, &r.body}, func() error {
			stored := r
			stored.seq, stored.stored = uint64(seq), true
			a.rows[stored.seq] = &stored
			r = row{} // the next row's slices must not share these
			return nil
		})
		return err
	})
}

// loadAccounts reads, in one round trip, the accounts of the cards the new
// charges and voids name (locked, in card order: the order every Apply
// locks them in, so terminals sharing cards cannot deadlock) and which of
// the txn ids the new voids reverse have a stored void.
func (a *applier) loadAccounts(ctx context.Context) error {
	var cards, reverses []string
	for _, r := range a.fresh {
		if !ledger.Moves(r.rec.Kind) {
			continue
		}
		if r.rec.CardNo != "" {
			cards = append(cards, r.rec.CardNo)
		}
		if r.rec.Kind == wire.KindVoid {
			reverses = append(reverses, cleanText(r.rec.Reverses))
		}
	}
	b := &pgx.Batch{}
	a.queueHolders(b, cards)
	a.queueVoided(b, reverses)
	a.queueCharges(b, reverses)
	if b.Len() == 0 {
		return nil
	}
	if err := a.tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("accounts: %w", err)
	}
	return nil
}

// queueHolders reads and locks the accounts of cards.
func (a *applier) queueHolders(b *pgx.Batch, cards []string) {
	if len(cards) == 0 {
		return
	}
	slices.Sort(cards)
	cards = slices.Compact(cards)
	for _, c := range cards {
		a.holders[c] = nil
	}
	b.Queue(holderLockQuery, cards).Query(a.collectHolders)
}

// holderLockQuery reads and locks accounts, in card order.
const holderLockQuery = `SELECT card_no, person_id, name, status, balance, diseases, pharmacy, blocked
	FROM accounts WHERE card_no = ANY($1) ORDER BY card_no FOR NO KEY UPDATE`

func (a *applier) collectHolders(rows pgx.Rows) error {
	hs, err := pgx.CollectRows(rows, scanHolder)
	for _, h := range hs {
		a.holders[h.CardNo] = &h
	}
	return err
}

// queueCharges reads this terminal's stored charges the new voids name.
func (a *applier) queueCharges(b *pgx.Batch, txnIDs []string) {
	if len(txnIDs) == 0 {
		return
	}
	b.Queue("SELECT txn_id, card_no, account FROM records WHERE terminal = $1 AND kind = 'charge' AND txn_id = ANY($2)",
		a.terminal, txnIDs).Query(func(rows pgx.Rows) error {
		var id string
		var ref chargeRef
		_, err := pgx.ForEachRow(rows, []any{&id, &ref.cardNo, &ref.account}, func() error {
			a.charges[id] = ref
			return nil
		})
		return err
	})
}

// queueVoided finds which of the txn ids a stored void reverses.
func (a *applier) queueVoided(b *pgx.Batch, txnIDs []string) {
	if len(txnIDs) == 0 {
		return
	}
	for _, id := range txnIDs {
		a.voided[id] = false
	}
	// Only a void that refunded its charge makes it voided.
	b.Queue("SELECT DISTINCT reverses FROM records WHERE terminal = $1 AND kind = 'void' AND reverses = ANY($2) AND NOT ($3 = ANY(flags))",
		a.terminal, txnIDs, wire.FlagVoidUnmatched).Query(func(rows pgx.Rows) error {
		var id string
		_, err := pgx.ForEachRow(rows, []any{&id}, func() error {
			a.voided[id] = true
			return nil
		})
		return err
	})
}

// holder returns the account of a card loadAccounts read; nil when the
// centre has none.
func (a *applier) holder(cardNo string) (*policy.Holder, error) {
	h, ok := a.holders[cardNo]
	if !ok && cardNo != "" {
		return nil, fmt.Errorf("account %s was not read", cardNo) // a bug here, not bad data
	}
	return h, nil
}

// isVoided reports whether a void of the txn id is stored or applied in
// this batch, as loadAccounts found and settle since noted.
func (a *applier) isVoided(txnID string) (bool, error) {
	v, ok := a.voided[txnID]
	if !ok {
		return false, fmt.Errorf("voids of %q were not read", txnID) // a bug here, not bad data
	}
	return v, nil
}
