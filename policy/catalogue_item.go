package policy

import (
	"errors"
	"strings"
)

// parseItem reads one catalogue record into an Item.
func parseItem(rec []string, cols *[numColumns]int) (Item, error) {
	r := row{rec: rec, cols: cols}
	it := Item{
		Code:     r.str(colCode),
		Name:     r.str(colName),
		Barcodes: r.list(colBarcodes, false),
		Class:    r.str(colClass),
		Category: r.str(colCategory),
		Sex:      r.str(colSex),
		Diseases: r.list(colDiseases, true),
	}
	if it.Code == "" {
		return it, errors.New(`code "": empty`)
	}
	if err := checkItemEnums(&it, r.str(colRx)); err != nil {
		return it, err
	}
	if err := parseItemNumbers(&it, r); err != nil {
		return it, err
	}
	return it, nil
}

// checkItemEnums checks the fields drawn from a fixed set of values.
func checkItemEnums(it *Item, rx string) error {
	switch it.Class {
	case "A", "B", "C":
	default:
		return fieldError("class", it.Class, "not A, B or C")
	}
	if !knownCategory(it.Category) {
		return fieldError("category", it.Category, "not one of "+strings.Join(Categories(), ", "))
	}
	switch rx {
	case "0", "":
	case "1":
		it.Rx = true
	default:
		return fieldError("rx", rx, "not 0 or 1")
	}
	switch it.Sex {
	case "", "M", "F":
	default:
		return fieldError("sex", it.Sex, "not M, F or empty")
	}
	return nil
}

// parseItemNumbers reads the numeric fields and checks they agree.
func parseItemNumbers(it *Item, r row) error {
	var err error
	if it.PriceCap, err = r.integer(colPriceCap, 0, maxFen, 0); err != nil {
		return err
	}
	if it.SelfPayBP, err = r.integer(colSelfPayBP, 0, 10000, 0); err != nil {
		return err
	}
	if s := r.str(colDaysPerUnit); s != "" {
		if it.DaysPerUnit, err = parseMillidays(s); err != nil {
			return fieldError("days_per_unit", s, err.Error())
		}
	}
	if it.MaxDays, err = r.integer(colMaxDays, 0, maxDaysLimit, 0); err != nil {
		return err
	}
	if it.ChronicMaxDays, err = r.integer(colChronicMaxDays, 0, maxDaysLimit, 0); err != nil {
		return err
	}
	minAge, err := r.integer(colMinAge, 0, 150, -1)
	if err != nil {
		return err
	}
	maxAge, err := r.integer(colMaxAge, 0, 150, -1)
	if err != nil {
		return err
	}
	if minAge >= 0 && maxAge >= 0 && minAge > maxAge {
		return fieldError("max_age", r.str(colMaxAge), "below min_age "+r.str(colMinAge))
	}
	it.MinAge, it.MaxAge = int(minAge), int(maxAge)
	return nil
}
