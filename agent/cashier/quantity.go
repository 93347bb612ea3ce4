package cashier

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseQty reads a quantity: a positive whole number of the catalogue's
// unit, at most 100000 (the agent's limit).
func ParseQty(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 6 || strings.ContainsFunc(s, func(r rune) bool { return r < '0' || r > '9' }) {
		return 0, fmt.Errorf("quantity %q is not a whole number", s)
	}
	n, _ := strconv.ParseInt(s, 10, 64)
	if n <= 0 || n > 100000 {
		return 0, fmt.Errorf("quantity %d is not between 1 and 100000", n)
	}
	return n, nil
}
