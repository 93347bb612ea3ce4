package policy

import (
	"errors"
	"fmt"
	"strings"
)

// Bounds of a trace code as scanned.
const (
	minTraceCode = 16 // AI (01) and a GTIN-14: the shortest GS1 pack code
	maxTraceCode = 64
	gs           = 0x1D // GS1 group separator (FNC1), sent by scanners
)

// CheckTraceCode checks the shape of one drug traceability code as
// scanned: the national code of 20 digits, or a GS1 element string taken
// as the scanner sent it — 16 to 64 characters of printable ASCII (and the
// GS1 group separator 0x1D); a code of digits only must be the 20-digit
// national code or start with the GS1 application identifier 01.
func CheckTraceCode(code string) error {
	if len(code) < minTraceCode || len(code) > maxTraceCode {
		return fmt.Errorf("trace code: %d characters, want 20 digits or a GS1 code of %d to %d", len(code), minTraceCode, maxTraceCode)
	}
	digits := true
	for i := 0; i < len(code); i++ {
		c := code[i]
		switch {
		case c >= '0' && c <= '9':
		case c == gs || (c > ' ' && c < 0x7F):
			digits = false
		default:
			return fmt.Errorf("trace code: character %d is not printable ASCII", i+1)
		}
	}
	if digits && len(code) != 20 && !strings.HasPrefix(code, "01") {
		return errors.New("trace code: a national trace code has 20 digits")
	}
	return nil
}

// needsTraceCodes reports whether require_trace_codes applies to the item:
// drugs and traditional medicines in packs. An item that lists neither
// barcodes nor trace prefixes is sold loose (饮片 by weight) and has none.
func needsTraceCodes(it *Item) bool {
	return (it.Category == "drug" || it.Category == "tcm") && (len(it.Barcodes) > 0 || len(it.TracePrefixes) > 0)
}

// traceFindings are what checkTraceCodes found on one line.
type traceFindings struct {
	valid              int64
	invalid            []string
	mismatched, owners []string
	sold, repeated     []string
}

// checkTraceCodes judges line i's trace codes: a code of another item
// (ITEM_CODE_MISMATCH), a code sold before or twice in this cart
// (TRACE_CODE_REUSED), and, TRACE_CODE_REQUIRED, a malformed code, more
// codes than packs, or — when require_trace_codes is on and the item
// needs them — fewer valid codes than packs.
func (e *evaluation) checkTraceCodes(i int, it *Item) {
	ln := &e.in.Lines[i]
	required := e.rules.RequireTraceCodes && needsTraceCodes(it)
	if len(ln.TraceCodes) == 0 && !required {
		return
	}
	var f traceFindings
	for k, tc := range ln.TraceCodes {
		if CheckTraceCode(tc) != nil {
			f.invalid = append(f.invalid, tc)
			continue
		}
		f.valid++
		if owner, bad := e.traceMismatch(it, tc); bad {
			f.mismatched, f.owners = append(f.mismatched, tc), append(f.owners, owner)
		}
		switch {
		case contains(e.in.SoldTraceCodes, tc):
			f.sold = append(f.sold, tc)
		case e.scannedBefore(i, k, tc):
			f.repeated = append(f.repeated, tc)
		}
	}
	if len(f.mismatched) > 0 {
		e.addLine(i, ItemCodeMismatch, evStr("code", it.Code), evList("trace_codes", &f.mismatched),
			evList("trace_code_items", &f.owners), evList("trace_prefixes", &it.TracePrefixes))
	}
	if len(f.sold)+len(f.repeated) > 0 {
		e.addLine(i, TraceCodeReused, evStr("code", it.Code), evList("sold", &f.sold), evList("repeated", &f.repeated))
	}
	qty := max(ln.Qty, 0)
	if len(f.invalid) > 0 || int64(len(ln.TraceCodes)) > qty || (required && f.valid < qty) {
		e.addLine(i, TraceCodeRequired, evStr("code", it.Code), evInt("qty", qty),
			evInt("codes", len(ln.TraceCodes)), evInt("valid", f.valid), evList("invalid", &f.invalid),
			evBool("required", required))
	}
}

// traceMismatch reports whether trace code tc belongs to another item than
// it: an item listing prefixes needs a code with one of them; any item's
// code may not carry a prefix of another item. It returns the owner ("" if
// none).
func (e *evaluation) traceMismatch(it *Item, tc string) (string, bool) {
	owner, ok := e.cat.CodeForTraceCode(tc)
	if ok && owner == it.Code {
		return "", false
	}
	return owner, ok || len(it.TracePrefixes) > 0
}

// scannedBefore reports whether tc is on an earlier line of the cart or
// earlier on line i (before position k).
func (e *evaluation) scannedBefore(i, k int, tc string) bool {
	for j := 0; j < i; j++ {
		if contains(e.in.Lines[j].TraceCodes, tc) {
			return true
		}
	}
	return contains(e.in.Lines[i].TraceCodes[:k], tc)
}
