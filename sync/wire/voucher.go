package wire

import (
	"errors"
	"fmt"
	"strings"
)

// E-vouchers (医保电子凭证, SPEC §10): the insured person shows a QR code
// whose content is VoucherPrefix + token; the agent sends the token in a
// voucher_req and the centre, standing in for the national platform,
// redeems it once and answers with the card it stands for.

// VoucherPrefix starts the content of an e-voucher QR code, as a scanner
// sends it (one line per scan).
const VoucherPrefix = "EC1:"

// MaxVoucherToken bounds a token's length in a voucher_req; the centre
// issues 32-character tokens.
const MaxVoucherToken = 64

// Codes of a "voucher" message that carries an error instead of a card:
// the redemption was refused and the connection stays. VoucherOffline is
// never sent by the centre: it is the agent's code for "no answer" (not
// connected, timed out, or a centre that does not redeem vouchers).
const (
	VoucherUsed     = "VOUCHER_USED"      // redeemed before, at this or another terminal
	VoucherExpired  = "VOUCHER_EXPIRED"   // older than its lifetime (120 s)
	VoucherUnknown  = "VOUCHER_UNKNOWN"   // no such token was issued
	VoucherBadToken = "VOUCHER_BAD_TOKEN" // not 1 to MaxVoucherToken letters or digits
	VoucherOffline  = "VOUCHER_OFFLINE"   // the agent could not ask the centre
)

// VoucherTexts are the English and Chinese texts of the voucher codes, for
// the cashier (index 0 English, 1 Chinese). The rate limit is the account
// look-ups' RATE_LIMITED.
var VoucherTexts = map[string][2]string{
	VoucherUsed: {"This e-voucher code has already been used; ask the customer to refresh the code in the app",
		"该医保电子凭证已使用，请让顾客在应用中刷新凭证码"},
	VoucherExpired: {"This e-voucher code has expired; ask the customer to refresh the code in the app",
		"该医保电子凭证已过期，请让顾客在应用中刷新凭证码"},
	VoucherUnknown: {"The centre does not know this e-voucher code; ask the customer to refresh the code in the app",
		"医保中心无此电子凭证，请让顾客在应用中刷新凭证码"},
	VoucherBadToken: {"The scanned e-voucher code is malformed; scan it again",
		"扫描到的医保电子凭证格式有误，请重新扫码"},
	VoucherOffline: {"The centre cannot be reached, so the e-voucher cannot be checked; ask for the insurance card or pay in cash",
		"无法连接医保中心，不能核验医保电子凭证，请改用医保卡或现金支付"},
}

// FeatureVoucher, set in the welcome message's Extra, says the centre
// redeems vouchers; an agent sends voucher_req only to such a centre (an
// older one would close the connection on an unknown type).
const FeatureVoucher = "voucher"

// VoucherAnswer answers a voucher_req: the card the token stands for and
// its account as an account_req would answer it (never the resident id).
// OK is false, with Message.Error set, when the redemption was refused.
type VoucherAnswer struct {
	OK      bool        `json:"ok"`
	CardNo  string      `json:"card_no,omitempty"`
	Account AccountInfo `json:"account"`
}

// ErrBadVoucher is returned (wrapped) for a token or QR content that is
// malformed.
var ErrBadVoucher = errors.New("malformed e-voucher")

// CheckVoucherToken checks that a token is 1 to MaxVoucherToken ASCII
// letters or digits.
func CheckVoucherToken(token string) error {
	if token == "" || len(token) > MaxVoucherToken {
		return fmt.Errorf("%w: token of %d bytes, want 1 to %d", ErrBadVoucher, len(token), MaxVoucherToken)
	}
	for i := 0; i < len(token); i++ {
		c := token[i]
		if !('0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z') {
			return fmt.Errorf("%w: byte %d of the token is %q, want a letter or digit", ErrBadVoucher, i, c)
		}
	}
	return nil
}

// ParseVoucherQR returns the token of a scanned QR content
// ("EC1:<token>", trailing CR/LF and spaces ignored).
func ParseVoucherQR(line string) (string, error) {
	line = strings.TrimRight(line, "\r\n ")
	token, ok := strings.CutPrefix(line, VoucherPrefix)
	if !ok {
		return "", fmt.Errorf("%w: does not start with %q", ErrBadVoucher, VoucherPrefix)
	}
	if err := CheckVoucherToken(token); err != nil {
		return "", err
	}
	return token, nil
}
