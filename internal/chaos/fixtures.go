package chaos

import (
	"encoding/json"
	"fmt"
	"strings"

	"posagent/policy"
	"posagent/reader"
)

// Item is the catalogue line every chaos sale buys: 云南白药气雾剂 (D0034 in
// testdata/catalogue.csv), class A, not prescription-only and without a
// days-of-supply limit, so no item rule ever refuses it. Prices stay under
// its cap of 3500 fen.
var Item = struct {
	Code, Barcode string
	PriceCap      int64
}{Code: "D0034", Barcode: "6901234500349", PriceCap: 3500}

// Cart is a cart of one unit of Item at price fen.
func Cart(price int64) []policy.Line {
	return []policy.Line{{Code: Item.Code, Barcode: Item.Barcode, Qty: 1, UnitPrice: price}}
}

// NewCards returns n valid cards, K00000001 upwards (nine characters, as
// the card record wants).
func NewCards(n int) []reader.CardFile {
	cards := make([]reader.CardFile, n)
	for i := range cards {
		cards[i] = reader.NewCardFile(fmt.Sprintf("K%08d", i+1))
	}
	return cards
}

// AccountsCSV is the accounts file (SPEC §7) giving every card balance fen.
func AccountsCSV(cards []reader.CardFile, balance int64) []byte {
	var b strings.Builder
	b.WriteString("card_no,person_id,name,balance,status,diseases,pharmacy\n")
	for _, c := range cards {
		fmt.Fprintf(&b, "%s,%s,%s,%d,active,,\n", c.CardNo, c.PersonID, c.Name, balance)
	}
	return []byte(b.String())
}

// PermissiveRules is a rules file under which an honest stream of
// thousands of charges on a few cards is never refused: the split,
// hoarding and structuring checks and the offline limits are set out of
// reach, business hours are the whole day and no identity check is asked
// for by amount. The item and card checks stay as they are.
func PermissiveRules() ([]byte, error) {
	const far = 1_000_000_000_000 // policy's largest amount, 10^10 yuan
	r := map[string]any{
		"daily_count":            1_000_000,
		"daily_amount":           far,
		"structuring_count":      0, // off
		"hoarding_cards":         1_000_000,
		"hoarding_window_min":    10,
		"business_hours":         "00:00-24:00",
		"id_check_amount":        far,
		"offline_card_limit":     far,
		"offline_terminal_limit": far,
		"stale_after_h":          1_000,
		"quote_ttl_s":            600,
	}
	raw, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("rules: %w", err)
	}
	if _, err := policy.ParseRules(raw); err != nil {
		return nil, fmt.Errorf("permissive rules do not parse: %w", err)
	}
	return raw, nil
}
