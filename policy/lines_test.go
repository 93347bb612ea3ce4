package policy

import (
	"slices"
	"testing"
	"time"
)

// lineCase is one cart line and the reasons it must (and must not) get.
type lineCase struct {
	name string
	in   Input
	want []Code // the line's reason codes, in order
}

func runLineCases(t *testing.T, tests []lineCase) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := evaluate(t, testBundle(t), tc.in)
			got := codes(d.Lines[0].Reasons)
			want := tc.want
			if want == nil {
				want = []Code{}
			}
			if !slices.Equal(got, want) {
				t.Fatalf("reasons %v, want %v", got, want)
			}
			if hasBlock(d.Lines[0].Reasons) != (d.Lines[0].Account == 0) && d.Lines[0].Amount > 0 {
				t.Fatalf("account %d with reasons %v", d.Lines[0].Account, got)
			}
		})
	}
}

func TestCoverage(t *testing.T) {
	noRx := ln(amoxicillin, 1, 1000)
	noRx.RxID = " "
	otherBarcode := ln(metformin, 1, 2000)
	otherBarcode.Barcode = "6901234500042" // ibuprofen's
	unknownBarcode := ln(ibuprofen, 1, 1200)
	unknownBarcode.Barcode = "6900000000000"
	noBarcode := ln(ibuprofen, 1, 1200)
	noBarcode.Barcode = ""
	secondBarcode := ln(metforminXR, 1, 2800)
	secondBarcode.Barcode = "6909876500314"
	anyBarcode := ln(angelica, 10, 250)
	anyBarcode.Barcode = "2000000000001"
	herbAsPowder := ln(angelica, 10, 250)
	herbAsPowder.Barcode = "6901234500158" // protein powder's
	herbNoBarcode := ln(angelica, 10, 250)
	runLineCases(t, []lineCase{
		{"code not in the catalogue is not covered", sale(Line{Code: "D9999", Barcode: "1", Qty: 1, UnitPrice: 100}), []Code{ItemNotCovered}},
		{"class C thermometer is not covered", sale(ln(thermometer, 1, 3500)), []Code{ItemNotCovered}},
		{"class A ibuprofen is covered", sale(ln(ibuprofen, 1, 1200)), nil},
		{"protein powder is health food", sale(ln(proteinPowd, 1, 19800)), []Code{ItemNotCovered, ItemForbidden}},
		{"face cream is a cosmetic", sale(ln(faceCream, 1, 8800)), []Code{ItemNotCovered, ItemForbidden}},
		{"vitamin C tablets (a drug) pass", sale(ln(vitaminC, 1, 450)), nil},
		{"metformin billed with ibuprofen's barcode is a code mismatch", diabetic(otherBarcode), []Code{ItemCodeMismatch}},
		{"unknown barcode is a code mismatch", sale(unknownBarcode), []Code{ItemCodeMismatch}},
		{"missing barcode is required, not a mismatch", sale(noBarcode), []Code{BarcodeRequired}},
		{"item's second barcode passes", diabetic(secondBarcode), nil},
		{"bulk herb without listed barcodes passes a barcode nobody has", sale(anyBarcode), nil},
		{"bulk herb without barcodes needs none", sale(herbNoBarcode), nil},
		{"bulk herb scanned as protein powder is a code mismatch", sale(herbAsPowder), []Code{ItemCodeMismatch}},
		{"amoxicillin without a prescription", sale(noRx), []Code{RxRequired}},
		{"amoxicillin with a prescription passes", sale(ln(amoxicillin, 1, 1000)), nil},
	})
}

func TestCodeMismatchEvidence(t *testing.T) {
	l := ln(metformin, 1, 2000)
	l.Barcode = "6901234500042"
	d := evaluate(t, testBundle(t), diabetic(l))
	r, _ := find(d.Lines[0].Reasons, ItemCodeMismatch)
	if r.Evidence["code"] != metformin || r.Evidence["barcode"] != "6901234500042" || r.Evidence["barcode_code"] != ibuprofen {
		t.Fatalf("evidence %v", r.Evidence)
	}
}

func TestQuantity(t *testing.T) {
	splitCart := sale(ln(ibuprofen, 1, 1200), ln(ibuprofen, 1, 1200))
	runLineCases(t, []lineCase{
		{"one box of ibuprofen (5 days) passes", sale(ln(ibuprofen, 1, 1200)), nil},
		{"two boxes of ibuprofen (10 days) exceed 7", sale(ln(ibuprofen, 2, 1200)), []Code{QtyOverLimit}},
		{"two boxes of cold medicine (6 days) pass", sale(ln(coldMedicine, 2, 900)), nil},
		{"three boxes of cold medicine (9 days) exceed 7", sale(ln(coldMedicine, 3, 900)), []Code{QtyOverLimit}},
		{"diabetic's one month of metformin passes", diabetic(ln(metformin, 1, 2000)), nil},
		{"diabetic's two months of metformin exceed 30", diabetic(ln(metformin, 2, 2000)), []Code{QtyOverLimit}},
		{"holder certified E11.9 gets metformin's chronic supply", func() Input {
			in := sale(ln(metformin, 1, 2000))
			in.Holder.Diseases = []string{"e11.9"}
			return in
		}(), nil},
		{"aspirin's own 30-day limit passes a month", sale(ln(aspirin, 1, 1200)), nil},
		{"aspirin's own 30-day limit stops two months", sale(ln(aspirin, 2, 1200)), []Code{QtyOverLimit}},
		{"vitamin C without a days limit passes 20 boxes", sale(ln(vitaminC, 20, 450)), nil},
		{"kids' cold granules 3.333 days × 2 passes", func() Input {
			in := sale(ln(kidsCold, 2, 1200))
			in.Card.Birth = time.Date(2018, 1, 1, 0, 0, 0, 0, cst)
			return in
		}(), nil},
		{"kids' cold granules 3.333 days × 3 exceed 7", func() Input {
			in := sale(ln(kidsCold, 3, 1200))
			in.Card.Birth = time.Date(2018, 1, 1, 0, 0, 0, 0, cst)
			return in
		}(), []Code{QtyOverLimit}},
	})
	// The same drug on two lines is added up: the second line goes over.
	d := evaluate(t, testBundle(t), splitCart)
	if len(d.Lines[0].Reasons) != 0 || !hasBlock(d.Lines[1].Reasons) || d.AccountTotal != 1200 {
		t.Fatalf("split cart: line reasons %v / %v, account %d", codes(d.Lines[0].Reasons), codes(d.Lines[1].Reasons), d.AccountTotal)
	}
	r, _ := find(d.Lines[1].Reasons, QtyOverLimit)
	if r.Evidence["days"] != "10" || r.Evidence["qty"] != int64(2) || r.Evidence["limit_days"] != int64(7) || r.Evidence["chronic"] != false {
		t.Fatalf("evidence %v", r.Evidence)
	}
}

func TestPersonRestrictions(t *testing.T) {
	woman := func(birth time.Time, lines ...Line) Input {
		in := sale(lines...)
		in.Card.Sex, in.Card.Birth = "F", birth
		return in
	}
	unknown := sale(ln(levonorg, 1, 1800))
	unknown.Card.Sex, unknown.Card.Birth = "", time.Time{}
	runLineCases(t, []lineCase{
		{"metformin for a holder without diabetes", sale(ln(metformin, 1, 2000)), []Code{QtyOverLimit, DiseaseRestricted}},
		{"insulin for a type-1 diabetic passes", func() Input {
			in := sale(ln(insulin, 1, 5000))
			in.Holder.Diseases = []string{"I10", "E10"}
			return in
		}(), nil},
		{"amlodipine for a diabetic without hypertension", diabetic(ln(amlodipine, 1, 2500)), []Code{QtyOverLimit, DiseaseRestricted}},
		{"tadalafil for a man passes", sale(ln(tadalafil, 1, 4500)), nil},
		{"tadalafil for a woman", woman(time.Date(1980, 1, 1, 0, 0, 0, 0, cst), ln(tadalafil, 1, 4500)), []Code{SexRestricted}},
		{"levonorgestrel for a man", sale(ln(levonorg, 1, 1800)), []Code{SexRestricted}},
		{"levonorgestrel for a woman of 16 today passes", woman(time.Date(2009, 3, 12, 0, 0, 0, 0, cst), ln(levonorg, 1, 1800)), nil},
		{"levonorgestrel for a girl turning 16 tomorrow", woman(time.Date(2009, 3, 13, 0, 0, 0, 0, cst), ln(levonorg, 1, 1800)), []Code{AgeRestricted}},
		{"levonorgestrel for a holder of unknown sex and age passes", unknown, nil},
		{"kids' cold granules for a 14-year-old pass", func() Input {
			in := sale(ln(kidsCold, 1, 1200))
			in.Card.Birth = time.Date(2010, 3, 13, 0, 0, 0, 0, cst)
			return in
		}(), nil},
		{"kids' cold granules for a 15-year-old", func() Input {
			in := sale(ln(kidsCold, 1, 1200))
			in.Card.Birth = time.Date(2010, 3, 12, 0, 0, 0, 0, cst)
			return in
		}(), []Code{AgeRestricted}},
	})
}

// TestDesignatedPharmacy: the chronic-disease supply (chronic_max_days) is
// paid only at the holder's designated pharmacy; elsewhere the acute limit
// applies and a line over it is DESIGNATED_PHARMACY.
func TestDesignatedPharmacy(t *testing.T) {
	at := func(pharmacy, designated string, l Line) Input {
		in := diabetic(l)
		in.Holder.Diseases = []string{"E11", "I10"}
		in.Pharmacy, in.Holder.Pharmacy = pharmacy, designated
		return in
	}
	runLineCases(t, []lineCase{
		{"a month of metformin at the designated pharmacy", at("P001", "P001", ln(metformin, 1, 2000)), nil},
		{"a month of metformin at another pharmacy", at("P002", "P001", ln(metformin, 1, 2000)), []Code{DesignatedPharmacy}},
		{"a month of metformin, no designated pharmacy", at("P002", "", ln(metformin, 1, 2000)), nil},
		{"a sale whose pharmacy is not said is not judged", at("", "P001", ln(metformin, 1, 2000)), nil},
		{"two months of metformin anywhere is over the chronic limit", at("P001", "P001", ln(metformin, 2, 2000)), []Code{QtyOverLimit}},
		{"two months at another pharmacy: over the limit, not a pharmacy question", at("P002", "P001", ln(metformin, 2, 2000)), []Code{QtyOverLimit}},
		{"a week of cold medicine elsewhere is not chronic", at("P002", "P001", ln(coldMedicine, 2, 900)), nil},
		{"aspirin's own 30-day limit is not the chronic allowance", at("P002", "P001", ln(aspirin, 1, 1400)), nil},
	})
	d := evaluate(t, testBundle(t), at("P002", "P001", ln(metformin, 1, 2000)))
	r, _ := find(d.Lines[0].Reasons, DesignatedPharmacy)
	if r.Evidence["limit_days"] != int64(7) || r.Evidence["chronic_limit_days"] != int64(30) ||
		r.Evidence["days"] != "30" || r.Evidence["designated_pharmacy"] != "P001" || r.Evidence["pharmacy"] != "P002" {
		t.Fatalf("evidence %v", r.Evidence)
	}
}
