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

// normal makes an empty forbidden list and a nil one compare equal.
func normal(r Rules) Rules {
	if len(r.ForbiddenCategories) == 0 {
		r.ForbiddenCategories = nil
	}
	return r
}
