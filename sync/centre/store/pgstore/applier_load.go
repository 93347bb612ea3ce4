package pgstore

import (
	"context"
	"encoding/json"
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
func newApplier(ctx context.Context, tx pgx.Tx, terminal string, entries []wire.Entry, j store.Judging) (*applier, error) {
	a := &applier{
		tx: tx, terminal: terminal, received: j.ReceivedAt, judging: j,
		rows: map[uint64]*row{}, holders: map[string]*policy.Holder{},
		dirty: map[string]bool{}, voided: map[string]bool{}, charges: map[string]chargeRef{},
		history: map[string][]purchase{}, bundles: map[int64]*policy.Bundle{}, counters: map[counter]uint64{},
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
// locks them in, so terminals sharing cards cannot deadlock), which of the
// txn ids the new voids reverse have a stored void, the terminal's first
// charges of the txn ids the new records carry or reverse, and, after the
// locks, the stored history of the cards whose charges the rules judge
// and the stored uses of the counters of the new charges' verified card
// proofs.
func (a *applier) loadAccounts(ctx context.Context) error {
	var cards, reverses, txnIDs []string
	var proven []counter
	windows := map[string]window{}
	for _, r := range a.fresh {
		rec := r.rec
		if !ledger.Moves(rec.Kind) {
			continue
		}
		p, err := store.CheckVoucherProof(ctx, a, a.terminal, rec, ledger.CheckPresence(rec, a.judging.IssuerKey))
		if err != nil {
			return err
		}
		if r.presence = p; p.Verified() {
			proven = append(proven, counter{card: cleanText(rec.CardNo), n: r.presence.Counter})
		}
		if rec.CardNo != "" {
			cards = append(cards, rec.CardNo)
		}
		txnIDs = append(txnIDs, cleanText(rec.TxnID))
		if rec.Kind == wire.KindVoid {
			reverses = append(reverses, cleanText(rec.Reverses))
		}
		if a.judged(rec) && rec.CardNo != "" && storable(rec.CardNo) {
			windows[rec.CardNo] = windows[rec.CardNo].widen(a.judging.HistoryFrom(rec.At), a.judging.HistoryTo(rec.At))
		}
	}
	b := &pgx.Batch{}
	a.queueHolders(b, cards)
	a.queueVoided(b, reverses)
	a.queueCharges(b, append(txnIDs, reverses...))
	a.queueHistory(b, windows)
	a.queueCounters(b, proven)
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

// queueCharges reads this terminal's first stored charges of txn ids: the
// ones voids match, and whose presence makes a txn_id a repeat. An
// accepted hold was taken from the account: a void refunds all of it.
func (a *applier) queueCharges(b *pgx.Batch, txnIDs []string) {
	if len(txnIDs) == 0 {
		return
	}
	b.Queue(`SELECT txn_id, card_no, account, CASE WHEN hold = 'accepted' THEN 0 ELSE held END, at, at_ns, seq
		FROM records WHERE terminal = $1 AND txn_first AND txn_id = ANY($2)`,
		a.terminal, txnIDs).Query(func(rows pgx.Rows) error {
		var (
			id   string
			ref  chargeRef
			at   time.Time
			atNs int16
			seq  int64
		)
		_, err := pgx.ForEachRow(rows, []any{&id, &ref.cardNo, &ref.account, &ref.held, &at, &atNs, &seq}, func() error {
			ref.at, ref.seq = joinTime(at, atNs), uint64(seq)
			a.charges[id] = ref
			return nil
		})
		return err
	})
}

// window is the span of a card's stored history the batch's judged
// charges need: At in [from, to).
type window struct{ from, to time.Time }

// widen makes w cover [from, to) too.
func (w window) widen(from, to time.Time) window {
	if w.from.IsZero() || from.Before(w.from) {
		w.from = from
	}
	if to.After(w.to) {
		w.to = to
	}
	return w
}

// queueHistory reads the stored charges of the cards in windows that count
// in a card's history (ledger.JudgeInput): not voided, and no hold
// awaiting a ruling or refused. Queued after the account locks, it sees
// every batch that touched these cards before this one. The bounds are
// whole microseconds, wider than the windows: history picks each record's
// own span.
func (a *applier) queueHistory(b *pgx.Batch, windows map[string]window) {
	if len(windows) == 0 {
		return
	}
	cards := make([]string, 0, len(windows))
	froms := make([]time.Time, 0, len(windows))
	tos := make([]time.Time, 0, len(windows))
	for c, w := range windows {
		a.history[c] = nil
		from, _ := splitTime(w.from)
		to, _ := splitTime(w.to)
		cards, froms, tos = append(cards, c), append(froms, from), append(tos, to)
	}
	b.Queue(`SELECT r.card_no, r.terminal, r.seq, r.txn_id, r.pharmacy, r.body
		FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[]) AS w (card_no, from_at, to_at)
		JOIN records r ON r.card_no = w.card_no AND r.at >= w.from_at AND r.at <= w.to_at
		WHERE r.kind = 'charge' AND r.txn_first AND r.hold NOT IN ('held', 'deferred', 'refuse_pending', 'refused')
		AND NOT EXISTS (SELECT 1 FROM records v WHERE v.terminal = r.terminal AND v.kind = 'void'
			AND v.reverses = r.txn_id AND NOT ($4 = ANY(v.flags)))
		ORDER BY r.at, r.at_ns, r.terminal, r.seq`,
		cards, froms, tos, wire.FlagVoidUnmatched).Query(func(rows pgx.Rows) error {
		var (
			card, pharmacy string
			p              purchase
			seq            int64
			body           []byte
		)
		_, err := pgx.ForEachRow(rows, []any{&card, &p.terminal, &seq, &p.txnID, &pharmacy, &body}, func() error {
			var rec wire.Record
			if err := json.Unmarshal(body, &rec); err != nil {
				return fmt.Errorf("stored record %s/%d: %w", p.terminal, seq, err)
			}
			p.p, p.seq = rec.Purchase(pharmacy), uint64(seq)
			a.history[card] = append(a.history[card], p)
			return nil
		})
		return err
	})
}

// queueCounters reads which records stored at the centre used counters.
// Queued after the account locks, it sees every batch that charged these
// cards before this one; two batches charging a card the centre has no
// account for may still race, and the second then fails on the unique
// key and is applied again when its terminal resends it.
func (a *applier) queueCounters(b *pgx.Batch, cs []counter) {
	if len(cs) == 0 {
		return
	}
	cards := make([]string, len(cs))
	ns := make([]int64, len(cs))
	for i, c := range cs {
		cards[i], ns[i] = c.card, int64(c.n)
	}
	b.Queue(`SELECT c.card_no, c.counter, c.terminal, c.seq
		FROM unnest($1::text[], $2::bigint[]) AS u (card_no, counter)
		JOIN card_counters c ON c.card_no = u.card_no AND c.counter = u.counter`,
		cards, ns).Query(func(rows pgx.Rows) error {
		var (
			card, terminal string
			n, seq         int64
		)
		_, err := pgx.ForEachRow(rows, []any{&card, &n, &terminal, &seq}, func() error {
			owner := uint64(0)
			if terminal == a.terminal {
				owner = uint64(seq)
			}
			a.counters[counter{card: card, n: uint64(n)}] = owner
			return nil
		})
		return err
	})
}

// counterUsed reports whether a record other than this terminal's seq
// used c: stored, or earlier in this batch.
func (a *applier) counterUsed(c counter, seq uint64) bool {
	owner, found := a.counters[c]
	return found && owner != seq
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

// judged reports whether the rules re-judge rec: a charge naming a
// published rules version, when the centre runs the rules at all.
func (a *applier) judged(rec wire.Record) bool {
	return rec.Kind == wire.KindCharge && a.judging.Bundle != nil && a.bundle(rec.RulesVersion) != nil
}

// bundle returns the published bundle of a version, asked of the centre
// once per Apply; nil when it was never published.
func (a *applier) bundle(version int64) *policy.Bundle {
	b, ok := a.bundles[version]
	if !ok {
		b = a.judging.Bundle(version)
		a.bundles[version] = b
	}
	return b
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
