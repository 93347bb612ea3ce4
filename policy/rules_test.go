package policy

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseRulesEmptyObjectIsDefaults(t *testing.T) {
	r, err := ParseRules([]byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(r, DefaultRules()) {
		t.Fatalf("rules = %+v\nwant defaults %+v", r, DefaultRules())
	}
}

func TestDefaultRulesMatchDocumentedValues(t *testing.T) {
	r := DefaultRules()
	got := []int64{r.PerTxnCap, r.DailyCount, r.DailyAmount, r.StructuringRatioBP, r.StructuringCount,
		r.HoardingCards, r.HoardingWindowMin, r.IDCheckAmount, r.MaxDays, r.ChronicMaxDays,
		r.OfflineCardLimit, r.OfflineTerminalLimit, r.StaleAfterH, r.QuoteTTLS, r.RefillThresholdBP, r.HistoryDays}
	want := []int64{50000, 3, 60000, 8000, 3, 8, 10, 20000, 7, 30, 20000, 500000, 72, 300, 7500, 90}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("defaults = %v\nwant       %v", got, want)
	}
	if r.BusinessHours != "08:00-22:00" || strings.Join(r.ForbiddenCategories, ",") != "health_food,cosmetic,daily,food" {
		t.Errorf("defaults = %q %v", r.BusinessHours, r.ForbiddenCategories)
	}
	if r.Track2AccountLimit != 0 || r.RequireTraceCodes || len(r.Watch) != 0 || r.Watch == nil ||
		r.ManagerApprovalAmount != 0 || r.SecondReviewAmount != 50000 {
		t.Errorf("second-edition defaults = %d %v %v %d %d", r.Track2AccountLimit, r.RequireTraceCodes, r.Watch,
			r.ManagerApprovalAmount, r.SecondReviewAmount)
	}
	if err := r.Validate(); err != nil {
		t.Errorf("defaults do not validate: %v", err)
	}
}

func TestParseRulesSetsEveryKey(t *testing.T) {
	// Every key set to a non-default value, so a key that is not wired
	// to its field shows up as a difference.
	data := `{"forbidden_categories":["cosmetic"],"per_txn_cap":1,"daily_count":2,"daily_amount":3,
	"structuring_ratio_bp":4,"structuring_count":5,"hoarding_cards":6,"hoarding_window_min":7,
	"business_hours":"21:30-07:15","id_check_amount":8,"max_days":9,"chronic_max_days":10,
	"offline_card_limit":11,"offline_terminal_limit":12,"stale_after_h":13,"quote_ttl_s":14,
	"refill_threshold_bp":15,"history_days":16,"severity":{"OFF_HOURS":"block"},
	"track2_account_limit":17,"require_trace_codes":true,"watch":{"D0028":{"qty":18,"days":16}},
	"manager_approval_amount":19,"second_review_amount":20}`
	r, err := ParseRules([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultRules()
	want.ForbiddenCategories = []string{"cosmetic"}
	want.PerTxnCap, want.DailyCount, want.DailyAmount, want.StructuringRatioBP = 1, 2, 3, 4
	want.StructuringCount, want.HoardingCards, want.HoardingWindowMin = 5, 6, 7
	want.BusinessHours, want.IDCheckAmount, want.MaxDays, want.ChronicMaxDays = "21:30-07:15", 8, 9, 10
	want.OfflineCardLimit, want.OfflineTerminalLimit, want.StaleAfterH, want.QuoteTTLS = 11, 12, 13, 14
	want.RefillThresholdBP, want.HistoryDays = 15, 16
	want.Severities[OffHours] = Block
	want.Track2AccountLimit, want.RequireTraceCodes, want.Watch = 17, true, map[string]WatchRule{"D0028": {Qty: 18, Days: 16}}
	want.ManagerApprovalAmount, want.SecondReviewAmount = 19, 20
	if !reflect.DeepEqual(r, want) {
		t.Fatalf("rules = %+v\nwant    %+v", r, want)
	}
	// Round trip: the JSON form of rules parses back to the same rules.
	raw, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseRules(raw)
	if err != nil || !reflect.DeepEqual(back, r) {
		t.Fatalf("round trip: %v\n%+v", err, back)
	}
}

func TestParseRulesNullAndMissingTakeDefaults(t *testing.T) {
	r, err := ParseRules([]byte(`{"daily_count": null, "severity": {"CARD_HOARDING": "confirm"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if r.DailyCount != 3 || r.MaxDays != 7 {
		t.Errorf("daily_count %d, max_days %d", r.DailyCount, r.MaxDays)
	}
	if r.Severity(CardHoarding) != Confirm || r.Severity(OffHours) != Review {
		t.Errorf("severity override: hoarding %s, off hours %s", r.Severity(CardHoarding), r.Severity(OffHours))
	}
}

func TestParseRulesErrorsNameTheKey(t *testing.T) {
	tests := []struct{ name, json, want string }{
		{"typo in a key", `{"daily_cuont": 3}`, `unknown key "daily_cuont"`},
		{"negative amount", `{"daily_amount": -1}`, "daily_amount: -1 is out of range"},
		{"negative cap", `{"per_txn_cap": -500}`, "per_txn_cap"},
		{"amount as a string", `{"id_check_amount": "200"}`, "id_check_amount"},
		{"fractional fen", `{"offline_card_limit": 100.5}`, "offline_card_limit"},
		{"ratio above 100%", `{"structuring_ratio_bp": 10001}`, "structuring_ratio_bp"},
		{"refill threshold above 100%", `{"refill_threshold_bp": 20000}`, "refill_threshold_bp"},
		{"zero max days", `{"max_days": 0}`, "max_days: 0 is out of range"},
		{"zero quote ttl", `{"quote_ttl_s": 0}`, "quote_ttl_s"},
		{"hours without minutes", `{"business_hours": "8-22"}`, `business_hours "8-22"`},
		{"hours with a bad hour", `{"business_hours": "08:00-25:00"}`, `business_hours "08:00-25:00"`},
		{"hours opening at 24:00", `{"business_hours": "24:00-08:00"}`, "business_hours"},
		{"hours with a space", `{"business_hours": "08:00 - 22:00"}`, "business_hours"},
		{"unknown severity", `{"severity": {"OFF_HOURS": "warn"}}`, `severity: OFF_HOURS: unknown severity "warn"`},
		{"unknown reason code", `{"severity": {"OFF_HOUR": "review"}}`, `severity: unknown reason code "OFF_HOUR"`},
		{"severity not an object", `{"severity": ["block"]}`, "severity"},
		{"unknown forbidden category", `{"forbidden_categories": ["healthfood"]}`, `forbidden_categories: unknown category "healthfood"`},
		{"not an object", `[1,2]`, "rules"},
		{"null document", `null`, "not a JSON object"},
		{"trailing garbage", `{} {}`, "rules"},
		{"negative track-2 limit", `{"track2_account_limit": -1}`, "track2_account_limit: -1 is out of range"},
		{"approval amount too large", `{"manager_approval_amount": 1000000000001}`, "manager_approval_amount"},
		{"negative second review", `{"second_review_amount": -5}`, "second_review_amount"},
		{"trace codes as a string", `{"require_trace_codes": "yes"}`, "require_trace_codes"},
		{"watch not an object", `{"watch": [1]}`, "watch"},
		{"watch entry without days", `{"watch": {"D0028": {"qty": 5}}}`, `watch: "D0028": want`},
		{"watch entry with a typo", `{"watch": {"D0028": {"qty": 5, "day": 7}}}`, `watch: "D0028": json: unknown field "day"`},
		{"watch entry null", `{"watch": {"D0028": null}}`, `watch: "D0028": want`},
		{"watch qty negative", `{"watch": {"D0028": {"qty": -1, "days": 7}}}`, "watch: D0028: qty -1 is out of range"},
		{"watch days zero", `{"watch": {"D0028": {"qty": 5, "days": 0}}}`, "watch: D0028: days 0 is out of range"},
		{"watch window beyond the history", `{"watch": {"D0028": {"qty": 5, "days": 91}}}`, "days 91 is out of range 1..90 (history_days)"},
		{"watch window within a longer history", `{"history_days": 120, "watch": {"D0028": {"qty": 5, "days": 121}}}`, "1..120"},
		{"watch empty code", `{"watch": {"": {"qty": 5, "days": 7}}}`, `watch: code ""`},
		{"watch padded code", `{"watch": {" D0028": {"qty": 5, "days": 7}}}`, `watch: code " D0028"`},
		{"empty", ``, "rules"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseRules([]byte(tc.json))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestDefaultSeverities(t *testing.T) {
	want := map[Severity][]Code{
		Block: {CardUnknown, CardBlocked, CardExpired, CardInvalid, ItemNotCovered, ItemForbidden,
			ItemCodeMismatch, RxRequired, QtyOverLimit, DiseaseRestricted, AgeRestricted, SexRestricted,
			SplitSupplyOverlap, SplitDailyCount, SplitDailyAmount, OfflineLimit, RulesStale,
			IDMismatch, TraceCodeReused, TraceCodeRequired, DesignatedPharmacy, CardWaitingPeriod,
			NoPersonalAccount, WatchlistLimit, BarcodeRequired},
		Review:  {PriceAboveCap, SplitStructuring, CardHoarding, OffHours, BalanceInsufficient, CardProofMissing},
		Confirm: {IDCheckRequired, ApprovalRequired},
	}
	n := 0
	r := DefaultRules()
	for sev, cs := range want {
		for _, c := range cs {
			n++
			if got := r.Severity(c); got != sev {
				t.Errorf("%s: severity %s, want %s", c, got, sev)
			}
			if got := (Rules{}).Severity(c); got != sev {
				t.Errorf("%s without a severity map: %s, want %s", c, got, sev)
			}
		}
	}
	if n != len(AllCodes()) {
		t.Errorf("table covers %d codes, AllCodes has %d", n, len(AllCodes()))
	}
}

func TestAllCodesAreUniqueAndKnown(t *testing.T) {
	seen := map[Code]bool{}
	for _, c := range AllCodes() {
		if seen[c] {
			t.Errorf("%s listed twice", c)
		}
		seen[c] = true
	}
	if len(seen) != 33 {
		t.Errorf("%d codes, SPEC §6 and §12 have 23 + 10", len(seen))
	}
}

func TestBusinessHours(t *testing.T) {
	tests := []struct {
		hours string
		clock string
		open  bool
	}{
		{"08:00-22:00", "08:00", true},
		{"08:00-22:00", "21:59", true},
		{"08:00-22:00", "22:00", false},
		{"08:00-22:00", "07:59", false},
		{"22:00-06:00", "23:30", true},
		{"22:00-06:00", "05:59", true},
		{"22:00-06:00", "12:00", false},
		{"00:00-24:00", "23:59", true},
		{"00:00-00:00", "03:00", true},
	}
	for _, tc := range tests {
		o, c, err := parseBusinessHours(tc.hours)
		if err != nil {
			t.Fatalf("%s: %v", tc.hours, err)
		}
		if got := withinHours(at("2025-03-12 "+tc.clock), o, c); got != tc.open {
			t.Errorf("%s at %s: open %v, want %v", tc.hours, tc.clock, got, tc.open)
		}
	}
}

func TestRuleDurations(t *testing.T) {
	r := DefaultRules()
	if r.QuoteTTL() != 5*time.Minute || r.StaleAfter() != 72*time.Hour ||
		r.HistoryWindow() != 90*24*time.Hour || r.HoardingWindow() != 10*time.Minute {
		t.Fatalf("durations %v %v %v %v", r.QuoteTTL(), r.StaleAfter(), r.HistoryWindow(), r.HoardingWindow())
	}
}
