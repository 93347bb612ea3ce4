package policy

import (
	"strings"
	"testing"
)

const catHeader = "code,name,barcodes,class,category,rx,price_cap,self_pay_bp,days_per_unit,max_days,chronic_max_days,diseases,min_age,max_age,sex\n"

func TestParseCatalogueReadsEveryField(t *testing.T) {
	csv := catHeader +
		`D0009, 精蛋白人胰岛素注射液 ,6901234500097;6901234500104,B,drug,1,6000,1000,0.333,10,60,e10; E11,18,80,` + "\n" +
		`D0011,左炔诺孕酮片,,A,drug,0,,,,,,,,,F` + "\n"
	c, err := ParseCatalogue(strings.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	it, ok := c.Item("D0009")
	if !ok {
		t.Fatal("D0009 not found")
	}
	want := Item{Code: "D0009", Name: "精蛋白人胰岛素注射液", Barcodes: []string{"6901234500097", "6901234500104"},
		Class: "B", Category: "drug", Rx: true, PriceCap: 6000, SelfPayBP: 1000, DaysPerUnit: 333,
		MaxDays: 10, ChronicMaxDays: 60, Diseases: []string{"E10", "E11"}, MinAge: 18, MaxAge: 80}
	if !itemsEqual(*it, want) {
		t.Errorf("item = %+v\nwant   %+v", *it, want)
	}
	it, _ = c.Item("D0011")
	if it.MinAge != -1 || it.MaxAge != -1 || it.Sex != "F" || it.Rx || it.Barcodes != nil || it.PriceCap != 0 {
		t.Errorf("empty fields not defaulted: %+v", *it)
	}
	if code, ok := c.CodeForBarcode("6901234500104"); !ok || code != "D0009" {
		t.Errorf("CodeForBarcode = %q, %v", code, ok)
	}
	if _, ok := c.CodeForBarcode("6900000000000"); ok {
		t.Error("unknown barcode found")
	}
	if c.Len() != 2 {
		t.Errorf("Len = %d", c.Len())
	}
	var order []string
	for it := range c.All() {
		order = append(order, it.Code)
	}
	if strings.Join(order, ",") != "D0009,D0011" {
		t.Errorf("All order = %v", order)
	}
}

func itemsEqual(a, b Item) bool {
	return strings.Join(a.Barcodes, ";") == strings.Join(b.Barcodes, ";") &&
		strings.Join(a.Diseases, ";") == strings.Join(b.Diseases, ";") &&
		a.Code == b.Code && a.Name == b.Name && a.Class == b.Class && a.Category == b.Category &&
		a.Rx == b.Rx && a.PriceCap == b.PriceCap && a.SelfPayBP == b.SelfPayBP &&
		a.DaysPerUnit == b.DaysPerUnit && a.MaxDays == b.MaxDays && a.ChronicMaxDays == b.ChronicMaxDays &&
		a.MinAge == b.MinAge && a.MaxAge == b.MaxAge && a.Sex == b.Sex &&
		strings.Join(a.TracePrefixes, ";") == strings.Join(b.TracePrefixes, ";")
}

func TestParseCatalogueHeader(t *testing.T) {
	row := "D0001,二甲双胍片,6901234500011,A,drug,1,2500,0,30,0,0,E11,,,\n"
	tests := []struct {
		name, csv string
	}{
		{"spreadsheet export with a UTF-8 BOM", "\uFEFF" + catHeader + row},
		{"columns in another order with an extra column",
			"sex,max_age,min_age,diseases,chronic_max_days,max_days,days_per_unit,self_pay_bp,price_cap,rx,category,class,barcodes,name,code,remark\n" +
				",,,E11,0,0,30,0,2500,1,drug,A,6901234500011,二甲双胍片,D0001,备注\n"},
		{"header names in capitals with spaces", strings.ToUpper(strings.ReplaceAll(catHeader, ",", " , ")) + row},
		{"CRLF line ends", strings.ReplaceAll(catHeader+row, "\n", "\r\n")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseCatalogue(strings.NewReader(tc.csv))
			if err != nil {
				t.Fatal(err)
			}
			it, ok := c.Item("D0001")
			if !ok || it.DaysPerUnit != 30000 || it.PriceCap != 2500 || !it.Rx || it.Diseases[0] != "E11" {
				t.Fatalf("item = %+v", it)
			}
		})
	}
}

func TestParseCatalogueErrors(t *testing.T) {
	good := "D0001,二甲双胍片,6901234500011,A,drug,1,2500,0,30,0,0,E11,,,\n"
	tests := []struct {
		name, csv, want string
	}{
		{"empty file", "", "no header row"},
		{"missing column", strings.Replace(catHeader, ",sex", "", 1), "missing column(s) sex"},
		{"typo in a column name", strings.Replace(catHeader, "chronic_max_days", "chronic_max_day", 1), "missing column(s) chronic_max_days"},
		{"column twice", strings.Replace(catHeader, "\n", ",code\n", 1), `column "code" appears twice`},
		{"price cap not a number", catHeader + good + good[:0] + "D0002,x,6901234500028,A,drug,0,12a,0,1,0,0,,,,\n", `catalogue row 3: price_cap "12a": not an integer`},
		{"negative price cap", catHeader + "D0002,x,,A,drug,0,-1,0,1,0,0,,,,\n", `catalogue row 2: price_cap "-1": out of range`},
		{"self-pay over 100%", catHeader + "D0002,x,,B,drug,0,0,10001,1,0,0,,,,\n", `self_pay_bp "10001"`},
		{"four decimals of days", catHeader + "D0002,x,,A,drug,0,0,0,0.3333,0,0,,,,\n", `days_per_unit "0.3333": more than 3 decimals`},
		{"days with a comma", catHeader + "D0002,x,,A,drug,0,0,0,\"0,5\",0,0,,,,\n", `days_per_unit "0,5": not a decimal`},
		{"negative days", catHeader + "D0002,x,,A,drug,0,0,0,-1,0,0,,,,\n", `days_per_unit "-1"`},
		{"class D", catHeader + "D0002,x,,D,drug,0,0,0,1,0,0,,,,\n", `class "D": not A, B or C`},
		{"unknown category", catHeader + "D0002,x,,A,medicine,0,0,0,1,0,0,,,,\n", `category "medicine"`},
		{"rx yes", catHeader + "D0002,x,,A,drug,yes,0,0,1,0,0,,,,\n", `rx "yes": not 0 or 1`},
		{"sex male", catHeader + "D0002,x,,A,drug,0,0,0,1,0,0,,,,male\n", `sex "male"`},
		{"min age above max age", catHeader + "D0002,x,,A,drug,0,0,0,1,0,0,,18,14,\n", `max_age "14": below min_age 18`},
		{"empty code", catHeader + ",x,,A,drug,0,0,0,1,0,0,,,,\n", `code "": empty`},
		{"duplicate code", catHeader + good + "D0001,y,,A,drug,0,0,0,1,0,0,,,,\n", `catalogue row 3: code "D0001": listed twice`},
		{"barcode on two items", catHeader + good + "D0002,y,6901234500011,A,drug,0,0,0,1,0,0,,,,\n", `catalogue row 3: barcodes "6901234500011": already listed by D0001`},
		{"short row", catHeader + "D0002,x,,A,drug\n", "catalogue row 2: record on line 2: wrong number of fields"},
		{"max days too large", catHeader + "D0002,x,,A,drug,0,0,0,1,99999999,0,,,,\n", `max_days "99999999": out of range`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseCatalogue(strings.NewReader(tc.csv))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestParseMillidays(t *testing.T) {
	good := map[string]int64{"0": 0, "1": 1000, "0.5": 500, "0.333": 333, "6.667": 6667, "30": 30000, "007.10": 7100, "100000": 100000000}
	for s, want := range good {
		got, err := parseMillidays(s)
		if err != nil || got != want {
			t.Errorf("parseMillidays(%q) = %d, %v; want %d", s, got, err, want)
		}
		if back, _ := parseMillidays(formatMillidays(got)); back != got {
			t.Errorf("formatMillidays(%d) = %q does not read back", got, formatMillidays(got))
		}
	}
	for _, s := range []string{"", ".5", "1.", "1.2345", "-1", "+1", "1e3", "1.5.0", "100001", " 1", "1,5", "９"} {
		if got, err := parseMillidays(s); err == nil {
			t.Errorf("parseMillidays(%q) = %d, want an error", s, got)
		}
	}
	for m, want := range map[int64]string{0: "0", 1500: "1.5", 333: "0.333", 30000: "30", 1010: "1.01", -250: "-0.25"} {
		if got := formatMillidays(m); got != want {
			t.Errorf("formatMillidays(%d) = %q, want %q", m, got, want)
		}
	}
}

// TestTracePrefixes: the optional trace_prefixes column (SPEC §12). A
// catalogue without it (catHeader) stays valid: every test above reads one.
func TestTracePrefixes(t *testing.T) {
	csv := strings.TrimSuffix(catHeader, "\n") + ",trace_prefixes\n" +
		"D0001,二甲双胍片,6901234500011,A,drug,1,2500,0,30,0,0,E11,,,, 8100001 ;8200001;\n" +
		"D0004,布洛芬缓释胶囊,6901234500042,A,drug,0,1500,0,5,0,0,,,,,8100004\n" +
		"D0036,当归饮片,,A,tcm,0,300,0,0,0,0,,,,,\n"
	c, err := ParseCatalogue(strings.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	if it, _ := c.Item("D0001"); strings.Join(it.TracePrefixes, ";") != "8100001;8200001" {
		t.Fatalf("prefixes %q", it.TracePrefixes)
	}
	if it, _ := c.Item("D0036"); it.TracePrefixes != nil {
		t.Fatalf("prefixes %q", it.TracePrefixes)
	}
	for tc, want := range map[string]string{
		"82000011234567890123": "D0001", "81000041234567890123": "D0004", "81000051234567890123": "", "8100": "",
	} {
		if got, ok := c.CodeForTraceCode(tc); got != want || ok != (want != "") {
			t.Errorf("CodeForTraceCode(%s) = %q %v, want %q", tc, got, ok, want)
		}
	}
	var nilCat *Catalogue
	if _, ok := nilCat.CodeForTraceCode("81000011234567890123"); ok {
		t.Error("nil catalogue found a trace code")
	}

	head := strings.TrimSuffix(catHeader, "\n") + ",trace_prefixes\n"
	bad := []struct{ name, csv, want string }{
		{"a prefix on two items", head + "D1,x,,A,drug,0,0,0,1,0,0,,,,,810001\nD2,y,,A,drug,0,0,0,1,0,0,,,,,810001\n",
			`catalogue row 3: trace_prefixes "810001": already listed by D1`},
		{"a prefix inside another item's", head + "D1,x,,A,drug,0,0,0,1,0,0,,,,,8100\nD2,y,,A,drug,0,0,0,1,0,0,,,,,810001\n",
			`catalogue row 3: trace_prefixes "810001": overlaps "8100" of D1`},
		{"an item's prefix around another's", head + "D1,x,,A,drug,0,0,0,1,0,0,,,,,810001\nD2,y,,A,drug,0,0,0,1,0,0,,,,,81\n",
			`catalogue row 2: trace_prefixes "810001": overlaps "81" of D2`},
		{"a space inside", head + "D1,x,,A,drug,0,0,0,1,0,0,,,,,81 00\n", `trace_prefixes "81 00": not printable ASCII`},
		{"too long", head + "D1,x,,A,drug,0,0,0,1,0,0,,,,," + strings.Repeat("8", 65) + "\n", "longer than 64"},
	}
	for _, tc := range bad {
		if _, err := ParseCatalogue(strings.NewReader(tc.csv)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to contain %q", tc.name, err, tc.want)
		}
	}
	// One item may list nested prefixes of its own.
	if _, err := ParseCatalogue(strings.NewReader(head + "D1,x,,A,drug,0,0,0,1,0,0,,,,,81;8100\n")); err != nil {
		t.Errorf("nested prefixes of one item: %v", err)
	}
}

func TestNilCatalogueFindsNothing(t *testing.T) {
	var c *Catalogue
	if _, ok := c.Item("D0001"); ok || c.Len() != 0 {
		t.Fatal("nil catalogue found an item")
	}
	if _, ok := c.CodeForBarcode("1"); ok {
		t.Fatal("nil catalogue found a barcode")
	}
	for range c.All() {
		t.Fatal("nil catalogue yielded an item")
	}
}
