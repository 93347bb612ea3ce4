package pgstore

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// A migration moves the schema one version forward. Migrations only ever
// get appended; one that has shipped is never edited.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations, in version order from 1.
var migrations = []migration{
	{1, "accounts, terminals, users, signed documents, records", schemaV1},
	{2, "daily reconciliations", schemaV2},
	{3, "charges by txn_id, for checking voids", schemaV3},
	{4, "holds and findings of the centre's judgement", schemaV4},
	{5, "the log of account look-ups", schemaV5},
	{6, "JOURNAL_REPLACED marks and rebases of terminals", schemaV6},
	{7, "card transaction counters used by verified card proofs", schemaV7},
	{8, "e-vouchers, and their redemptions in the look-up log", schemaV8},
	{9, "whether a logged look-up was proven by the card", schemaV9},
	{10, "supervisors' rulings: deferred and pending-refusal holds, the ruling history", schemaV10},
	{11, "the append-only, hash-chained audit log", schemaV11},
}

// migrateLock is the advisory lock key that serialises migrations of one
// database by several centres starting at once ("posagent" in ASCII).
const migrateLock = 0x706f736167656e74

// migrate brings the schema to the latest version in one transaction:
// schema_version records each version applied. It is idempotent, and it
// refuses a schema newer than this build knows.
func migrate(ctx context.Context, c *pgx.Conn) error {
	return migrateTo(ctx, c, migrations)
}

// migrateTo applies the migrations ms, the first len(ms) versions.
func migrateTo(ctx context.Context, c *pgx.Conn, ms []migration) error {
	return pgx.BeginFunc(ctx, c, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(migrateLock)); err != nil {
			return fmt.Errorf("migration lock: %w", err)
		}
		_, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_version (
			version    integer PRIMARY KEY,
			name       text NOT NULL,
			applied_at timestamptz NOT NULL DEFAULT now())`)
		if err != nil {
			return fmt.Errorf("schema_version table: %w", err)
		}
		var current int
		if err := tx.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM schema_version").Scan(&current); err != nil {
			return fmt.Errorf("schema version: %w", err)
		}
		if latest := len(ms); current > latest {
			return fmt.Errorf("database schema %d, this build reads up to %d", current, latest)
		}
		for _, m := range ms[current:] {
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return fmt.Errorf("migration %d (%s): %w", m.version, m.name, err)
			}
			if _, err := tx.Exec(ctx, "INSERT INTO schema_version (version, name) VALUES ($1, $2)", m.version, m.name); err != nil {
				return fmt.Errorf("migration %d: %w", m.version, err)
			}
		}
		return nil
	})
}

// schemaV1 is the first schema. Money is bigint fen. Names compare
// byte-wise (COLLATE "C"), as the embedded store's keys do. Records keep
// the entry body exactly as the terminal sent it (hash and body can be
// checked again at any time); the other columns are what filters, indexes
// and reports need, decided once when the record was applied.
const schemaV1 = `
CREATE TABLE accounts (
	card_no   text COLLATE "C" PRIMARY KEY,
	person_id text NOT NULL,
	name      text NOT NULL,
	status    text NOT NULL,
	balance   bigint NOT NULL,
	diseases  text[] NOT NULL,
	pharmacy  text NOT NULL,
	blocked   boolean NOT NULL
);

CREATE TABLE terminals (
	id                text COLLATE "C" PRIMARY KEY,
	pharmacy          text COLLATE "C" NOT NULL,
	token_hash        text NOT NULL,
	enrolled_at       timestamptz,
	acked_seq         bigint NOT NULL CHECK (acked_seq >= 0),
	last_hash         text NOT NULL,
	last_seen         timestamptz,
	rules_version     bigint NOT NULL,
	rules_error       text NOT NULL,
	blocklist_version bigint NOT NULL
);

CREATE TABLE users (
	name          text COLLATE "C" PRIMARY KEY,
	role          text NOT NULL CHECK (role IN ('supervisor', 'admin')),
	password_hash bytea
);

CREATE TABLE signed (
	kind      text COLLATE "C" NOT NULL,
	version   bigint NOT NULL CHECK (version > 0),
	issued_at timestamptz NOT NULL,
	issued_ns smallint NOT NULL CHECK (issued_ns BETWEEN 0 AND 999),
	payload   bytea,
	signature bytea,
	PRIMARY KEY (kind, version)
);

CREATE TABLE records (
	terminal      text COLLATE "C" NOT NULL REFERENCES terminals (id),
	seq           bigint NOT NULL CHECK (seq > 0),
	hash          text NOT NULL,
	body          bytea NOT NULL,
	kind          text COLLATE "C" NOT NULL,
	txn_id        text COLLATE "C" NOT NULL,
	at            timestamptz NOT NULL,
	at_ns         smallint NOT NULL CHECK (at_ns BETWEEN 0 AND 999),
	card_no       text COLLATE "C" NOT NULL,
	cashier       text NOT NULL,
	pharmacy      text COLLATE "C" NOT NULL,
	total         bigint NOT NULL,
	account       bigint NOT NULL,
	cash          bigint NOT NULL,
	balance_after bigint NOT NULL,
	reverses      text COLLATE "C" NOT NULL,
	settled       text NOT NULL,
	flags         text[] NOT NULL,
	flagged       boolean NOT NULL,
	received_at   timestamptz NOT NULL,
	PRIMARY KEY (terminal, seq)
);

CREATE INDEX records_by_time     ON records (at, at_ns, terminal, seq);
CREATE INDEX records_by_card     ON records (card_no, at, at_ns, terminal, seq);
CREATE INDEX records_by_pharmacy ON records (pharmacy, at, at_ns, terminal, seq);
CREATE INDEX records_by_terminal ON records (terminal, at, at_ns, seq);
CREATE INDEX records_flagged     ON records (at, at_ns, terminal, seq) WHERE flagged;
CREATE INDEX records_voids       ON records (terminal, reverses) WHERE kind = 'void';
`

// schemaV2 adds the daily reconciliations. day is the ISO date as text
// (it sorts as it reads); the summaries are JSON exactly as compared.
const schemaV2 = `
CREATE TABLE reconciliations (
	day         text COLLATE "C" NOT NULL,
	terminal    text COLLATE "C" NOT NULL,
	pharmacy    text COLLATE "C" NOT NULL,
	match       boolean NOT NULL,
	differences text[],
	agent       json NOT NULL,
	centre      json NOT NULL,
	at          timestamptz NOT NULL,
	PRIMARY KEY (day, terminal)
);

CREATE INDEX reconciliations_mismatched ON reconciliations (day, terminal) WHERE NOT match;
`

// schemaV3 indexes each terminal's charges by txn_id: a void is checked
// against the charge it names before it refunds anything.
const schemaV3 = `
CREATE INDEX records_charges ON records (terminal, txn_id) WHERE kind = 'charge';
`

// schemaV4 keeps the centre's judgement of each record (SPEC §9): the
// part of a charge's account amount it holds and what became of the hold,
// its findings with their evidence, and which charge of a txn_id voids
// match (the first one applied; for the charges stored before, the lowest
// seq).
const schemaV4 = `
ALTER TABLE records
	ADD COLUMN held      bigint NOT NULL DEFAULT 0,
	ADD COLUMN hold      text NOT NULL DEFAULT '' CHECK (hold IN ('', 'held', 'accepted', 'refused', 'voided')),
	ADD COLUMN findings  jsonb,
	ADD COLUMN txn_first boolean NOT NULL DEFAULT false CHECK (NOT txn_first OR kind = 'charge');

UPDATE records AS r SET txn_first = true
	FROM (SELECT DISTINCT ON (terminal, txn_id) terminal, seq FROM records
		WHERE kind = 'charge' ORDER BY terminal, txn_id, seq) AS f
	WHERE r.terminal = f.terminal AND r.seq = f.seq;

CREATE UNIQUE INDEX records_txn_first ON records (terminal, txn_id) WHERE txn_first;
CREATE INDEX records_held ON records (at, at_ns, terminal, seq) WHERE hold = 'held';
`

// schemaV5 logs every account look-up a terminal asked for (SPEC §9).
// Whether a sale followed is not stored: Lookups works it out from
// records (records_by_card) when listing.
const schemaV5 = `
CREATE TABLE lookups (
	id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	terminal text COLLATE "C" NOT NULL,
	pharmacy text COLLATE "C" NOT NULL,
	card_no  text COLLATE "C" NOT NULL,
	at       timestamptz NOT NULL,
	at_ns    smallint NOT NULL CHECK (at_ns BETWEEN 0 AND 999),
	found    boolean NOT NULL,
	refused  boolean NOT NULL
);

CREATE INDEX lookups_by_time     ON lookups (at, at_ns, id);
CREATE INDEX lookups_by_terminal ON lookups (terminal, at, at_ns, id);
CREATE INDEX lookups_by_pharmacy ON lookups (pharmacy, at, at_ns, id);
CREATE INDEX lookups_by_card     ON lookups (card_no, at, at_ns, id);
`

// schemaV6 keeps a terminal's JOURNAL_REPLACED mark and its rebase
// (store.JournalMark, as JSON; NULL when none was ever seen).
const schemaV6 = `
ALTER TABLE terminals ADD COLUMN journal jsonb;
`

// schemaV7 keeps every card transaction counter a verified card proof
// used (SPEC §10), with the record that used it: a (card, counter) used
// twice is CARD_COUNTER_REPLAY. The counter's 64 bits are stored as a
// bigint (counters past 2^63 read negative; the key is what matters).
const schemaV7 = `
CREATE TABLE card_counters (
	card_no  text COLLATE "C" NOT NULL,
	counter  bigint NOT NULL,
	terminal text COLLATE "C" NOT NULL,
	seq      bigint NOT NULL,
	PRIMARY KEY (card_no, counter),
	FOREIGN KEY (terminal, seq) REFERENCES records (terminal, seq)
);
`

// schemaV8 keeps the e-vouchers the centre issued (SPEC §10): the
// card each stands for, its lifetime, the terminal that redeemed it and
// the record that used it as proof; and lets the look-up log hold
// redemption attempts too (kind 'voucher', the token tried, the refusal's
// code).
const schemaV8 = `
CREATE TABLE vouchers (
	token       text COLLATE "C" PRIMARY KEY,
	card_no     text COLLATE "C" NOT NULL,
	issued_at   timestamptz NOT NULL,
	expires_at  timestamptz NOT NULL CHECK (expires_at > issued_at),
	redeemed_by text COLLATE "C",
	redeemed_at timestamptz,
	used_by     text COLLATE "C",
	used_seq    bigint,
	CHECK ((redeemed_by IS NULL) = (redeemed_at IS NULL)),
	CHECK ((used_by IS NULL) = (used_seq IS NULL)),
	CHECK (used_by IS NULL OR redeemed_by IS NOT NULL)
);

CREATE INDEX vouchers_by_card ON vouchers (card_no, issued_at);

ALTER TABLE lookups
	ADD COLUMN kind  text NOT NULL DEFAULT '' CHECK (kind IN ('', 'voucher')),
	ADD COLUMN token text NOT NULL DEFAULT '',
	ADD COLUMN code  text NOT NULL DEFAULT '';
`

// schemaV9 marks the look-ups that carried a valid proof that the card
// was at the counter (SPEC §9, §10).
const schemaV9 = `
ALTER TABLE lookups ADD COLUMN proven boolean NOT NULL DEFAULT false;
`

// schemaV10 lets a hold be deferred (缓付) or a refusal await a second
// supervisor (both still held), and keeps each record's ruling history:
// ordinal counts a record's rulings from 1.
const schemaV10 = `
ALTER TABLE records DROP CONSTRAINT records_hold_check;
ALTER TABLE records ADD CONSTRAINT records_hold_check
	CHECK (hold IN ('', 'held', 'deferred', 'refuse_pending', 'accepted', 'refused', 'voided'));
DROP INDEX records_held;
CREATE INDEX records_held ON records (at, at_ns, terminal, seq) WHERE hold IN ('held', 'deferred', 'refuse_pending');

CREATE TABLE rulings (
	terminal text COLLATE "C" NOT NULL,
	seq      bigint NOT NULL,
	ordinal  integer NOT NULL CHECK (ordinal > 0),
	action   text NOT NULL CHECK (action IN ('accept', 'refuse', 'defer', 'confirm')),
	by_user  text NOT NULL,
	note     text NOT NULL,
	at       timestamptz NOT NULL,
	state    text NOT NULL,
	PRIMARY KEY (terminal, seq, ordinal),
	FOREIGN KEY (terminal, seq) REFERENCES records (terminal, seq)
);
`

// schemaV11 keeps the audit log (SPEC §11), one hash chain by seq
// (store.AuditHash). Rows are only ever inserted: a trigger refuses
// UPDATE, DELETE and TRUNCATE, so changing the log takes an owner who
// drops or disables the trigger first — and VerifyAudit still finds the
// change.
const schemaV11 = `
CREATE TABLE audit_log (
	seq       bigint PRIMARY KEY CHECK (seq > 0),
	at        timestamptz NOT NULL,
	actor     text NOT NULL,
	action    text NOT NULL,
	subject   text NOT NULL,
	detail    text NOT NULL,
	prev_hash text NOT NULL,
	hash      text NOT NULL
);

CREATE INDEX audit_log_by_action ON audit_log (action, seq);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'audit_log is append-only';
END
$$;

CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
	FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
	FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
`
