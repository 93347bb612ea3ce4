package policy

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func FuzzParseCatalogue(f *testing.F) {
	f.Add([]byte(testCatalogueCSV))
	f.Add([]byte("\xEF\xBB\xBF" + catHeader + "D1,x,1;2,B,drug,1,100,500,0.333,7,30,E11;I10,1,99,M\n"))
	f.Add([]byte(catHeader + "D1,\"a,\"\"b\",,A,tcm,0,,,,,,,,\n"))
	f.Add([]byte(catHeader + "D1,x,1,A,drug,0,0,0,1.2345,0,0,,,,\n"))
	f.Add([]byte("code,name\n"))
	f.Add([]byte(strings.TrimSuffix(catHeader, "\n") + ",trace_prefixes\n" +
		"D1,x,1,A,drug,0,0,0,1,0,0,,,,,8100001;8200001\nD2,y,2,A,tcm,0,0,0,1,0,0,,,,,8100002\n"))
	f.Add([]byte(strings.TrimSuffix(catHeader, "\n") + ",trace_prefixes\n" +
		"D1,x,,A,drug,0,0,0,1,0,0,,,,,81\nD2,y,,A,drug,0,0,0,1,0,0,,,,,8100\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseCatalogue(bytes.NewReader(data))
		if err != nil {
			if c != nil {
				t.Fatal("catalogue returned with an error")
			}
			return
		}
		n := 0
		for it := range c.All() {
			n++
			got, ok := c.Item(it.Code)
			if !ok || got != it {
				t.Fatalf("item %q not found by its code", it.Code)
			}
			for _, bc := range it.Barcodes {
				if code, ok := c.CodeForBarcode(bc); !ok || code != it.Code {
					t.Fatalf("barcode %q maps to %q, want %q", bc, code, it.Code)
				}
			}
			for _, p := range it.TracePrefixes {
				if err := checkTracePrefix(p); err != nil || p == "" {
					t.Fatalf("prefix %q of %s: %v", p, it.Code, err)
				}
				if code, ok := c.CodeForTraceCode(p + "0000"); !ok || code != it.Code {
					t.Fatalf("a code under prefix %q maps to %q, want %q", p, code, it.Code)
				}
			}
			checkItem(t, it)
		}
		if n != c.Len() {
			t.Fatalf("All yields %d items, Len is %d", n, c.Len())
		}
	})
}

// checkItem asserts the ranges ParseCatalogue promises.
func checkItem(t *testing.T, it *Item) {
	t.Helper()
	if it.Code == "" || !strings.Contains("ABC", it.Class) || it.Class == "" || !knownCategory(it.Category) {
		t.Fatalf("bad item %+v", it)
	}
	if it.PriceCap < 0 || it.SelfPayBP < 0 || it.SelfPayBP > 10000 || it.DaysPerUnit < 0 ||
		it.MaxDays < 0 || it.ChronicMaxDays < 0 || it.MinAge < -1 || it.MaxAge < -1 {
		t.Fatalf("out-of-range item %+v", it)
	}
	if it.MinAge >= 0 && it.MaxAge >= 0 && it.MinAge > it.MaxAge {
		t.Fatalf("min age above max age %+v", it)
	}
}

func FuzzParseRules(f *testing.F) {
	def, _ := json.Marshal(DefaultRules())
	f.Add(def)
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"business_hours":"22:00-06:00","severity":{"OFF_HOURS":"block"}}`))
	f.Add([]byte(`{"daily_count":-1}`))
	f.Add([]byte(`{"forbidden_categories":null,"max_days":1e3}`))
	f.Add([]byte(`{"watch":{"D0028":{"qty":20,"days":7},"D0001":{"qty":0,"days":90}},"require_trace_codes":true}`))
	f.Add([]byte(`{"watch":{"D0028":{"qty":20}},"track2_account_limit":500,"manager_approval_amount":1,"second_review_amount":0}`))
	f.Add([]byte(`{"watch":null,"history_days":400,"watch":{"x":{"days":400,"qty":1e6}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseRules(data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "rules") {
				t.Fatalf("error without context: %v", err)
			}
			return
		}
		if err := r.Validate(); err != nil {
			t.Fatalf("parsed rules do not validate: %v", err)
		}
		// What parsed re-serialises and parses to the same rules.
		raw, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		back, err := ParseRules(raw)
		if err != nil || !reflect.DeepEqual(normal(back), normal(r)) {
			t.Fatalf("round trip: %v\n%+v\n%+v", err, back, r)
		}
	})
}

// normal makes an empty forbidden list or watch list and a nil one compare
// equal.
func normal(r Rules) Rules {
	if len(r.ForbiddenCategories) == 0 {
		r.ForbiddenCategories = nil
	}
	if len(r.Watch) == 0 {
		r.Watch = nil
	}
	return r
}

func FuzzCheckTraceCode(f *testing.F) {
	for _, s := range []string{"81000011234567890123", "0106901234500011172612311024A17\x1d21X9Y8Z7",
		"(01)06901234500011(17)261231", "8100001123456789012", "", "\x00\x1d", strings.Repeat("9", 64)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, code string) {
		if CheckTraceCode(code) != nil {
			return
		}
		if len(code) < 16 || len(code) > 64 {
			t.Fatalf("%q accepted with %d characters", code, len(code))
		}
		digits := true
		for i := 0; i < len(code); i++ {
			c := code[i]
			if c != 0x1D && (c <= ' ' || c >= 0x7F) {
				t.Fatalf("%q accepted with byte %#x", code, c)
			}
			digits = digits && c >= '0' && c <= '9'
		}
		if digits && len(code) != 20 && !strings.HasPrefix(code, "01") {
			t.Fatalf("%q: digits only, not 20 and not GS1", code)
		}
	})
}

// FuzzTraceCodesInACart evaluates carts whose lines carry fuzzed trace
// codes ("|" between codes, "/" between lines), sold sets and quantities:
// the money invariants hold and the evidence encodes as its map would.
func FuzzTraceCodesInACart(f *testing.F) {
	f.Add("81000041234567890001|81000041234567890002/81000061234567890001", "81000041234567890002", uint8(2), true)
	f.Add("81000011234567890001/81000011234567890001", "", uint8(1), false)
	f.Add("bad|01069012345000111726\x1d21X/", "bad", uint8(0), true)
	codes := []string{ibuprofen, coldMedicine, metformin, angelica, vitaminC}
	f.Fuzz(func(t *testing.T, cart, sold string, qty uint8, require bool) {
		b := withRules(t, func(r *Rules) { r.RequireTraceCodes = require })
		var lines []Line
		for i, part := range strings.Split(cart, "/") {
			if i >= 8 {
				break
			}
			l := ln(codes[i%len(codes)], int64(qty%4), 900)
			if part != "" {
				l.TraceCodes = strings.Split(part, "|")
			}
			lines = append(lines, l)
		}
		in := diabetic(lines...)
		if sold != "" {
			in.SoldTraceCodes = strings.Split(sold, "|")
		}
		d := evaluate(t, b, in)
		for _, r := range allReasons(d) {
			checkSameJSON(t, r)
		}
	})
}

// FuzzEvidenceString: evidence strings encode exactly as encoding/json
// encodes them.
func FuzzEvidenceString(f *testing.F) {
	f.Add("plain")
	f.Add("tab\t \"q\" \\ <>& \u2028 \xff 中文 \x00")
	f.Fuzz(func(t *testing.T, s string) {
		checkSameJSON(t, Reason{Code: OffHours, facts: []fact{evStr(s, s), evList("l", &[]string{s, s})}})
	})
}

func FuzzParsePersonID(f *testing.F) {
	f.Add(personID("19600315", true))
	f.Add("11010519851201001x")
	f.Add("11010519600231001X")
	f.Add("")
	f.Fuzz(func(t *testing.T, id string) {
		sex, birth, err := ParsePersonID(id)
		if err != nil {
			return
		}
		if len(id) != 18 || (sex != "M" && sex != "F") || birth.IsZero() {
			t.Fatalf("%q: %s %v", id, sex, birth)
		}
		if withCheck(id[:17])[17] != strings.ToUpper(id[17:])[0] {
			t.Fatalf("%q accepted with a wrong check character", id)
		}
		if got := birth.Format("20060102"); got != id[6:14] {
			t.Fatalf("%q: birth %s", id, got)
		}
	})
}
