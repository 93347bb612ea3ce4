package policy

import (
	"strings"
	"sync"
	"testing"
	"time"
)

// testCatalogueCSV is a small fixed catalogue; its codes match the first
// rows of testdata/catalogue.csv.
const testCatalogueCSV = `code,name,barcodes,class,category,rx,price_cap,self_pay_bp,days_per_unit,max_days,chronic_max_days,diseases,min_age,max_age,sex,trace_prefixes
D0001,二甲双胍片,6901234500011,A,drug,1,2500,0,30,0,0,E11,,,,8100001
D0002,苯磺酸氨氯地平片,6901234500028,A,drug,1,3000,0,28,0,0,I10,,,,8100002
D0003,阿托伐他汀钙片,6901234500035,B,drug,1,4000,1000,7,0,0,,,,,8100003
D0004,布洛芬缓释胶囊,6901234500042,A,drug,0,1500,0,5,0,0,,,,,8100004
D0005,阿莫西林胶囊,6901234500059,A,drug,1,1200,0,4,0,0,,,,,8100005
D0006,复方氨酚烷胺片,6901234500066,A,drug,0,1000,0,3,0,0,,,,,8100006
D0009,精蛋白人胰岛素注射液,6901234500097,B,drug,1,6000,1000,10,0,0,E10;E11,,,,8100009
D0010,他达拉非片,6901234500103,B,drug,1,5000,2000,4,0,0,,,,M,8100010
D0011,左炔诺孕酮片,6901234500110,A,drug,0,2000,0,0,0,0,,16,,F,8100011
D0012,小儿氨酚黄那敏颗粒,6901234500127,A,drug,0,1500,0,3.333,0,0,,,14,,8100012
D0014,电子体温计,6901234500141,C,device,0,0,0,0,0,0,,,,,
D0015,蛋白粉,6901234500158,C,health_food,0,0,0,0,0,0,,,,,
D0018,保湿面霜,6901234500189,C,cosmetic,0,0,0,0,0,0,,,,,
D0028,维生素C片,6901234500288,A,drug,0,500,0,0,0,0,,,,,8100028
D0029,阿司匹林肠溶片,6901234500295,A,drug,0,1500,0,30,30,0,,,,,8100029
D0031,二甲双胍缓释片,6901234500318;6909876500314,A,drug,1,3000,0,30,0,0,E11,,,,8100031;8200031
D0036,当归饮片,,A,tcm,0,300,0,0,0,0,,,,,
`

// Codes of the test catalogue, named for what they are.
const (
	metformin    = "D0001"
	amlodipine   = "D0002"
	atorvastatin = "D0003" // class B, 10% self-pay
	ibuprofen    = "D0004" // 5 days a box
	amoxicillin  = "D0005" // rx
	coldMedicine = "D0006" // 3 days a box
	insulin      = "D0009" // class B, E10;E11
	tadalafil    = "D0010" // sex M
	levonorg     = "D0011" // sex F, min age 16
	kidsCold     = "D0012" // max age 14
	thermometer  = "D0014" // class C device
	proteinPowd  = "D0015" // health food
	faceCream    = "D0018" // cosmetic
	vitaminC     = "D0028" // drug, no days limit
	aspirin      = "D0029" // max_days 30
	metforminXR  = "D0031" // two barcodes
	angelica     = "D0036" // no barcode
)

var testBundleOnce = sync.OnceValues(func() (*Bundle, error) {
	cat, err := ParseCatalogue(strings.NewReader(testCatalogueCSV))
	if err != nil {
		return nil, err
	}
	return &Bundle{Version: 1, IssuedAt: at("2025-03-01 08:00"), Catalogue: cat, Rules: DefaultRules()}, nil
})

// testBundle returns the shared read-only test bundle.
func testBundle(t testing.TB) *Bundle {
	t.Helper()
	b, err := testBundleOnce()
	if err != nil {
		t.Fatalf("test catalogue: %v", err)
	}
	return b
}

// withRules returns a copy of the test bundle with changed rules.
func withRules(t testing.TB, change func(*Rules)) *Bundle {
	b := *testBundle(t)
	b.Rules = DefaultRules()
	change(&b.Rules)
	return &b
}

// cst is the pharmacy's zone in the tests.
var cst = time.FixedZone("CST", 8*3600)

// at parses "2006-01-02 15:04" in cst.
func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, cst)
	if err != nil {
		panic(err)
	}
	return t
}

// now is the default time of a test sale: a Wednesday morning.
var now = at("2025-03-12 10:00")

// ln builds a cart line with the item's first barcode and a prescription.
func ln(code string, qty, price int64) Line {
	l := Line{Code: code, Qty: qty, UnitPrice: price, RxID: "RX-1"}
	if it, ok := testBundleMust().Catalogue.Item(code); ok && len(it.Barcodes) > 0 {
		l.Barcode = it.Barcodes[0]
	}
	return l
}

func testBundleMust() *Bundle {
	b, err := testBundleOnce()
	if err != nil {
		panic(err)
	}
	return b
}

// sale is an ordinary sale at now by an active 54-year-old man with a
// 5000-yuan balance and no certified diseases.
func sale(lines ...Line) Input {
	return Input{
		Now: now, Terminal: "T1", Pharmacy: "P1",
		Card:   Card{CardNo: "100000001", Sex: "M", Birth: time.Date(1970, 5, 1, 0, 0, 0, 0, cst)},
		Holder: &Holder{CardNo: "100000001", Status: "active", Balance: 500000},
		Lines:  lines,
	}
}

// diabetic is sale by a holder certified for E11.
func diabetic(lines ...Line) Input {
	in := sale(lines...)
	in.Holder.Diseases = []string{"E11"}
	return in
}

// evaluate runs Evaluate and checks the money invariants.
func evaluate(t testing.TB, b *Bundle, in Input) Decision {
	t.Helper()
	d := Evaluate(b, in)
	checkInvariants(t, in, d)
	return d
}

// checkInvariants asserts what must hold for every decision.
func checkInvariants(t testing.TB, in Input, d Decision) {
	t.Helper()
	if len(d.Lines) != len(in.Lines) {
		t.Fatalf("%d line decisions for %d lines", len(d.Lines), len(in.Lines))
	}
	var total, account, cash int64
	for i, l := range d.Lines {
		if l.Account < 0 || l.Cash < 0 || l.Account+l.Cash != l.Amount {
			t.Fatalf("line %d: account %d + cash %d != amount %d", i, l.Account, l.Cash, l.Amount)
		}
		if hasBlock(l.Reasons) && l.Account != 0 {
			t.Fatalf("line %d blocked but account %d", i, l.Account)
		}
		total, account, cash = total+l.Amount, account+l.Account, cash+l.Cash
	}
	if d.Total != total || d.AccountTotal != account || d.CashTotal != cash {
		t.Fatalf("totals %d/%d/%d, lines sum to %d/%d/%d", d.Total, d.AccountTotal, d.CashTotal, total, account, cash)
	}
	for _, r := range d.Reasons {
		// OFFLINE_LIMIT and BALANCE_INSUFFICIENT only move the excess.
		if r.Severity == Block && r.Code != OfflineLimit && r.Code != BalanceInsufficient && d.AccountTotal != 0 {
			t.Fatalf("transaction blocked by %s but account total %d", r.Code, d.AccountTotal)
		}
	}
	if in.Holder != nil && d.AccountTotal > max(in.Holder.Balance, 0) {
		t.Fatalf("account total %d above balance %d", d.AccountTotal, in.Holder.Balance)
	}
	for _, r := range allReasons(d) {
		if r.Message == "" || r.MessageZh == "" || r.Severity == "" {
			t.Fatalf("reason %s without message or severity", r.Code)
		}
	}
}

// allReasons lists the transaction reasons then every line's.
func allReasons(d Decision) []Reason {
	rs := append([]Reason(nil), d.Reasons...)
	for _, l := range d.Lines {
		rs = append(rs, l.Reasons...)
	}
	return rs
}

// find returns the reason with code c in rs, its Evidence filled.
func find(rs []Reason, c Code) (Reason, bool) {
	for _, r := range rs {
		if r.Code == c {
			r.Evidence = r.EvidenceMap()
			return r, true
		}
	}
	return Reason{}, false
}

// codes lists the codes of rs.
func codes(rs []Reason) []Code {
	out := []Code{}
	for _, r := range rs {
		out = append(out, r.Code)
	}
	return out
}
