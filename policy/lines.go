package policy

import (
	"strings"
	"time"
)

// checkLine prices line i and adds its item reasons, in this order:
// ITEM_NOT_COVERED, ITEM_FORBIDDEN, ITEM_CODE_MISMATCH, RX_REQUIRED,
// PRICE_ABOVE_CAP, QTY_OVER_LIMIT, DISEASE_RESTRICTED, AGE_RESTRICTED,
// SEX_RESTRICTED.
func (e *evaluation) checkLine(i int) {
	ln := e.in.Lines[i]
	d := &e.dec.Lines[i]
	d.Code = ln.Code
	d.Amount = mulClamp(ln.Qty, ln.UnitPrice, maxFen)
	it, ok := e.cat.Item(ln.Code)
	if !ok {
		ev := map[string]any{"code": ln.Code}
		if bc, ok := e.cat.CodeForBarcode(ln.Barcode); ok {
			ev["barcode"], ev["barcode_code"] = ln.Barcode, bc
		}
		e.addLine(i, ItemNotCovered, ev)
		d.Account = d.Amount
		return
	}
	e.items[i] = it
	d.Days = mulClamp(ln.Qty, it.DaysPerUnit, maxWholeDays*1000)
	e.checkCoverage(i, it)
	e.allocate(i, it)
	e.checkQuantity(i, it)
	e.checkPerson(i, it)
}

// checkCoverage adds the reasons that say the item may not be paid as
// billed: class C, a forbidden category, a barcode of something else, a
// prescription drug without a prescription.
func (e *evaluation) checkCoverage(i int, it *Item) {
	ln := e.in.Lines[i]
	if it.Class == "C" {
		e.addLine(i, ItemNotCovered, map[string]any{"code": it.Code, "class": it.Class})
	}
	if contains(e.rules.ForbiddenCategories, it.Category) {
		e.addLine(i, ItemForbidden, map[string]any{"code": it.Code, "category": it.Category})
	}
	if len(it.Barcodes) > 0 && !contains(it.Barcodes, ln.Barcode) {
		owner, _ := e.cat.CodeForBarcode(ln.Barcode)
		e.addLine(i, ItemCodeMismatch, map[string]any{
			"code": it.Code, "barcode": ln.Barcode, "barcode_code": owner,
		})
	}
	if it.Rx && strings.TrimSpace(ln.RxID) == "" {
		e.addLine(i, RxRequired, map[string]any{"code": it.Code})
	}
}

// checkQuantity adds QTY_OVER_LIMIT when the days of supply of this code
// in the cart, up to and including line i, exceed the item's limit. The
// chronic limit applies when the holder is certified for one of the item's
// diseases.
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
	limit := cmpOr(it.MaxDays, e.rules.MaxDays)
	_, chronic := e.certified(it)
	if chronic {
		limit = cmpOr(it.ChronicMaxDays, e.rules.ChronicMaxDays)
	}
	if days > limit*1000 {
		e.addLine(i, QtyOverLimit, map[string]any{
			"code": it.Code, "qty": qty, "days": formatMillidays(days),
			"limit_days": limit, "chronic": chronic,
		})
	}
}

// checkPerson adds the reasons about who may buy the item: certified
// disease, age and sex.
func (e *evaluation) checkPerson(i int, it *Item) {
	if len(it.Diseases) > 0 {
		if _, ok := e.certified(it); !ok {
			e.addLine(i, DiseaseRestricted, map[string]any{
				"code": it.Code, "diseases": it.Diseases, "certified": e.holderDiseases(),
			})
		}
	}
	card := e.in.Card
	if !card.Birth.IsZero() && (it.MinAge >= 0 || it.MaxAge >= 0) {
		a := ageAt(card.Birth, e.in.Now)
		if (it.MinAge >= 0 && a < it.MinAge) || (it.MaxAge >= 0 && a > it.MaxAge) {
			e.addLine(i, AgeRestricted, map[string]any{
				"code": it.Code, "age": a, "min_age": it.MinAge, "max_age": it.MaxAge,
			})
		}
	}
	if it.Sex != "" && card.Sex != "" && card.Sex != it.Sex {
		e.addLine(i, SexRestricted, map[string]any{"code": it.Code, "sex": card.Sex, "item_sex": it.Sex})
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
