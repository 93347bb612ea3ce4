package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// ParseRules reads the rules JSON of SPEC §7. A missing key (or null) takes
// its default; an unknown key is an error, to catch typos; every error names
// the key. Severity entries override the defaults one code at a time.
func ParseRules(data []byte) (Rules, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return Rules{}, fmt.Errorf("rules: %w", err)
	}
	if raw == nil {
		return Rules{}, errors.New("rules: not a JSON object")
	}
	r := DefaultRules()
	fields := r.fields()
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		dst, ok := fields[k]
		if !ok {
			return Rules{}, fmt.Errorf("rules: unknown key %q", k)
		}
		if bytes.Equal(bytes.TrimSpace(raw[k]), []byte("null")) {
			continue
		}
		if err := decodeRule(k, raw[k], dst, &r); err != nil {
			return Rules{}, err
		}
	}
	if err := r.Validate(); err != nil {
		return Rules{}, err
	}
	return r, nil
}

// decodeRule decodes one key's value into dst.
func decodeRule(key string, raw json.RawMessage, dst any, r *Rules) error {
	if key == "severity" {
		var m map[string]string
		if err := json.Unmarshal(raw, &m); err != nil {
			return fmt.Errorf("rules: severity: %w", err)
		}
		for c, s := range m {
			r.Severities[Code(c)] = Severity(s)
		}
		return nil
	}
	if key == "watch" {
		return decodeWatch(raw, r)
	}
	if key == "forbidden_categories" {
		var list []string // replace the default list, never merge into it
		if err := json.Unmarshal(raw, &list); err != nil {
			return fmt.Errorf("rules: %s: %w", key, err)
		}
		r.ForbiddenCategories = list
		return nil
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		return fmt.Errorf("rules: %s: %w", key, err)
	}
	return nil
}

// fields maps each JSON key to the field it sets.
func (r *Rules) fields() map[string]any {
	return map[string]any{
		"forbidden_categories":    &r.ForbiddenCategories,
		"per_txn_cap":             &r.PerTxnCap,
		"daily_count":             &r.DailyCount,
		"daily_amount":            &r.DailyAmount,
		"structuring_ratio_bp":    &r.StructuringRatioBP,
		"structuring_count":       &r.StructuringCount,
		"hoarding_cards":          &r.HoardingCards,
		"hoarding_window_min":     &r.HoardingWindowMin,
		"business_hours":          &r.BusinessHours,
		"id_check_amount":         &r.IDCheckAmount,
		"max_days":                &r.MaxDays,
		"chronic_max_days":        &r.ChronicMaxDays,
		"offline_card_limit":      &r.OfflineCardLimit,
		"offline_terminal_limit":  &r.OfflineTerminalLimit,
		"stale_after_h":           &r.StaleAfterH,
		"quote_ttl_s":             &r.QuoteTTLS,
		"refill_threshold_bp":     &r.RefillThresholdBP,
		"history_days":            &r.HistoryDays,
		"track2_account_limit":    &r.Track2AccountLimit,
		"require_trace_codes":     &r.RequireTraceCodes,
		"watch":                   &r.Watch,
		"manager_approval_amount": &r.ManagerApprovalAmount,
		"second_review_amount":    &r.SecondReviewAmount,
		"severity":                &r.Severities,
	}
}

// decodeWatch reads the watch list, replacing the default: an object of
// code → {"qty": units, "days": days}, both required, nothing else.
func decodeWatch(raw json.RawMessage, r *Rules) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("rules: watch: %w", err)
	}
	if m == nil {
		return errors.New("rules: watch: not an object")
	}
	w := make(map[string]WatchRule, len(m))
	for code, entry := range m {
		var e struct {
			Qty  *int64 `json:"qty"`
			Days *int64 `json:"days"`
		}
		dec := json.NewDecoder(bytes.NewReader(entry))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil {
			return fmt.Errorf("rules: watch: %q: %w", code, err)
		}
		if e.Qty == nil || e.Days == nil {
			return fmt.Errorf("rules: watch: %q: want {\"qty\": units, \"days\": days}", code)
		}
		w[code] = WatchRule{Qty: *e.Qty, Days: *e.Days}
	}
	r.Watch = w
	return nil
}

// ruleRange is the allowed range of one numeric rule.
type ruleRange struct {
	key    string
	value  int64
	lo, hi int64
}

// Validate checks every value; the error names the key and the bad value.
func (r Rules) Validate() error {
	for _, c := range r.ForbiddenCategories {
		if !knownCategory(c) {
			return fmt.Errorf("rules: forbidden_categories: unknown category %q", c)
		}
	}
	ranges := []ruleRange{
		{"per_txn_cap", r.PerTxnCap, 0, maxFen},
		{"daily_count", r.DailyCount, 0, 1_000_000},
		{"daily_amount", r.DailyAmount, 0, maxFen},
		{"structuring_ratio_bp", r.StructuringRatioBP, 0, 10000},
		{"structuring_count", r.StructuringCount, 0, 1_000_000},
		{"hoarding_cards", r.HoardingCards, 0, 1_000_000},
		{"hoarding_window_min", r.HoardingWindowMin, 0, 1_000_000},
		{"id_check_amount", r.IDCheckAmount, 0, maxFen},
		{"max_days", r.MaxDays, 1, maxDaysLimit},
		{"chronic_max_days", r.ChronicMaxDays, 1, maxDaysLimit},
		{"offline_card_limit", r.OfflineCardLimit, 0, maxFen},
		{"offline_terminal_limit", r.OfflineTerminalLimit, 0, maxFen},
		{"stale_after_h", r.StaleAfterH, 1, 1_000_000},
		{"quote_ttl_s", r.QuoteTTLS, 1, 1_000_000},
		{"refill_threshold_bp", r.RefillThresholdBP, 0, 10000},
		{"history_days", r.HistoryDays, 1, maxDaysLimit},
		{"track2_account_limit", r.Track2AccountLimit, 0, maxFen},
		{"manager_approval_amount", r.ManagerApprovalAmount, 0, maxFen},
		{"second_review_amount", r.SecondReviewAmount, 0, maxFen},
	}
	for _, rr := range ranges {
		if rr.value < rr.lo || rr.value > rr.hi {
			return fmt.Errorf("rules: %s: %d is out of range %d..%d", rr.key, rr.value, rr.lo, rr.hi)
		}
	}
	if _, _, err := parseBusinessHours(r.BusinessHours); err != nil {
		return fmt.Errorf("rules: business_hours %q: %w", r.BusinessHours, err)
	}
	if err := r.validateWatch(); err != nil {
		return err
	}
	return r.validateSeverities()
}

// validateWatch checks the watch list: a code that is not blank, at most
// 10⁶ units, and a window of 1 day up to history_days (the history the
// agent fetches).
func (r Rules) validateWatch() error {
	for _, c := range slices.Sorted(maps.Keys(r.Watch)) {
		w := r.Watch[c]
		switch {
		case c == "" || strings.TrimSpace(c) != c:
			return fmt.Errorf("rules: watch: code %q: empty or padded with spaces", c)
		case w.Qty < 0 || w.Qty > 1_000_000:
			return fmt.Errorf("rules: watch: %s: qty %d is out of range 0..1000000", c, w.Qty)
		case w.Days < 1 || w.Days > r.HistoryDays:
			return fmt.Errorf("rules: watch: %s: days %d is out of range 1..%d (history_days)", c, w.Days, r.HistoryDays)
		}
	}
	return nil
}

func (r Rules) validateSeverities() error {
	for _, c := range slices.Sorted(maps.Keys(r.Severities)) {
		if !knownCode(c) {
			return fmt.Errorf("rules: severity: unknown reason code %q", c)
		}
		switch s := r.Severities[c]; s {
		case Block, Confirm, Review:
		default:
			return fmt.Errorf("rules: severity: %s: unknown severity %q (want block, confirm or review)", c, s)
		}
	}
	return nil
}
