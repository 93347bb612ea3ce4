package agent

import (
	"errors"
	"fmt"
	"net/http"
)

// Error is a failure the cashier sees: a stable code, an HTTP status and a
// message in English and Chinese. The POS API writes it as
// {code, message, message_zh}.
type Error struct {
	Status    int    `json:"-"`
	Code      string `json:"code"`
	Message   string `json:"message"`
	MessageZh string `json:"message_zh"`
	// Detail carries machine-readable extras (e.g. the codes still to confirm).
	Detail map[string]any `json:"detail,omitempty"`
	err    error
}

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
	CodeInternal        = "INTERNAL"
	CodeNotFound        = "NOT_FOUND"
	CodeStopping        = "STOPPING"
	CodeMethod          = "METHOD_NOT_ALLOWED"
	CodeCentreOffline   = "CENTRE_OFFLINE"    // reconciliation needs the centre
	CodeReconBacklog    = "RECONCILE_BACKLOG" // the day's records have not all reached the centre
)

var messages = map[string][3]any{
	CodeBadRequest:      {http.StatusBadRequest, "The request is malformed", "请求格式错误"},
	CodeUnauthorized:    {http.StatusUnauthorized, "Missing or wrong API token", "缺少或错误的接口令牌"},
	CodeNoCard:          {http.StatusConflict, "No insurance card in the reader; ask the customer to swipe the card", "读卡器中没有医保卡，请刷卡"},
	CodeNoRules:         {http.StatusServiceUnavailable, "No signed rule bundle is active yet; the account cannot be charged", "尚未加载经签名的规则包，暂不能使用医保个人账户"},
	CodeQuoteNotFound:   {http.StatusNotFound, "Unknown quote; make a new quote", "报价不存在，请重新计价"},
	CodeQuoteExpired:    {http.StatusConflict, "The quote has expired; make a new quote", "报价已过期，请重新计价"},
	CodeQuoteChanged:    {http.StatusConflict, "The amounts changed since the quote (another sale, new rules or limits); make a new quote", "自计价以来金额发生变化（其他交易、新规则或限额），请重新计价"},
	CodeCardGone:        {http.StatusConflict, "The card quoted is no longer in the reader; nothing was charged", "计价时的医保卡已不在读卡器中，未扣款"},
	CodeConfirmRequired: {http.StatusConflict, "The cashier must confirm the listed checks before charging", "收银员须先确认所列核查事项才能扣款"},
	CodeTxnNotFound:     {http.StatusNotFound, "No such transaction on this terminal", "本终端没有该笔交易"},
	CodeVoidRefused:     {http.StatusConflict, "This transaction cannot be voided", "该笔交易不能撤销"},
	CodeJournalFailed:   {http.StatusInsufficientStorage, "The sale could not be recorded (storage error); nothing was charged. Call support", "交易无法写入本地日志（存储错误），未扣款，请联系技术支持"},
	CodeInternal:        {http.StatusInternalServerError, "Internal error; nothing was charged", "内部错误，未扣款"},
	CodeNotFound:        {http.StatusNotFound, "No such API path", "接口路径不存在"},
	CodeStopping:        {http.StatusServiceUnavailable, "The terminal service is stopping; nothing was charged. Try again in a moment", "收银服务正在停止，未扣款，请稍后重试"},
	CodeMethod:          {http.StatusMethodNotAllowed, "This API path does not take that method", "该接口不支持此请求方法"},
	CodeCentreOffline:   {http.StatusServiceUnavailable, "The centre is not reachable, did not answer or cannot reconcile; the day cannot be reconciled now. Try again later", "无法连接医保中心或中心未应答、不支持对账，暂不能对账，请稍后重试"},
	CodeReconBacklog:    {http.StatusConflict, "Some records of that day have not reached the centre yet; reconcile once the backlog is empty", "该日仍有记录未上传至中心，请待积压记录上传完毕后再对账"},
}

// newError builds an Error for a code, optionally wrapping a cause and
// adding a detail to the English message.
func newError(code string, cause error) *Error {
	m, ok := messages[code]
	if !ok {
		m = messages[CodeInternal]
	}
	return &Error{Status: m[0].(int), Code: code, Message: m[1].(string), MessageZh: m[2].(string), err: cause}
}

// badRequest is a 400 whose English message says what was wrong.
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

// BadRequest returns a 400 error whose message says what was wrong.
func BadRequest(detail string) *Error { return badRequest("%s", detail) }
