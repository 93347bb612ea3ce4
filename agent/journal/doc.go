// Package journal owns the terminal's durable memory: one bbolt file holding
// every decision and charge as a hash-chained wire.Entry, the outbox cursor
// the sync client moves, the indexes the agent looks records up by, and a
// small key/value state area. It decides nothing: the agent says what
// happened, the journal makes it durable and answers questions about it.
//
// Every write is one bbolt Update, which fsyncs on commit, so a record that
// Append returned is on disk through kill -9 and power loss. A failed write
// (a full disk, say) rolls the transaction back; the cached counters are
// only moved after a successful commit, so memory always matches the file.
//
// # Bucket layout
//
// Integers are 8-byte big-endian, so keys sort by value. A time key is the
// Unix nanosecond count with its sign bit flipped, so it sorts by time. A
// card prefix is the card number's length (2 bytes) followed by its bytes.
//
//	meta     "format" → "1"; "terminal" → id; "last_seq" → seq;
//	         "last_hash" → hex hash; "acked" → seq (the outbox cursor)
//	entries  seq → 64-char hex hash followed by the body (the record's JSON)
//	txn      txn_id → seq                    charges and voids
//	idem     idempotency key → seq           charges with a key
//	voided   charge txn_id → seq of its void
//	card     card prefix + time + seq → kind byte ('c' or 'v')
//	time     time + seq → kind byte ('c', 'v' or 'r')   charges, voids, refusals
//	sum      seq → running terminal exposure in fen after that record
//	cardsum  card prefix + seq → running exposure of that card after it
//	answers  idempotency key → the JSON answer given to the POS
//	state    key → value (active bundle, blocklist, account cache, ...)
//
// The running sums add a charge's account fen and subtract a void's, so the
// exposure not yet acknowledged by the centre is the sum at the last record
// minus the sum at the acked seq: two cursor seeks, whatever the backlog.
package journal
