package policy

import (
	"strings"
	"time"
)

// priceLine sets line i's code, amount and days of supply and returns its
// item (nil when the code is not in the catalogue).
func (e *evaluation) priceLine(i int) *Item {
	ln := &e.in.Lines[i]
	d := &e.dec.Lines[i]
	d.Code = ln.Code
	d.Amount = mulClamp(ln.Qty, ln.UnitPrice, maxFen)
	it, ok := e.cat.Item(ln.Code)
	if !ok {
		return nil
	}
	d.Days = mulClamp(ln.Qty, it.DaysPerUnit, maxWholeDays*1000)
	return it
}

// checkLine prices line i and adds its item reasons, in this order:
// ITEM_NOT_COVERED, ITEM_FORBIDDEN, BARCODE_REQUIRED or ITEM_CODE_MISMATCH
// (barcode), RX_REQUIRED, the trace-code reasons (ITEM_CODE_MISMATCH,
// TRACE_CODE_REUSED, TRACE_CODE_REQUIRED), PRICE_ABOVE_CAP, QTY_OVER_LIMIT
// or DESIGNATED_PHARMACY, DISEASE_RESTRICTED, AGE_RESTRICTED,
// SEX_RESTRICTED. It returns the line's item (nil when not in the
// catalogue).
func (e *evaluation) checkLine(i int) *Item {
	it := e.priceLine(i)
	if it == nil {
		ln := &e.in.Lines[i]
		if bc, ok := e.cat.CodeForBarcode(ln.Barcode); ok {
			e.addLine(i, ItemNotCovered, evStr("code", ln.Code), evStr("barcode", ln.Barcode), evStr("barcode_code", bc))
		} else {
			e.addLine(i, ItemNotCovered, evStr("code", ln.Code))
		}
		e.dec.Lines[i].Account = e.dec.Lines[i].Amount
		return nil
	}
	e.checkCoverage(i, it)
	e.checkTraceCodes(i, it)
	e.allocate(i, it)
	e.checkQuantity(i, it)
	e.checkPerson(i, it)
	return it
}

// checkCoverage adds the reasons that say the item may not be paid as
// billed: class C, a forbidden category, a missing barcode or a barcode of
// something else, a prescription drug without a prescription.
func (e *evaluation) checkCoverage(i int, it *Item) {
	ln := &e.in.Lines[i]
	if it.Class == "C" {
		e.addLine(i, ItemNotCovered, evStr("code", it.Code), evStr("class", it.Class))
	}
	if contains(e.rules.ForbiddenCategories, it.Category) {
		e.addLine(i, ItemForbidden, evStr("code", it.Code), evStr("category", it.Category))
	}
	e.checkBarcode(i, it, ln.Barcode)
	if it.Rx && strings.TrimSpace(ln.RxID) == "" {
		e.addLine(i, RxRequired, evStr("code", it.Code))
	}
}

// checkBarcode judges the barcode scanned for an item. An item that lists
// barcodes needs one of them (none scanned: BARCODE_REQUIRED; another:
// ITEM_CODE_MISMATCH). An item without barcodes (饮片 sold by weight)
// needs none, but may not be scanned under a barcode the catalogue gives
// another item.
func (e *evaluation) checkBarcode(i int, it *Item, barcode string) {
	switch {
	case len(it.Barcodes) > 0 && strings.TrimSpace(barcode) == "":
		e.addLine(i, BarcodeRequired, evStr("code", it.Code), evList("barcodes", &it.Barcodes))
	case len(it.Barcodes) > 0 && !contains(it.Barcodes, barcode):
		owner, _ := e.cat.CodeForBarcode(barcode)
		e.addLine(i, ItemCodeMismatch, evStr("code", it.Code), evStr("barcode", barcode), evStr("barcode_code", owner))
	case len(it.Barcodes) == 0 && barcode != "":
		if owner, ok := e.cat.CodeForBarcode(barcode); ok && owner != it.Code {
			e.addLine(i, ItemCodeMismatch, evStr("code", it.Code), evStr("barcode", barcode), evStr("barcode_code", owner))
		}
	}
}

// checkQuantity adds QTY_OVER_LIMIT when the days of supply of this code
// in the cart, up to and including line i, exceed the item's limit. The
// chronic limit applies when the holder is certified for one of the item's
// diseases — at the holder's designated pharmacy only, when one is set:
// elsewhere a line over the acute limit and within the chronic one is
// DESIGNATED_PHARMACY.
func (e *evaluation) checkQuantity(i int, it *Item) {
	if it.DaysPerUnit <= 0 {
		return
	}
	var days, qty int64
	for j := 0; j <= i; j++ {
		if e.in.Lines[j].Code == it.Code {
			days += e.dec.Lines[j].Days
			qty += max(e.in.Lines[j].Qty, 0)
		}
	}
	acute := cmpOr(it.MaxDays, e.rules.MaxDays)
	limit := acute
	_, chronic := e.certified(it)
	if chronic {
		limit = cmpOr(it.ChronicMaxDays, e.rules.ChronicMaxDays)
	}
	switch {
	case days > limit*1000:
		e.addLine(i, QtyOverLimit, evStr("code", it.Code), evInt("qty", qty), evDays("days", days),
			evInt("limit_days", limit), evBool("chronic", chronic))
	case chronic && days > acute*1000 && !e.atDesignatedPharmacy():
		h := e.in.Holder
		e.addLine(i, DesignatedPharmacy, evStr("code", it.Code), evInt("qty", qty), evDays("days", days),
			evInt("limit_days", acute), evInt("chronic_limit_days", limit),
			evStr("pharmacy", e.in.Pharmacy), evStr("designated_pharmacy", h.Pharmacy))
	}
}

// atDesignatedPharmacy reports whether the chronic supply may be sold
// here: the holder has no designated pharmacy, or this is it. A sale whose
// pharmacy is not said is not judged.
func (e *evaluation) atDesignatedPharmacy() bool {
	h := e.in.Holder
	return h == nil || h.Pharmacy == "" || e.in.Pharmacy == "" || e.in.Pharmacy == h.Pharmacy
}

// checkPerson adds the reasons about who may buy the item: certified
// disease, age and sex. Age and sex come from the card, or, when the card
// does not say (a track-2 swipe), from the account.
func (e *evaluation) checkPerson(i int, it *Item) {
	if len(it.Diseases) > 0 {
		if _, ok := e.certified(it); !ok {
			e.addLine(i, DiseaseRestricted, evStr("code", it.Code), evList("diseases", &it.Diseases),
				evList("certified", e.holderDiseasesRef()))
		}
	}
	p := &e.person
	if !p.birth.IsZero() && (it.MinAge >= 0 || it.MaxAge >= 0) {
		a := ageAt(p.birth, e.in.Now)
		if (it.MinAge >= 0 && a < it.MinAge) || (it.MaxAge >= 0 && a > it.MaxAge) {
			e.addLine(i, AgeRestricted, evStr("code", it.Code), evInt("age", a), evInt("min_age", it.MinAge),
				evInt("max_age", it.MaxAge), evStr("from", p.birthFrom))
		}
	}
	if it.Sex != "" && p.sex != "" && p.sex != it.Sex {
		e.addLine(i, SexRestricted, evStr("code", it.Code), evStr("sex", p.sex), evStr("item_sex", it.Sex),
			evStr("from", p.sexFrom))
	}
}

// certified returns the item disease the holder is certified for, if any.
// A certified code matches an item code it equals or extends, ignoring
// case: an item for E11 covers a holder certified for E11.9.
func (e *evaluation) certified(it *Item) (string, bool) {
	for _, d := range it.Diseases {
		for _, h := range e.holderDiseases() {
			if len(h) >= len(d) && strings.EqualFold(h[:len(d)], d) {
				return d, true
			}
		}
	}
	return "", false
}

// holderDiseasesRef points at the holder's certified diseases (nil: no
// holder), for evidence.
func (e *evaluation) holderDiseasesRef() *[]string {
	if e.in.Holder == nil {
		return nil
	}
	return &e.in.Holder.Diseases
}

func (e *evaluation) holderDiseases() []string {
	if e.in.Holder == nil {
		return nil
	}
	return e.in.Holder.Diseases
}

// cmpOr returns a when it is positive, else b.
func cmpOr(a, b int64) int64 {
	if a > 0 {
		return a
	}
	return b
}

// ageAt returns the age in whole years on now's local date of someone born
// on birth's date (in birth's own zone).
func ageAt(birth, now time.Time) int {
	by, bm, bd := birth.Date()
	ny, nm, nd := now.Date()
	a := ny - by
	if nm < bm || (nm == bm && nd < bd) {
		a--
	}
	return a
}
