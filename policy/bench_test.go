package policy

import (
	"bytes"
	"fmt"
	"sync"
	"testing"
	"time"
	"unsafe"
)

// bigCatalogueCSV writes a catalogue of n generated items: codes G000001…,
// one or two barcodes each, every class and category, some with disease
// restrictions and days of supply.
func bigCatalogueCSV(n int) []byte {
	var buf bytes.Buffer
	buf.WriteString(catHeader)
	cats := Categories()
	for i := 1; i <= n; i++ {
		class := "ABC"[i%3 : i%3+1]
		cat := cats[i%len(cats)]
		barcodes := fmt.Sprintf("69%011d", i)
		if i%5 == 0 {
			barcodes += fmt.Sprintf(";68%011d", i)
		}
		diseases := ""
		if i%11 == 0 {
			diseases = "E11;I10"
		}
		fmt.Fprintf(&buf, "G%06d,通用名药品%d片 %dmg×%d片,%s,%s,%s,%d,%d,%d,%d.%03d,0,0,%s,,,\n",
			i, i, 5*(i%40+1), 7*(i%4+1), barcodes, class, cat, i%2, 500+i%9000, (i%3)*500,
			i%8, i%1000, diseases)
	}
	return buf.Bytes()
}

var bigBundle = sync.OnceValues(func() (*Bundle, error) {
	cat, err := ParseCatalogue(bytes.NewReader(bigCatalogueCSV(100_000)))
	if err != nil {
		return nil, err
	}
	return &Bundle{Version: 1, IssuedAt: now.Add(-24 * time.Hour), Catalogue: cat, Rules: DefaultRules()}, nil
})

func BenchmarkParseCatalogue100k(b *testing.B) {
	data := bigCatalogueCSV(100_000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		c, err := ParseCatalogue(bytes.NewReader(data))
		if err != nil || c.Len() != 100_000 {
			b.Fatalf("%v, %d items", err, c.Len())
		}
	}
}

// bigLine is a line for generated item i at its first barcode.
func bigLine(i int) Line {
	return Line{Code: fmt.Sprintf("G%06d", i), Barcode: fmt.Sprintf("69%011d", i), Qty: 1, UnitPrice: 800, RxID: "RX"}
}

func BenchmarkEvaluate20Lines100kCatalogue(b *testing.B) {
	bundle, err := bigBundle()
	if err != nil {
		b.Fatal(err)
	}
	in := diabetic()
	for i := range 20 {
		in.Lines = append(in.Lines, bigLine(4999*i+7))
	}
	for d := range 30 {
		in.History.Purchases = append(in.History.Purchases, Purchase{
			At: now.Add(-time.Duration(60-2*d) * 24 * time.Hour), Account: 3000,
			Items: []PurchaseItem{{Code: in.Lines[d%20].Code, Qty: 1, Days: 2000}},
		})
	}
	in.Swipes = []Swipe{{CardNo: "1", At: now.Add(-time.Minute)}, {CardNo: "2", At: now}}
	b.ReportAllocs()
	for b.Loop() {
		if d := Evaluate(bundle, in); len(d.Lines) != 20 {
			b.Fatal("lines lost")
		}
	}
}

// yearOfHistory is a chronic patient's year: metformin monthly, amlodipine
// every four weeks, and a small purchase most days, at several pharmacies.
func yearOfHistory() []Purchase {
	var ps []Purchase
	start := now.AddDate(-1, 0, 0)
	for d := range 365 {
		day := start.AddDate(0, 0, d)
		if d%30 == 0 {
			ps = append(ps, Purchase{At: day.Add(9 * time.Hour), Account: 2000,
				Items: []PurchaseItem{{Code: metformin, Qty: 1, Days: 30000}}})
		}
		if d%28 == 0 {
			ps = append(ps, Purchase{At: day.Add(10 * time.Hour), Account: 2500,
				Items: []PurchaseItem{{Code: amlodipine, Qty: 1, Days: 28000}}})
		}
		if d%5 != 0 {
			ps = append(ps, Purchase{At: day.Add(17 * time.Hour), Account: 900,
				Items: []PurchaseItem{{Code: vitaminC, Qty: 2}, {Code: angelica, Qty: 3}}})
		}
	}
	return ps
}

func BenchmarkEvaluateYearHistory(b *testing.B) {
	in := diabetic(ln(metformin, 1, 2000), ln(vitaminC, 2, 450), ln(coldMedicine, 1, 900), ln(angelica, 5, 300))
	in.Holder.Diseases = []string{"E11", "I10"}
	in.Lines = append(in.Lines, ln(amlodipine, 1, 2500))
	in.History.Purchases = yearOfHistory()
	if len(in.History.Purchases) < 300 {
		b.Fatalf("only %d purchases", len(in.History.Purchases))
	}
	bundle := testBundle(b)
	b.ReportAllocs()
	for b.Loop() {
		Evaluate(bundle, in)
	}
}

// TestBigCatalogueParses keeps the benchmark's generator honest.
func TestBigCatalogueParses(t *testing.T) {
	c, err := ParseCatalogue(bytes.NewReader(bigCatalogueCSV(2000)))
	if err != nil {
		t.Fatal(err)
	}
	if c.Len() != 2000 {
		t.Fatalf("%d items", c.Len())
	}
	if code, ok := c.CodeForBarcode("6800000001000"); !ok || code != "G001000" {
		t.Fatalf("second barcode: %q %v", code, ok)
	}
}

// TestFirstChunkFitsItsSizeClass keeps the first reasons-and-evidence
// allocation within the 896-byte size class (with the allocator's 8-byte
// header for objects with pointers), as evaluate.go says.
func TestFirstChunkFitsItsSizeClass(t *testing.T) {
	if size := unsafe.Sizeof(firstChunk{}) + 8; size > 896 {
		t.Fatalf("firstChunk is %d bytes with its header; fact %d, Reason %d", size, unsafe.Sizeof(fact{}), unsafe.Sizeof(Reason{}))
	}
}
