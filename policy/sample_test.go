package policy

import (
	"os"
	"reflect"
	"slices"
	"testing"
)

// TestSampleDataParses reads the product's sample catalogue and rules and
// checks the hand-written items other packages' tests rely on.
func TestSampleDataParses(t *testing.T) {
	f, err := os.Open("../testdata/catalogue.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cat, err := ParseCatalogue(f)
	if err != nil {
		t.Fatal(err)
	}
	if cat.Len() < 250 {
		t.Errorf("sample catalogue has %d items", cat.Len())
	}
	seen := map[string]bool{}
	for it := range cat.All() {
		seen[it.Category] = true
	}
	for _, c := range Categories() {
		if !seen[c] {
			t.Errorf("no %s in the sample catalogue", c)
		}
	}
	// The test catalogue is a copy of sample rows (names shortened).
	for it := range testBundle(t).Catalogue.All() {
		s, ok := cat.Item(it.Code)
		if !ok {
			t.Errorf("%s missing from the sample", it.Code)
			continue
		}
		a, b := *it, *s
		a.Name, b.Name = "", ""
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s differs:\ntest   %+v\nsample %+v", it.Code, a, b)
		}
	}
	raw, err := os.ReadFile("../testdata/rules.json")
	if err != nil {
		t.Fatal(err)
	}
	rules, err := ParseRules(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rules, DefaultRules()) {
		t.Errorf("sample rules are not the defaults: %+v", rules)
	}
}

// TestSampleMixedBasket runs a sale against the sample data: medicine
// paid from the account, health food and shampoo in cash.
func TestSampleMixedBasket(t *testing.T) {
	f, err := os.Open("../testdata/catalogue.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cat, err := ParseCatalogue(f)
	if err != nil {
		t.Fatal(err)
	}
	b := &Bundle{Version: 1, IssuedAt: now, Catalogue: cat, Rules: DefaultRules()}
	in := diabetic(
		Line{Code: "D0001", Barcode: "6901234500011", Qty: 1, UnitPrice: 2300, RxID: "RX-9"},
		Line{Code: "D0015", Barcode: "6901234500158", Qty: 1, UnitPrice: 19800},
		Line{Code: "D0019", Barcode: "6901234500196", Qty: 1, UnitPrice: 3900},
	)
	d := evaluate(t, b, in)
	if d.AccountTotal != 2300 || d.CashTotal != 23700 {
		t.Fatalf("account %d cash %d; reasons %v %v %v", d.AccountTotal, d.CashTotal,
			codes(d.Lines[0].Reasons), codes(d.Lines[1].Reasons), codes(d.Lines[2].Reasons))
	}
	if !slices.Contains(codes(d.Lines[1].Reasons), ItemForbidden) || !slices.Contains(codes(d.Lines[2].Reasons), ItemForbidden) {
		t.Fatal("health food and shampoo not forbidden")
	}
}
