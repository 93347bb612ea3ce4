package centre

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"posagent/policy"
	"posagent/sync/centre/store"
)

// Account statuses of SPEC §7.
var accountStatuses = map[string]bool{"active": true, "lost": true, "suspended": true, "replaced": true}

// accountColumns are the accounts CSV columns; required ones must be in the
// header, the others default to empty.
var accountColumns = []struct {
	name     string
	required bool
}{
	{"card_no", true}, {"person_id", false}, {"name", false}, {"balance", true},
	{"status", true}, {"diseases", false}, {"pharmacy", false},
}

// importChunk is how many accounts go into one store transaction.
const importChunk = 5000

// ImportAccountsCSV reads an accounts CSV (SPEC §7: card_no, person_id,
// name, balance, status, diseases, pharmacy; header by name, any order,
// extra columns ignored) and inserts or replaces the accounts, balances
// included. A card's blocklist mark survives the import. The whole file is
// checked before anything is stored, and before the ledger is held still
// for the import; a bad file changes nothing and its error (ErrInvalid)
// names the row, column and value.
func (c *Centre) ImportAccountsCSV(ctx context.Context, r io.Reader) (int, error) {
	accounts, err := ParseAccountsCSV(r)
	if err != nil {
		return 0, err
	}
	c.ledgerMu.Lock()
	defer c.ledgerMu.Unlock()
	n, err := c.importAccounts(ctx, accounts)
	if err == nil {
		c.log.Info("accounts imported", "count", n)
	}
	if n > 0 { // a chunk stored before a failure is imported all the same
		c.Audit(ctx, store.AuditImport, "accounts", fmt.Sprintf("%d accounts", n))
	}
	return n, err
}

// importAccounts stores checked accounts in chunks, keeping blocklist marks.
func (c *Centre) importAccounts(ctx context.Context, accounts []policy.Holder) (int, error) {
	for start := 0; start < len(accounts); start += importChunk {
		chunk := accounts[start:min(start+importChunk, len(accounts))]
		if err := c.keepBlocked(ctx, chunk); err != nil {
			return start, err
		}
		if err := c.st.ImportAccounts(ctx, chunk); err != nil {
			return start, fmt.Errorf("import accounts %d-%d: %w", start+1, start+len(chunk), err)
		}
	}
	return len(accounts), nil
}

// keepBlocked copies the blocklist mark of accounts already stored.
func (c *Centre) keepBlocked(ctx context.Context, accounts []policy.Holder) error {
	for i := range accounts {
		old, err := c.st.Account(ctx, accounts[i].CardNo)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return fmt.Errorf("import accounts: read %s: %w", accounts[i].CardNo, err)
		}
		accounts[i].Blocked = old.Blocked
	}
	return nil
}

// ParseAccountsCSV parses an accounts CSV into holders. Errors are
// ErrInvalid and name the row (the file's line), column and value.
func ParseAccountsCSV(r io.Reader) ([]policy.Holder, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil, invalidf("accounts csv: empty file, want a header row")
	}
	if err != nil {
		return nil, invalidf("accounts csv: header: %w", err)
	}
	cols, err := accountHeader(header)
	if err != nil {
		return nil, err
	}
	var out []policy.Holder
	seen := make(map[string]int)
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, invalidf("accounts csv: %w", err)
		}
		line, _ := cr.FieldPos(0)
		h, err := parseAccountRow(rec, cols, line)
		if err != nil {
			return nil, err
		}
		if prev, dup := seen[h.CardNo]; dup {
			return nil, invalidf("accounts row %d: card_no %q: already on row %d", line, h.CardNo, prev)
		}
		seen[h.CardNo] = line
		out = append(out, h)
	}
}

// accountHeader maps column names to their index (-1: absent).
func accountHeader(header []string) (map[string]int, error) {
	if len(header) > 0 {
		header[0] = string(bytes.TrimPrefix([]byte(header[0]), []byte("\ufeff")))
	}
	cols := make(map[string]int, len(accountColumns))
	for _, c := range accountColumns {
		cols[c.name] = -1
	}
	for i, name := range header {
		name = strings.ToLower(strings.TrimSpace(name))
		if idx, known := cols[name]; known {
			if idx >= 0 {
				return nil, invalidf("accounts csv header: column %q twice", name)
			}
			cols[name] = i
		}
	}
	for _, c := range accountColumns {
		if c.required && cols[c.name] < 0 {
			return nil, invalidf("accounts csv header: required column %q missing", c.name)
		}
	}
	return cols, nil
}

// parseAccountRow checks and converts one data row.
func parseAccountRow(rec []string, cols map[string]int, line int) (policy.Holder, error) {
	get := func(name string) string {
		if i := cols[name]; i >= 0 && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	bad := func(col, val, why string) error {
		return invalidf("accounts row %d: %s %q: %s", line, col, val, why)
	}
	for _, c := range accountColumns {
		if v := get(c.name); !utf8.ValidString(v) {
			return policy.Holder{}, bad(c.name, v, "not UTF-8")
		}
	}
	h := policy.Holder{CardNo: get("card_no"), PersonID: get("person_id"), Name: get("name"),
		Status: strings.ToLower(get("status")), Pharmacy: get("pharmacy")}
	if err := CheckCardNo(h.CardNo); err != nil {
		return h, bad("card_no", h.CardNo, err.Error())
	}
	bal, err := strconv.ParseInt(get("balance"), 10, 64)
	if err != nil {
		return h, bad("balance", get("balance"), "not a whole number of fen")
	}
	if bal < 0 {
		return h, bad("balance", get("balance"), "negative")
	}
	h.Balance = bal
	if !accountStatuses[h.Status] {
		return h, bad("status", get("status"), "want active, lost, suspended or replaced")
	}
	for _, d := range strings.Split(get("diseases"), ";") {
		if d = strings.TrimSpace(d); d == "" {
			continue
		}
		if strings.ContainsAny(d, " \t,") || len(d) > 16 {
			return h, bad("diseases", get("diseases"), "want ICD-10 codes separated by ;")
		}
		h.Diseases = append(h.Diseases, d)
	}
	return h, nil
}

// CheckCardNo accepts a card number of 1–32 ASCII letters and digits.
func CheckCardNo(s string) error {
	if s == "" || len(s) > 32 {
		return errors.New("want 1 to 32 letters or digits")
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z') {
			return errors.New("want 1 to 32 letters or digits")
		}
	}
	return nil
}
