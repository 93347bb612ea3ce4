package ledger

// Codes of the policy comparison (issue 9 §1); not yet wire flags.
const (
	CodeUnknownRulesVersion   = "UNKNOWN_RULES_VERSION"
	CodeDuplicateTxn          = "DUPLICATE_TXN"
	CodePolicyMismatch        = "POLICY_MISMATCH"
	CodeOfflinePartialHistory = "OFFLINE_PARTIAL_HISTORY"
)

// whole lists the codes that hold all of a charge's account money: the
// record cannot be trusted at all, or the card may not be charged.
var whole = map[string]bool{
	"BLOCKED_AT_SYNC":       true,
	CodeBadArithmetic:       true,
	CodeUnknownRulesVersion: true,
	CodeFutureDated:         true,
	CodeBackdated:           true,
	CodeDuplicateTxn:        true,
	CodeCardProofMissing:    true,
	CodeCardProofInvalid:    true,
	CodeCardCounterReplay:   true,
	CodeCardDataMismatch:    true,
}

// HeldAmount is how much of a charge's account money (fen) the centre does not
// allow until a ruling (issue 9 §2), given the codes found:
//
//   - everything, for any code in whole;
//   - otherwise the largest of: the record's account minus what the
//     centre's own evaluation allows (allowed, for POLICY_MISMATCH and
//     OFFLINE_PARTIAL_HISTORY), and the excess over balance (OVERDRAFT),
//     counted on what is left after the policy part.
//
// The result is within 0..account. Pure.
func HeldAmount(account, balance, allowed int64, codes []string) int64 {
	if account <= 0 {
		return 0
	}
	held := int64(0)
	for _, c := range codes {
		if whole[c] {
			return account
		}
		if c == CodePolicyMismatch || c == CodeOfflinePartialHistory {
			held = max(held, account-max(allowed, 0))
		}
	}
	for _, c := range codes {
		if c == "OVERDRAFT" {
			rest := account - held
			held += max(0, rest-max(balance, 0))
		}
	}
	return min(max(held, 0), account)
}
