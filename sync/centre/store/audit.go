package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
)

// AuditEvent is one entry of the centre's audit log (SPEC §11): who did
// what to what, when. The store assigns Seq (1, 2, 3 …), PrevHash (the
// previous event's Hash, "" for the first) and Hash (AuditHash) when it
// appends, so the log is one hash chain: an event edited, removed or
// inserted afterwards breaks it, and VerifyAudit finds where.
type AuditEvent struct {
	Seq      uint64    `json:"seq"`
	At       time.Time `json:"at"`      // the centre's clock, kept to the microsecond
	Actor    string    `json:"actor"`   // the user, or "cli:" and the command for the command line
	Action   string    `json:"action"`  // one of the Audit* actions
	Subject  string    `json:"subject"` // what it was done to: a terminal, a card, a user, a record "T1/42"
	Detail   string    `json:"detail"`  // free text: a note, a filter, counts
	PrevHash string    `json:"prev_hash"`
	Hash     string    `json:"hash"`
}

// Actions of the audit log.
const (
	AuditRuling       = "ruling"        // a supervisor ruled on a hold
	AuditConfirm      = "confirm"       // a second supervisor confirmed a refusal
	AuditPublish      = "publish"       // a rule bundle or blocklist delta published
	AuditImport       = "import"        // accounts imported
	AuditExport       = "export"        // a list exported (CSV)
	AuditReadPersonal = "read_personal" // personal data read (a card's records, look-ups, a sample)
	AuditBlock        = "block"         // cards blocked
	AuditUnblock      = "unblock"       // cards unblocked
	AuditEnrol        = "enrol"         // a terminal enrolled or re-keyed
	AuditRebase       = "rebase"        // a replaced journal rebased
	AuditUserAdd      = "user_add"      // a user created
	AuditUserChange   = "user_change"   // a user's password or role changed
	AuditVoucher      = "voucher"       // an e-voucher issued
)

// AuditFilter selects audit events. Zero fields match everything.
type AuditFilter struct {
	Action   string
	Actor    string
	From, To time.Time // At in [From, To)
	// Before, when not 0, keeps only events with Seq < Before: the next
	// page of a newest-first listing starts before the last Seq shown.
	Before uint64
	Limit  int // 0: a default of 1000
}

func (f AuditFilter) match(e AuditEvent) bool {
	return (f.Action == "" || e.Action == f.Action) &&
		(f.Actor == "" || e.Actor == f.Actor) &&
		(f.From.IsZero() || !e.At.Before(f.From)) &&
		(f.To.IsZero() || e.At.Before(f.To))
}

// AuditBroken is VerifyAudit's error for a chain that does not hold: the
// first event (by Seq) that does not link to the one before it, or does
// not hash to its Hash, or whose Seq is not the one after.
type AuditBroken struct {
	Seq    uint64 `json:"seq"`    // the first event that breaks the chain
	Reason string `json:"reason"` // AuditBadHash, AuditBadLink or AuditGap
}

// Why a chain is broken (AuditBroken.Reason).
const (
	AuditBadHash = "hash"     // the event does not hash to its Hash: edited
	AuditBadLink = "prev"     // its PrevHash is not the previous event's Hash
	AuditGap     = "sequence" // its Seq does not follow the previous one: removed or inserted
)

func (e *AuditBroken) Error() string {
	return fmt.Sprintf("audit log broken at seq %d (%s)", e.Seq, e.Reason)
}

// AuditHash is the hex SHA-256 of e's canonical encoding: Seq, At (UTC,
// RFC 3339 with nanoseconds), Actor, Action, Subject, Detail and PrevHash,
// each as its length (uvarint) and its bytes, so no two events share an
// encoding. Hash itself is not part of it.
func AuditHash(e AuditEvent) string {
	var b []byte
	for _, s := range []string{
		strconv.FormatUint(e.Seq, 10), e.At.UTC().Format(time.RFC3339Nano),
		e.Actor, e.Action, e.Subject, e.Detail, e.PrevHash,
	} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// CheckAudit checks an event to append: At set, Actor and Action names.
// Stores call it before AppendAudit assigns the chain fields.
func CheckAudit(e AuditEvent) error {
	if e.At.IsZero() {
		return errors.New("audit event without a time")
	}
	if err := checkName("actor", e.Actor); err != nil {
		return err
	}
	return checkName("action", e.Action)
}

// ChainAudit returns e as the event after prev (the zero event when the
// log is empty): its Seq, PrevHash and Hash set, At in UTC cut to the
// microsecond (what PostgreSQL keeps, so both stores hash alike).
func ChainAudit(e, prev AuditEvent) AuditEvent {
	e.Seq = prev.Seq + 1
	e.PrevHash = prev.Hash
	e.At = e.At.UTC().Truncate(time.Microsecond)
	e.Hash = AuditHash(e)
	return e
}

// AuditVerifier walks a chain oldest first (VerifyAudit of each store).
type AuditVerifier struct {
	prev AuditEvent
	n    int
}

// Next checks e, the event after the ones seen so far; on a break it
// returns an *AuditBroken.
func (v *AuditVerifier) Next(e AuditEvent) error {
	switch {
	case e.Seq != v.prev.Seq+1:
		return &AuditBroken{Seq: e.Seq, Reason: AuditGap}
	case e.PrevHash != v.prev.Hash:
		return &AuditBroken{Seq: e.Seq, Reason: AuditBadLink}
	case AuditHash(e) != e.Hash:
		return &AuditBroken{Seq: e.Seq, Reason: AuditBadHash}
	}
	v.prev, v.n = e, v.n+1
	return nil
}

// N is how many events verified.
func (v *AuditVerifier) N() int { return v.n }

// bucketAudit holds the audit log: seq (8 bytes, big-endian) → AuditEvent
// JSON. It came after schema 3 without a schema change: an older store
// gets it empty when opened.
var bucketAudit = []byte("audit")

// AppendAudit appends e to the audit log in a write transaction of its
// own, which reads the last event and chains e after it; bbolt's single
// writer keeps concurrent appends one chain.
func (b *Bolt) AppendAudit(ctx context.Context, e AuditEvent) (AuditEvent, error) {
	if err := ctx.Err(); err != nil {
		return AuditEvent{}, fmt.Errorf("audit: %w", err)
	}
	if err := CheckAudit(e); err != nil {
		return AuditEvent{}, fmt.Errorf("audit: %w", err)
	}
	err := b.db.Update(func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucketAudit)
		var prev AuditEvent
		if k, v := bk.Cursor().Last(); k != nil {
			if err := json.Unmarshal(v, &prev); err != nil {
				return fmt.Errorf("last event: %w", err)
			}
		}
		e = ChainAudit(e, prev)
		return putJSON(bk, encodeUint64(e.Seq), e)
	})
	if err != nil {
		return AuditEvent{}, fmt.Errorf("audit %s by %s: %w", e.Action, e.Actor, err)
	}
	return e, nil
}

// Audit lists the events matching f, newest (highest Seq) first, at most
// f.Limit (default 1000).
func (b *Bolt) Audit(ctx context.Context, f AuditFilter) ([]AuditEvent, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = defaultLimit
	}
	out := []AuditEvent{}
	err := b.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketAudit).Cursor()
		var k, v []byte
		if f.Before > 0 {
			k, v = c.Seek(encodeUint64(f.Before))
			if k == nil {
				k, v = c.Last()
			}
			if k != nil && bytes.Compare(k, encodeUint64(f.Before)) >= 0 {
				k, v = c.Prev()
			}
		} else {
			k, v = c.Last()
		}
		for ; k != nil && len(out) < limit; k, v = c.Prev() {
			if err := ctx.Err(); err != nil {
				return err
			}
			var e AuditEvent
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("event %d: %w", decodeUint64(k), err)
			}
			if f.match(e) {
				out = append(out, e)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	return out, nil
}

// VerifyAudit walks the log oldest first and checks each link; it returns
// how many events hold, and for a break an *AuditBroken naming the first
// event that does not. Removing the newest events leaves a chain that
// holds: the count shows it, the chain cannot.
func (b *Bolt) VerifyAudit(ctx context.Context) (int, error) {
	var v AuditVerifier
	err := b.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketAudit).ForEach(func(k, val []byte) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			var e AuditEvent
			if err := json.Unmarshal(val, &e); err != nil {
				return &AuditBroken{Seq: decodeUint64(k), Reason: AuditBadHash}
			}
			if e.Seq != decodeUint64(k) {
				return &AuditBroken{Seq: decodeUint64(k), Reason: AuditGap}
			}
			return v.Next(e)
		})
	})
	var broken *AuditBroken
	if errors.As(err, &broken) {
		return v.N(), broken
	}
	if err != nil {
		return v.N(), fmt.Errorf("verify audit log: %w", err)
	}
	return v.N(), nil
}
