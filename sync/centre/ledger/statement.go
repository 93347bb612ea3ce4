package ledger

import "posagent/sync/wire"

// Entry is what a settlement statement reads of one stored record: a
// charge or a void as the store gives it (store.Txn), with the hold the
// charge has now.
type Entry struct {
	Terminal string
	TxnID    string
	Kind     string   // wire.KindCharge or wire.KindVoid; others are ignored
	Reverses string   // a void's charge (txn_id of the same terminal)
	Account  int64    // fen the record says it took from (or gave back to) the account
	Held     int64    // a charge's part the centre did not allow (SPEC §9)
	Hold     string   // "" or a hold state (HoldHeld, HoldDeferred, ...)
	Flags    []string // the centre's flags
}

// Statement is the monthly settlement (清算) of SPEC §11, amounts in fen.
type Statement struct {
	Charges  int   `json:"charges"`  // charge records counted
	Voids    int   `json:"voids"`    // void records counted, refunding or not
	Claimed  int64 `json:"claimed"`  // sum of the charges' account amounts
	Applied  int64 `json:"applied"`  // taken from the accounts for the charges
	Held     int64 `json:"held"`     // held parts awaiting a ruling (refusals awaiting confirmation included)
	Refused  int64 `json:"refused"`  // held parts refused (拒付)
	Deferred int64 `json:"deferred"` // held parts deferred (缓付), still awaiting a ruling
	Refunded int64 `json:"refunded"` // given back to the accounts by voids
	Payable  int64 `json:"payable"`  // Applied − Refunded: owed to the pharmacy
}

// Add adds o's counts and amounts to s.
func (s *Statement) Add(o Statement) {
	s.Charges += o.Charges
	s.Voids += o.Voids
	s.Claimed += o.Claimed
	s.Applied += o.Applied
	s.Held += o.Held
	s.Refused += o.Refused
	s.Deferred += o.Deferred
	s.Refunded += o.Refunded
	s.Payable += o.Payable
}

// SettleMonth is the statement of a pharmacy's records of a period
// (normally a month), given as the store has them now, rulings included:
//
//   - Claimed is the sum of the charges' account amounts;
//   - Held is the sum of the held parts of charges whose hold is still
//     "held" (awaiting a ruling) or "refuse_pending" (a refusal awaiting a
//     second supervisor: it has not taken effect);
//   - Refused is the sum of the held parts of charges whose hold was
//     "refused" (拒付: never taken, never payable);
//   - Deferred is the sum of the held parts of charges whose hold is
//     "deferred" (缓付: still held, awaiting a later ruling), not in Held;
//   - Applied is Claimed − Held − Refused − Deferred − the held parts of charges whose
//     hold is "voided" (the charge was voided before a ruling, so its held
//     part was never taken). An "accepted" hold counts whole in Applied:
//     the held part was taken and became payable;
//   - Refunded is what voids gave back to the accounts: for each void not
//     flagged VOID_UNMATCHED, VOID_REPEATED or BLOCKED_AT_SYNC (those
//     refund nothing), its account amount less the part of its charge
//     that was never taken (the held part of a charge now "held",
//     "deferred", "refuse_pending", "refused" or "voided"; nothing of an
//     "accepted" one). A void whose
//     charge is not among entries is taken to refund its whole amount;
//   - Payable is Applied − Refunded; a voided charge nets to 0.
//
// Records of other kinds (quotes, refusals) are ignored. Pure.
func SettleMonth(entries []Entry) Statement {
	type key struct{ terminal, txnID string }
	charges := map[key]Entry{}
	var s Statement
	for _, e := range entries {
		if e.Kind != wire.KindCharge {
			continue
		}
		if k := (key{e.Terminal, e.TxnID}); e.TxnID != "" {
			if _, ok := charges[k]; !ok { // only the first charge of a txn_id can be voided
				charges[k] = e
			}
		}
		s.Charges++
		s.Claimed += e.Account
		switch e.Hold {
		case HoldHeld, HoldRefusePending:
			s.Held += e.Held
		case HoldDeferred:
			s.Deferred += e.Held
		case HoldRefused:
			s.Refused += e.Held
		}
		s.Applied += e.Account - untaken(e)
	}
	for _, e := range entries {
		if e.Kind != wire.KindVoid {
			continue
		}
		s.Voids++
		if refusedVoid(e.Flags) {
			continue
		}
		refund := e.Account
		if c, ok := charges[key{e.Terminal, e.Reverses}]; ok {
			refund -= min(untaken(c), refund)
		}
		s.Refunded += refund
	}
	s.Payable = s.Applied - s.Refunded
	return s
}

// untaken is the part of a charge's account amount never taken from the
// account: its held part, unless a supervisor accepted it.
func untaken(c Entry) int64 {
	switch c.Hold {
	case HoldHeld, HoldDeferred, HoldRefusePending, HoldRefused, HoldVoided:
		return min(max(c.Held, 0), c.Account)
	}
	return 0
}

// refusedVoid reports whether a void's flags say it refunded nothing.
func refusedVoid(flags []string) bool {
	for _, f := range flags {
		switch f {
		case wire.FlagVoidUnmatched, wire.FlagVoidRepeated, wire.FlagBlockedAtSync:
			return true
		}
	}
	return false
}
