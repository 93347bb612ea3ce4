package wire

import (
	"errors"
	"strings"
	"testing"
)

func TestParseVoucherQR(t *testing.T) {
	for _, c := range []struct {
		line, token string
	}{
		{"EC1:ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"},
		{"EC1:abc123\r\n", "abc123"},
		{"EC1:" + strings.Repeat("A", MaxVoucherToken), strings.Repeat("A", MaxVoucherToken)},
	} {
		if got, err := ParseVoucherQR(c.line); err != nil || got != c.token {
			t.Errorf("ParseVoucherQR(%q) = %q, %v; want %q", c.line, got, err, c.token)
		}
	}
	for _, bad := range []string{"", "EC1:", "ABC", "ec1:ABC", "EC2:ABC", "EC1:AB CD", "EC1:AB\x00", "EC1:" + strings.Repeat("A", MaxVoucherToken+1), "EC1:ÄB"} {
		if got, err := ParseVoucherQR(bad); !errors.Is(err, ErrBadVoucher) {
			t.Errorf("ParseVoucherQR(%q) = %q, %v; want ErrBadVoucher", bad, got, err)
		}
	}
	for code := range map[string]bool{VoucherUsed: true, VoucherExpired: true, VoucherUnknown: true, VoucherBadToken: true, VoucherOffline: true} {
		if tx := VoucherTexts[code]; tx[0] == "" || tx[1] == "" {
			t.Errorf("%s has texts %q, want English and Chinese", code, tx)
		}
	}
}
