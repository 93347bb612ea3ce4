package policy

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// Catalogue columns: those of SPEC §7, all required, then the optional
// ones of SPEC §12. Their order is free and unknown extra columns are
// ignored.
const (
	colCode = iota
	colName
	colBarcodes
	colClass
	colCategory
	colRx
	colPriceCap
	colSelfPayBP
	colDaysPerUnit
	colMaxDays
	colChronicMaxDays
	colDiseases
	colMinAge
	colMaxAge
	colSex
	colTracePrefixes // optional
	numColumns
	numRequired = colTracePrefixes
)

// columnNames returns the catalogue's column names, indexed by col*.
func columnNames() [numColumns]string {
	return [numColumns]string{"code", "name", "barcodes", "class", "category", "rx",
		"price_cap", "self_pay_bp", "days_per_unit", "max_days",
		"chronic_max_days", "diseases", "min_age", "max_age", "sex",
		"trace_prefixes"}
}

// CatalogueColumns returns the catalogue's required column names in SPEC
// order.
func CatalogueColumns() []string {
	names := columnNames()
	return append([]string(nil), names[:numRequired]...)
}

// OptionalCatalogueColumns returns the columns a catalogue may have
// besides the required ones: trace_prefixes (SPEC §12). A file without
// them is valid.
func OptionalCatalogueColumns() []string {
	names := columnNames()
	return append([]string(nil), names[numRequired:]...)
}

// maxDaysLimit bounds max_days and chronic_max_days (100 years).
const maxDaysLimit = 36500

// maxFen bounds every amount read from the centre's files and every line
// amount: 10 billion yuan. Sums of many such amounts stay far from
// overflowing int64.
const maxFen = 1_000_000_000_000

// ParseCatalogue reads the catalogue CSV of SPEC §7: UTF-8 (a leading BOM is
// skipped), a header row naming the columns in any order, one item a row.
// Fields are trimmed of surrounding spaces. Empty numeric fields mean 0
// (ages: none). Errors name the row as a spreadsheet shows it (the header is
// row 1), the column and the bad value. Duplicate codes, and a barcode listed
// by two items, are errors.
func ParseCatalogue(r io.Reader) (*Catalogue, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	if bom, err := br.Peek(3); err == nil && bytes.Equal(bom, []byte("\xEF\xBB\xBF")) {
		_, _ = br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("catalogue: empty file, no header row")
	}
	if err != nil {
		return nil, fmt.Errorf("catalogue header: %w", err)
	}
	cols, err := headerColumns(header)
	if err != nil {
		return nil, err
	}
	items, rows, err := readItems(cr, &cols)
	if err != nil {
		return nil, err
	}
	return index(items, rows)
}

// readItems reads every data row; rows[i] is the row number of items[i].
func readItems(cr *csv.Reader, cols *[numColumns]int) ([]Item, []int32, error) {
	var items []Item
	var rows []int32
	for row := 2; ; row++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return items, rows, nil
		}
		if err != nil {
			return nil, nil, fmt.Errorf("catalogue row %d: %w", row, err)
		}
		it, err := parseItem(rec, cols)
		if err != nil {
			return nil, nil, fmt.Errorf("catalogue row %d: %w", row, err)
		}
		items = append(items, it)
		rows = append(rows, int32(row))
	}
}

// index builds the catalogue's look-ups, refusing a duplicate code or a
// barcode listed by two items.
func index(items []Item, rows []int32) (*Catalogue, error) {
	nBarcodes := 0
	for i := range items {
		nBarcodes += len(items[i].Barcodes)
	}
	c := &Catalogue{
		items:     items,
		byCode:    make(map[string]int32, len(items)),
		byBarcode: make(map[string]int32, nBarcodes),
	}
	for i := range items {
		it := &items[i]
		if _, dup := c.byCode[it.Code]; dup {
			return nil, fmt.Errorf("catalogue row %d: code %q: listed twice", rows[i], it.Code)
		}
		c.byCode[it.Code] = int32(i)
		for _, bc := range it.Barcodes {
			if other, dup := c.byBarcode[bc]; dup {
				return nil, fmt.Errorf("catalogue row %d: barcodes %q: already listed by %s", rows[i], bc, items[other].Code)
			}
			c.byBarcode[bc] = int32(i)
		}
	}
	if err := c.indexTracePrefixes(rows); err != nil {
		return nil, err
	}
	return c, nil
}

// indexTracePrefixes builds the trace-prefix look-up, refusing a prefix of
// one item that equals, starts or extends a prefix of another: each trace
// code must belong to one item at most.
func (c *Catalogue) indexTracePrefixes(rows []int32) error {
	lens := map[int]bool{}
	for i := range c.items {
		it := &c.items[i]
		for _, p := range it.TracePrefixes {
			if other, dup := c.byPrefix[p]; dup && int(other) != i {
				return fmt.Errorf("catalogue row %d: trace_prefixes %q: already listed by %s", rows[i], p, c.items[other].Code)
			}
			if c.byPrefix == nil {
				c.byPrefix = map[string]int32{}
			}
			c.byPrefix[p] = int32(i)
			lens[len(p)] = true
		}
	}
	for n := range lens {
		c.prefixLen = append(c.prefixLen, n)
	}
	slices.Sort(c.prefixLen)
	for i := range c.items {
		for _, p := range c.items[i].TracePrefixes {
			for _, n := range c.prefixLen {
				if n >= len(p) {
					break
				}
				if other, ok := c.byPrefix[p[:n]]; ok && int(other) != i {
					return fmt.Errorf("catalogue row %d: trace_prefixes %q: overlaps %q of %s", rows[i], p, p[:n], c.items[other].Code)
				}
			}
		}
	}
	return nil
}

// headerColumns maps each SPEC column to its index in the header.
func headerColumns(header []string) ([numColumns]int, error) {
	var cols [numColumns]int
	names := columnNames()
	for i := range cols {
		cols[i] = -1
	}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		for c, name := range names {
			if h != name {
				continue
			}
			if cols[c] >= 0 {
				return cols, fmt.Errorf("catalogue header: column %q appears twice", name)
			}
			cols[c] = i
		}
	}
	var missing []string
	for c, name := range names[:numRequired] {
		if cols[c] < 0 {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return cols, fmt.Errorf("catalogue header: missing column(s) %s", strings.Join(missing, ", "))
	}
	return cols, nil
}

// fieldError describes a bad value in a named column.
func fieldError(col, value, problem string) error {
	return fmt.Errorf("%s %q: %s", col, value, problem)
}

// row reads the fields of one record by SPEC column.
type row struct {
	rec  []string
	cols *[numColumns]int
}

// str returns column c's field, "" for an optional column the file lacks.
func (r row) str(c int) string {
	if r.cols[c] < 0 {
		return ""
	}
	return strings.TrimSpace(r.rec[r.cols[c]])
}

// int reads an integer in [lo, hi]; empty is empty.
func (r row) integer(c int, lo, hi int64, empty int64) (int64, error) {
	s := r.str(c)
	if s == "" {
		return empty, nil
	}
	name := columnNames()[c]
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fieldError(name, s, "not an integer")
	}
	if n < lo || n > hi {
		return 0, fieldError(name, s, fmt.Sprintf("out of range %d..%d", lo, hi))
	}
	return n, nil
}

// list splits a ;-separated field, dropping empty parts and duplicates.
func (r row) list(c int, upper bool) []string {
	s := r.str(c)
	if s == "" {
		return nil
	}
	parts := strings.Split(s, ";")
	out := parts[:0]
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if upper {
			p = strings.ToUpper(p)
		}
		if p != "" && !contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// parseItem reads one catalogue record into an Item.
func parseItem(rec []string, cols *[numColumns]int) (Item, error) {
	r := row{rec: rec, cols: cols}
	it := Item{
		Code:          r.str(colCode),
		Name:          r.str(colName),
		Barcodes:      r.list(colBarcodes, false),
		Class:         r.str(colClass),
		Category:      r.str(colCategory),
		Sex:           r.str(colSex),
		Diseases:      r.list(colDiseases, true),
		TracePrefixes: r.list(colTracePrefixes, false),
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
	for _, p := range it.TracePrefixes {
		if err := checkTracePrefix(p); err != nil {
			return it, fieldError("trace_prefixes", p, err.Error())
		}
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

// checkTracePrefix checks one trace prefix: 1 to 64 characters of
// printable ASCII, as a trace code starts.
func checkTracePrefix(p string) error {
	if len(p) > maxTraceCode {
		return fmt.Errorf("longer than %d characters", maxTraceCode)
	}
	for i := 0; i < len(p); i++ {
		if p[i] <= ' ' || p[i] >= 0x7F {
			return errors.New("not printable ASCII")
		}
	}
	return nil
}

// maxWholeDays bounds a decimal day count so that millidays, and durations
// built from them, never overflow.
const maxWholeDays = 100000

// parseMillidays parses a non-negative decimal with at most three decimals
// ("1", "0.5", "0.333") into thousandths, without floating point.
func parseMillidays(s string) (int64, error) {
	whole, frac, dot := strings.Cut(s, ".")
	if whole == "" || (dot && frac == "") || !allDigits(whole) || !allDigits(frac) {
		return 0, errors.New("not a decimal number")
	}
	if len(frac) > 3 {
		return 0, errors.New("more than 3 decimals")
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w > maxWholeDays {
		return 0, errors.New("too large")
	}
	f := int64(0)
	for i := 0; i < 3; i++ {
		f *= 10
		if i < len(frac) {
			f += int64(frac[i] - '0')
		}
	}
	return w*1000 + f, nil
}

// formatMillidays writes thousandths as a decimal with no trailing zeros:
// 1500 → "1.5", 30000 → "30", -250 → "-0.25".
func formatMillidays(m int64) string {
	sign := ""
	if m < 0 {
		sign, m = "-", -m
	}
	s := sign + strconv.FormatInt(m/1000, 10)
	if frac := m % 1000; frac != 0 {
		digits := strconv.FormatInt(frac+1000, 10)[1:] // zero-padded to 3
		s += "." + strings.TrimRight(digits, "0")
	}
	return s
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
