package policy

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Catalogue columns of SPEC §7. All are required; their order is free and
// unknown extra columns are ignored.
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
	numColumns
)

// CatalogueColumns returns the catalogue's column names in SPEC order.
func CatalogueColumns() []string {
	return []string{"code", "name", "barcodes", "class", "category", "rx",
		"price_cap", "self_pay_bp", "days_per_unit", "max_days",
		"chronic_max_days", "diseases", "min_age", "max_age", "sex"}
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
	return c, nil
}

// headerColumns maps each SPEC column to its index in the header.
func headerColumns(header []string) ([numColumns]int, error) {
	var cols [numColumns]int
	names := CatalogueColumns()
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
	for c, name := range names {
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

func (r row) str(c int) string { return strings.TrimSpace(r.rec[r.cols[c]]) }

// int reads an integer in [lo, hi]; empty is empty.
func (r row) integer(c int, lo, hi int64, empty int64) (int64, error) {
	s := r.str(c)
	if s == "" {
		return empty, nil
	}
	name := CatalogueColumns()[c]
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
