package agent

import (
	"errors"
	"fmt"
)

// Error is a failure the cashier sees: a stable code and a message in
// English and Chinese. The POS API writes it as {code, message,
// message_zh}, with the HTTP status agent/api gives the code.
type Error struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	MessageZh string `json:"message_zh"`
	// Detail carries machine-readable extras (e.g. the codes still to confirm).
	Detail map[string]any `json:"detail,omitempty"`
	err    error
}

var _ error = (*Error)(nil)

func (e *Error) Error() string {
	if e.err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.err)
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.err }

// Error codes of the POS API (besides the reason codes of policy).
const (
	CodeBadRequest      = "BAD_REQUEST"
	CodeUnauthorized    = "UNAUTHORIZED"
	CodeNoCard          = "NO_CARD"
	CodeNoRules         = "NO_RULES"
	CodeQuoteNotFound   = "QUOTE_NOT_FOUND"
	CodeQuoteExpired    = "QUOTE_EXPIRED"
	CodeQuoteChanged    = "QUOTE_CHANGED"
	CodeCardGone        = "CARD_GONE"
	CodeConfirmRequired = "CONFIRM_REQUIRED"
	CodeTxnNotFound     = "TXN_NOT_FOUND"
	CodeVoidRefused     = "VOID_REFUSED"
	CodeJournalFailed   = "JOURNAL_WRITE_FAILED"
	CodeJournalDamaged  = "JOURNAL_DAMAGED"  // journal.Verify failed at start: no charges or voids
	CodeJournalReplaced = "JOURNAL_REPLACED" // the centre holds more than the journal: wiped or an older copy
	CodeInternal        = "INTERNAL"
	CodeNotFound        = "NOT_FOUND"
	CodeStopping        = "STOPPING"
	CodeMethod          = "METHOD_NOT_ALLOWED"
	CodeCardNotSigned   = "CARD_NOT_SIGNED"   // the IC card did not answer the charge's challenge
	CodeCentreOffline   = "CENTRE_OFFLINE"    // reconciliation needs the centre
	CodeReconBacklog    = "RECONCILE_BACKLOG" // the day's records have not all reached the centre
)

// messages are each code's English and Chinese messages.
var messages = map[string][2]string{
	CodeBadRequest:      {"The request is malformed", "请求格式错误"},
	CodeUnauthorized:    {"Missing or wrong API token", "缺少或错误的接口令牌"},
	CodeNoCard:          {"No insurance card in the reader; ask the customer to swipe the card", "读卡器中没有医保卡，请刷卡"},
	CodeNoRules:         {"No signed rule bundle is active yet; the account cannot be charged", "尚未加载经签名的规则包，暂不能使用医保个人账户"},
	CodeQuoteNotFound:   {"Unknown quote; make a new quote", "报价不存在，请重新计价"},
	CodeQuoteExpired:    {"The quote has expired; make a new quote", "报价已过期，请重新计价"},
	CodeQuoteChanged:    {"The amounts changed since the quote (another sale, new rules or limits); make a new quote", "自计价以来金额发生变化（其他交易、新规则或限额），请重新计价"},
	CodeCardGone:        {"The card quoted is no longer in the reader; nothing was charged", "计价时的医保卡已不在读卡器中，未扣款"},
	CodeConfirmRequired: {"The cashier must confirm the listed checks before charging", "收银员须先确认所列核查事项才能扣款"},
	CodeTxnNotFound:     {"No such transaction on this terminal", "本终端没有该笔交易"},
	CodeVoidRefused:     {"This transaction cannot be voided", "该笔交易不能撤销"},
	CodeJournalFailed:   {"The sale could not be recorded (storage error); nothing was charged. Call support", "交易无法写入本地日志（存储错误），未扣款，请联系技术支持"},
	CodeJournalDamaged:  {"The local journal failed its integrity check at start; no sales can be recorded. Call support", "本地日志启动时完整性校验未通过，不能进行交易，请联系技术支持"},
	CodeJournalReplaced: {"The centre holds more of this terminal's sales than its local journal: the journal was deleted or replaced by an older copy. No sales can be recorded until the centre rebases this terminal. Call the insurance centre and ask for a journal rebase of this terminal; do not delete or copy journal files",
		"医保中心已收到的本终端交易多于本地日志：本地日志已被删除或被旧副本替换。在中心为本终端办理日志续接（rebase）之前不能进行交易。请致电医保中心，要求为本终端办理日志续接；请勿删除或拷贝日志文件"},
	CodeCardNotSigned: {"The insurance card did not answer the reader's check for this charge; nothing was charged. Make sure the card sits in the reader and charge again",
		"医保卡未响应读卡器对本笔扣款的认证，未扣款。请确认医保卡已插好后重新扣款"},
	CodeInternal:      {"Internal error; nothing was charged", "内部错误，未扣款"},
	CodeNotFound:      {"No such API path", "接口路径不存在"},
	CodeStopping:      {"The terminal service is stopping; nothing was charged. Try again in a moment", "收银服务正在停止，未扣款，请稍后重试"},
	CodeMethod:        {"This API path does not take that method", "该接口不支持此请求方法"},
	CodeCentreOffline: {"The centre is not reachable, did not answer or cannot reconcile; the day cannot be reconciled now. Try again later", "无法连接医保中心或中心未应答、不支持对账，暂不能对账，请稍后重试"},
	CodeReconBacklog:  {"Some records of that day have not reached the centre yet; reconcile once the backlog is empty", "该日仍有记录未上传至中心，请待积压记录上传完毕后再对账"},
}

// newError builds an Error for a code, optionally wrapping a cause and
// adding a detail to the English message.
func newError(code string, cause error) *Error {
	m, ok := messages[code]
	if !ok {
		m = messages[CodeInternal]
	}
	return &Error{Code: code, Message: m[0], MessageZh: m[1], err: cause}
}

// terminalFaults are the codes of failures that are the terminal's, not
// the cashier's or the POS's to fix: it has no rules, cannot write its
// journal, is stopping, cannot reach the centre, or failed inside.
var terminalFaults = map[string]bool{
	CodeNoRules: true, CodeJournalFailed: true, CodeJournalDamaged: true, CodeJournalReplaced: true, CodeInternal: true, CodeStopping: true, CodeCentreOffline: true,
}

// TerminalFault reports whether the error is the terminal's failure rather
// than a refusal of what was asked (the POS API answers these with 5xx).
func (e *Error) TerminalFault() bool { return terminalFaults[e.Code] }

// badRequest is a BAD_REQUEST whose message says what was wrong.
func badRequest(format string, args ...any) *Error {
	e := newError(CodeBadRequest, nil)
	detail := fmt.Sprintf(format, args...)
	e.Message += ": " + detail
	e.MessageZh += "：" + detail
	return e
}

// AsError returns err as an *Error, turning anything else into INTERNAL.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return newError(CodeInternal, err)
}

// NewError returns the cashier-facing error for one of the codes above.
func NewError(code string) *Error { return newError(code, nil) }

// BadRequest returns a BAD_REQUEST error whose message says what was wrong.
func BadRequest(detail string) *Error { return badRequest("%s", detail) }
