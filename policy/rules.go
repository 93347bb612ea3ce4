package policy

import "time"

// Rules are the region's rule settings (SPEC §7 rules JSON). The JSON names
// are the keys of the file. The zero value is not useful: start from
// DefaultRules or ParseRules. See docs/RULES.md for what each rule does.
type Rules struct {
	// ForbiddenCategories are never paid from the account.
	ForbiddenCategories []string `json:"forbidden_categories"`
	// PerTxnCap is the reference cap (fen) that SPLIT_STRUCTURING watches
	// amounts just under; 0 turns that check off.
	PerTxnCap int64 `json:"per_txn_cap"`
	// DailyCount is how many earlier purchases a card may have on one day
	// before the next is SPLIT_DAILY_COUNT; 0 = off.
	DailyCount int64 `json:"daily_count"`
	// DailyAmount is the most a card may pay from the account on one day
	// (fen) before SPLIT_DAILY_AMOUNT; 0 = off.
	DailyAmount int64 `json:"daily_amount"`
	// StructuringRatioBP is the lower edge of the "just under the cap" band,
	// as a share of PerTxnCap in basis points.
	StructuringRatioBP int64 `json:"structuring_ratio_bp"`
	// StructuringCount is how many purchases in the band on one day trip
	// SPLIT_STRUCTURING; 0 = off.
	StructuringCount int64 `json:"structuring_count"`
	// HoardingCards is how many distinct cards at one terminal within
	// HoardingWindowMin minutes trip CARD_HOARDING; 0 = off.
	HoardingCards     int64 `json:"hoarding_cards"`
	HoardingWindowMin int64 `json:"hoarding_window_min"`
	// BusinessHours is "HH:MM-HH:MM" local time; a range may cross
	// midnight; equal ends mean always open.
	BusinessHours string `json:"business_hours"`
	// IDCheckAmount is the account total (fen) from which the cashier must
	// check the holder's identity; 0 = only on risk patterns.
	IDCheckAmount int64 `json:"id_check_amount"`
	// MaxDays and ChronicMaxDays are the default supply limits in days.
	MaxDays        int64 `json:"max_days"`
	ChronicMaxDays int64 `json:"chronic_max_days"`
	// OfflineCardLimit and OfflineTerminalLimit bound what may be paid from
	// accounts (fen) while the centre cannot be reached.
	OfflineCardLimit     int64 `json:"offline_card_limit"`
	OfflineTerminalLimit int64 `json:"offline_terminal_limit"`
	// StaleAfterH is how many hours offline rules stay usable after they
	// were issued or the centre was last reached.
	StaleAfterH int64 `json:"stale_after_h"`
	// QuoteTTLS is how long a quote may be charged, in seconds.
	QuoteTTLS int64 `json:"quote_ttl_s"`
	// RefillThresholdBP is the share of the earlier supply that must be
	// used before a refill is not SPLIT_SUPPLY_OVERLAP.
	RefillThresholdBP int64 `json:"refill_threshold_bp"`
	// HistoryDays is how far back card history is fetched and looked at.
	HistoryDays int64 `json:"history_days"`
	// Track2AccountLimit is the most a sale without proof of presence (a
	// track-2 swipe) may pay from the account, fen per transaction; 0 =
	// cash only (CARD_PROOF_MISSING).
	Track2AccountLimit int64 `json:"track2_account_limit"`
	// RequireTraceCodes makes one trace code per pack of a drug or
	// traditional medicine a condition of account payment
	// (TRACE_CODE_REQUIRED).
	RequireTraceCodes bool `json:"require_trace_codes"`
	// Watch limits the units of a watched code a card may buy within a
	// number of days, this cart included (WATCHLIST_LIMIT).
	Watch map[string]WatchRule `json:"watch"`
	// ManagerApprovalAmount is the account total (fen) above which a charge
	// needs a manager's approval (APPROVAL_REQUIRED); 0 = off.
	ManagerApprovalAmount int64 `json:"manager_approval_amount"`
	// SecondReviewAmount is the amount (fen) above which a supervisor's
	// refusal at the centre needs a second supervisor (SPEC §11). Policy
	// only reads and checks it.
	SecondReviewAmount int64 `json:"second_review_amount"`
	// Severities overrides the default severity of reason codes.
	Severities map[Code]Severity `json:"severity"`
}

// WatchRule is one watch-list entry: at most Qty units in Days days.
type WatchRule struct {
	Qty  int64 `json:"qty"`
	Days int64 `json:"days"`
}

// Window is the watch rule's window.
func (w WatchRule) Window() time.Duration { return time.Duration(w.Days) * 24 * time.Hour }

// DefaultRules returns the documented defaults; every call returns fresh
// slices and maps.
func DefaultRules() Rules {
	codes := AllCodes()
	sev := make(map[Code]Severity, len(codes))
	for _, c := range codes {
		sev[c] = defaultSeverity(c)
	}
	return Rules{
		ForbiddenCategories:   []string{"health_food", "cosmetic", "daily", "food"},
		PerTxnCap:             50000,
		DailyCount:            3,
		DailyAmount:           60000,
		StructuringRatioBP:    8000,
		StructuringCount:      3,
		HoardingCards:         8,
		HoardingWindowMin:     10,
		BusinessHours:         "08:00-22:00",
		IDCheckAmount:         20000,
		MaxDays:               7,
		ChronicMaxDays:        30,
		OfflineCardLimit:      20000,
		OfflineTerminalLimit:  500000,
		StaleAfterH:           72,
		QuoteTTLS:             300,
		RefillThresholdBP:     7500,
		HistoryDays:           90,
		Track2AccountLimit:    0,
		RequireTraceCodes:     false,
		Watch:                 map[string]WatchRule{},
		ManagerApprovalAmount: 0,
		SecondReviewAmount:    50000,
		Severities:            sev,
	}
}

// Severity returns the severity of c under these rules: the bundle's
// override, else the default.
func (r Rules) Severity(c Code) Severity {
	if s, ok := r.Severities[c]; ok {
		return s
	}
	return defaultSeverity(c)
}

// QuoteTTL is how long a quote may be charged.
func (r Rules) QuoteTTL() time.Duration { return time.Duration(r.QuoteTTLS) * time.Second }

// StaleAfter is how long rules stay usable offline.
func (r Rules) StaleAfter() time.Duration { return time.Duration(r.StaleAfterH) * time.Hour }

// HistoryWindow is how far back card history is looked at.
func (r Rules) HistoryWindow() time.Duration {
	return time.Duration(r.HistoryDays) * 24 * time.Hour
}

// HoardingWindow is the window CARD_HOARDING counts cards in.
func (r Rules) HoardingWindow() time.Duration {
	return time.Duration(r.HoardingWindowMin) * time.Minute
}

// AllCodes lists every reason code: SPEC §6 order, then those of the
// second edition (SPEC §12).
func AllCodes() []Code {
	return []Code{
		CardUnknown, CardBlocked, CardExpired, CardInvalid,
		ItemNotCovered, ItemForbidden, ItemCodeMismatch, PriceAboveCap,
		RxRequired, QtyOverLimit, DiseaseRestricted, AgeRestricted, SexRestricted,
		SplitSupplyOverlap, SplitDailyCount, SplitDailyAmount, SplitStructuring,
		CardHoarding, OffHours, IDCheckRequired,
		BalanceInsufficient, OfflineLimit, RulesStale,
		IDMismatch, CardProofMissing, TraceCodeReused, TraceCodeRequired,
		DesignatedPharmacy, CardWaitingPeriod, NoPersonalAccount, WatchlistLimit,
		BarcodeRequired, ApprovalRequired,
	}
}

// defaultSeverity is the severity of c when the bundle does not set one.
// Unknown codes are reviewed.
func defaultSeverity(c Code) Severity {
	switch c {
	case CardUnknown, CardBlocked, CardExpired, CardInvalid,
		ItemNotCovered, ItemForbidden, ItemCodeMismatch, RxRequired,
		QtyOverLimit, DiseaseRestricted, AgeRestricted, SexRestricted,
		SplitSupplyOverlap, SplitDailyCount, SplitDailyAmount,
		OfflineLimit, RulesStale,
		IDMismatch, TraceCodeReused, TraceCodeRequired, DesignatedPharmacy,
		CardWaitingPeriod, NoPersonalAccount, WatchlistLimit, BarcodeRequired:
		return Block
	case IDCheckRequired, ApprovalRequired:
		return Confirm
	default: // PriceAboveCap, SplitStructuring, CardHoarding, OffHours, BalanceInsufficient, CardProofMissing
		return Review
	}
}

// IsPattern reports whether c is a pattern code (SPLIT_*, CARD_HOARDING,
// OFF_HOURS): one that calls for an identity check when it fires, and for a
// manager's approval when the cashier must confirm it.
func IsPattern(c Code) bool {
	switch c {
	case SplitSupplyOverlap, SplitDailyCount, SplitDailyAmount, SplitStructuring, CardHoarding, OffHours:
		return true
	}
	return false
}

func knownCode(c Code) bool {
	for _, k := range AllCodes() {
		if k == c {
			return true
		}
	}
	return false
}
