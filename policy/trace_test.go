package policy

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// traceCode is pack n's 20-digit trace code for item code, under its first
// trace prefix.
func traceCode(code string, n int) string {
	it, ok := testBundleMust().Catalogue.Item(code)
	if !ok || len(it.TracePrefixes) == 0 {
		panic(code + " has no trace prefix")
	}
	p := it.TracePrefixes[0]
	return p + fmt.Sprintf("%0*d", 20-len(p), n)
}

// packs is ln with one trace code per pack, numbered from first.
func packs(code string, qty, price int64, first int) Line {
	l := ln(code, qty, price)
	for k := range int(qty) {
		l.TraceCodes = append(l.TraceCodes, traceCode(code, first+k))
	}
	return l
}

func TestCheckTraceCode(t *testing.T) {
	good := []string{
		"81000011234567890123",                            // national code, 20 digits
		"0106901234500011172612311024A17\x1d21X9Y8Z7",     // GS1 element string with FNC1 as GS
		"(01)06901234500011(17)261231(10)24A17(21)X9Y8Z7", // GS1 human-readable form
		"0106901234500011",                                // AI 01 and a GTIN only
		"010690123450001117261231",                        // digits only, GS1
		strings.Repeat("A", 64),
	}
	for _, c := range good {
		if err := CheckTraceCode(c); err != nil {
			t.Errorf("%q: %v", c, err)
		}
	}
	bad := []string{
		"",
		"8100001123456789012",    // 19 digits: a truncated national code
		"810000112345678901234",  // 21 digits
		"81000011234 567890123",  // a space
		"8100001123456789012\n3", // a control character
		"8100001123456789012３",   // not ASCII
		strings.Repeat("A", 65),
		"ABC",
	}
	for _, c := range bad {
		if err := CheckTraceCode(c); err == nil {
			t.Errorf("%q accepted", c)
		}
	}
}

func TestTraceCodes(t *testing.T) {
	require := withRules(t, func(r *Rules) { r.RequireTraceCodes = true })
	tests := []struct {
		name   string
		b      *Bundle
		in     Input
		line   int
		want   []Code
		reason map[string]any // evidence of the last wanted reason
	}{
		{"two packs, two codes of the item", testBundle(t), sale(packs(coldMedicine, 2, 900, 1)), 0, nil, nil},
		{"no codes when they are not required", testBundle(t), sale(ln(coldMedicine, 2, 900)), 0, nil, nil},
		{"a code sold before is reused (回流药)", testBundle(t),
			func() Input {
				in := sale(packs(coldMedicine, 2, 900, 1))
				in.SoldTraceCodes = []string{traceCode(coldMedicine, 2)}
				return in
			}(), 0, []Code{TraceCodeReused},
			map[string]any{"sold": []string{traceCode(coldMedicine, 2)}, "repeated": []string(nil)}},
		{"the same pack on two lines", testBundle(t),
			sale(packs(coldMedicine, 1, 900, 1), packs(coldMedicine, 1, 900, 1)), 1, []Code{TraceCodeReused},
			map[string]any{"repeated": []string{traceCode(coldMedicine, 1)}}},
		{"the same pack twice on one line", testBundle(t),
			func() Input {
				l := packs(coldMedicine, 2, 900, 1)
				l.TraceCodes[1] = l.TraceCodes[0]
				return sale(l)
			}(), 0, []Code{TraceCodeReused}, nil},
		{"metformin billed with ibuprofen's pack code (串换)", testBundle(t),
			func() Input {
				l := ln(metformin, 1, 2000)
				l.TraceCodes = []string{traceCode(ibuprofen, 7)}
				return diabetic(l)
			}(), 0, []Code{ItemCodeMismatch},
			map[string]any{"trace_codes": []string{traceCode(ibuprofen, 7)}, "trace_code_items": []string{ibuprofen}}},
		{"a code with none of the item's prefixes", testBundle(t),
			func() Input {
				l := ln(ibuprofen, 1, 1200)
				l.TraceCodes = []string{"83999991234567890123"}
				return sale(l)
			}(), 0, []Code{ItemCodeMismatch}, map[string]any{"trace_code_items": []string{""}}},
		{"the second packaging's prefix", testBundle(t),
			func() Input {
				l := ln(metforminXR, 1, 2800)
				l.TraceCodes = []string{"82000310000000000001"}
				return diabetic(l)
			}(), 0, nil, nil},
		{"an item without prefixes takes a code nobody claims", testBundle(t),
			func() Input {
				l := ln(angelica, 1, 300)
				l.TraceCodes = []string{"83999991234567890123"}
				return sale(l)
			}(), 0, nil, nil},
		{"an item without prefixes under another item's pack code", testBundle(t),
			func() Input {
				l := ln(angelica, 1, 300)
				l.TraceCodes = []string{traceCode(ibuprofen, 1)}
				return sale(l)
			}(), 0, []Code{ItemCodeMismatch}, nil},
		{"required: one code missing", require, sale(func() Line {
			l := packs(coldMedicine, 2, 900, 1)
			l.TraceCodes = l.TraceCodes[:1]
			return l
		}()), 0, []Code{TraceCodeRequired}, map[string]any{"qty": int64(2), "valid": int64(1), "required": true}},
		{"required: every pack scanned", require, sale(packs(coldMedicine, 2, 900, 1)), 0, nil, nil},
		{"required: 饮片 sold by weight needs none", require, sale(ln(angelica, 10, 300)), 0, nil, nil},
		{"required: a drug without days of supply needs them too", require, sale(ln(vitaminC, 1, 450)), 0,
			[]Code{TraceCodeRequired}, map[string]any{"qty": int64(1), "valid": int64(0)}},
		{"a malformed code even when not required", testBundle(t), sale(func() Line {
			l := ln(ibuprofen, 1, 1200)
			l.TraceCodes = []string{"8100004123"}
			return l
		}()), 0, []Code{TraceCodeRequired}, map[string]any{"invalid": []string{"8100004123"}, "required": false}},
		{"more codes than packs", testBundle(t), sale(func() Line {
			l := packs(coldMedicine, 2, 900, 1)
			l.Qty = 1
			return l
		}()), 0, []Code{TraceCodeRequired}, map[string]any{"codes": int64(2), "qty": int64(1)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := evaluate(t, tc.b, tc.in)
			l := d.Lines[tc.line]
			got := codes(l.Reasons)
			if !slices.Equal(got, append([]Code{}, tc.want...)) {
				t.Fatalf("line %d reasons %v, want %v", tc.line, got, tc.want)
			}
			if len(tc.want) > 0 {
				if l.Account != 0 {
					t.Fatalf("line paid %d from the account", l.Account)
				}
				r, _ := find(l.Reasons, tc.want[len(tc.want)-1])
				for k, v := range tc.reason {
					if fmt.Sprint(r.Evidence[k]) != fmt.Sprint(v) {
						t.Errorf("evidence %s = %v, want %v", k, r.Evidence[k], v)
					}
				}
			} else if l.Account != l.Amount {
				t.Fatalf("honest line paid %d of %d", l.Account, l.Amount)
			}
		})
	}
}
