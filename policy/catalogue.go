package policy

import "iter"

// Item is one row of the catalogue (SPEC §7). A parsed item is shared by
// every evaluation of its bundle and must not be modified.
type Item struct {
	Code     string
	Name     string
	Barcodes []string // empty: the barcode is not checked
	Class    string   // "A", "B" or "C" (C is not paid by insurance)
	Category string   // drug, tcm, device, health_food, cosmetic, daily, food
	Rx       bool     // a prescription id is required
	PriceCap int64    // fen per unit, 0 = none (支付标准)
	// SelfPayBP is the share of a class-B item the person pays in cash, in
	// basis points.
	SelfPayBP int64
	// DaysPerUnit is how long one unit lasts, in millidays (0 = no
	// days-of-supply limit).
	DaysPerUnit int64
	// MaxDays and ChronicMaxDays are the supply limits in whole days (0 =
	// the rules default).
	MaxDays        int64
	ChronicMaxDays int64
	// Diseases are the ICD-10 codes the item is restricted to (empty =
	// none). A holder certified for one of them may also buy the chronic
	// supply.
	Diseases []string
	MinAge   int    // whole years, -1 = none
	MaxAge   int    // whole years, -1 = none
	Sex      string // "M", "F" or "" for either
	// TracePrefixes are the starts of the item's pack trace codes (the
	// optional trace_prefixes column; empty: not checked). No two items'
	// prefixes overlap, so a trace code belongs to at most one item.
	TracePrefixes []string
}

// Categories lists the item categories of SPEC §7.
func Categories() []string {
	return []string{"drug", "tcm", "device", "health_food", "cosmetic", "daily", "food"}
}

func knownCategory(c string) bool {
	switch c {
	case "drug", "tcm", "device", "health_food", "cosmetic", "daily", "food":
		return true
	}
	return false
}

// Catalogue is the parsed catalogue: items by code and by barcode. It is
// read-only after ParseCatalogue and safe for concurrent use.
type Catalogue struct {
	items     []Item
	byCode    map[string]int32
	byBarcode map[string]int32
	byPrefix  map[string]int32 // trace prefix → item
	prefixLen []int            // the lengths of the trace prefixes, ascending
}

// Item returns the item billed under code. The item must not be modified.
func (c *Catalogue) Item(code string) (*Item, bool) {
	if c == nil {
		return nil, false
	}
	i, ok := c.byCode[code]
	if !ok {
		return nil, false
	}
	return &c.items[i], true
}

// CodeForBarcode returns the code of the item that lists barcode.
func (c *Catalogue) CodeForBarcode(barcode string) (string, bool) {
	if c == nil {
		return "", false
	}
	i, ok := c.byBarcode[barcode]
	if !ok {
		return "", false
	}
	return c.items[i].Code, true
}

// CodeForTraceCode returns the code of the item one of whose trace
// prefixes starts the trace code.
func (c *Catalogue) CodeForTraceCode(traceCode string) (string, bool) {
	if c == nil {
		return "", false
	}
	for _, n := range c.prefixLen {
		if n > len(traceCode) {
			break
		}
		if i, ok := c.byPrefix[traceCode[:n]]; ok {
			return c.items[i].Code, true
		}
	}
	return "", false
}

// Len returns the number of items.
func (c *Catalogue) Len() int {
	if c == nil {
		return 0
	}
	return len(c.items)
}

// All yields every item in file order. The items must not be modified.
func (c *Catalogue) All() iter.Seq[*Item] {
	return func(yield func(*Item) bool) {
		if c == nil {
			return
		}
		for i := range c.items {
			if !yield(&c.items[i]) {
				return
			}
		}
	}
}
