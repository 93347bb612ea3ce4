package centre

import (
	"errors"

	"posagent/sync/centre/ledger"
	"posagent/sync/centre/store"
)

// Codes of the centre's error answers, over HTTP ({code, message,
// message_zh}) and in the agents' websocket "error" message; the mirror
// of the agent's codes in agent/errors.go. The HTTP status of each is
// the answering package's.
const (
	CodeUnauthorized = "UNAUTHORIZED"
	CodeForbidden    = "FORBIDDEN"
	CodeBadParam     = "BAD_PARAM"
	CodeBadRequest   = "BAD_REQUEST"
	CodeInvalidInput = "INVALID_INPUT"
	CodeNotFound     = "NOT_FOUND"
	CodeNoKey        = "NO_SIGNING_KEY"
	CodeTooLarge     = "TOO_LARGE"
	CodeUnavailable  = "UNAVAILABLE"
	CodeInternal     = "INTERNAL"
	CodeNoHold       = "NO_HOLD"
	// CodeTooManyAttempts: a login refused unchecked after repeated
	// failures (HTTP 429 with Retry-After).
	CodeTooManyAttempts = "TOO_MANY_ATTEMPTS"
	// CodeWeakPassword: AddUser refused the password (ErrWeakPassword).
	CodeWeakPassword = "WEAK_PASSWORD"
	// CodeNotReplaced: a rebase of a terminal without an open
	// JOURNAL_REPLACED mark (store.ErrNotReplaced).
	CodeNotReplaced = "NOT_REPLACED"
	// CodeBadRuling: a ruling that is not accept, refuse, defer or
	// confirm, or a refuse or defer without a note, or a note too long
	// (ledger.ErrBadRuling; HTTP 400).
	CodeBadRuling = "BAD_RULING"
	// CodeOwnRuling: a supervisor confirming (or otherwise ruling on)
	// their own refusal awaiting a second supervisor
	// (ledger.ErrOwnRuling; HTTP 409).
	CodeOwnRuling = "OWN_RULING"
	// CodeNotPending: confirm with no refusal awaiting confirmation, or
	// refuse with one (ledger.ErrNotPending; HTTP 409).
	CodeNotPending = "NOT_PENDING"
)

// MessagesZh are the Chinese texts of the codes (a web.Codes).
var MessagesZh = map[string]string{
	CodeUnauthorized: "未登录或凭据无效",
	CodeForbidden:    "无权执行此操作",
	CodeBadParam:     "查询参数有误",
	CodeBadRequest:   "请求格式有误",
	CodeInvalidInput: "提交的文件或数据有误，未做任何更改",
	CodeNotFound:     "未找到",
	CodeNoKey:        "中心尚未生成签名密钥，无法发布",
	CodeTooLarge:     "请求内容过大",
	CodeUnavailable:  "中心正在停止，请稍后重试",
	CodeInternal:     "中心内部错误，请稍后重试",
	CodeNoHold:       "该交易没有待审定的暂缓支付金额",

	CodeTooManyAttempts: "登录失败次数过多，请稍后再试",
	CodeWeakPassword:    "密码不符合要求：须为 12 到 72 字节，且不能是常见密码；未做任何更改",
	CodeNotReplaced:     "该终端没有待续接的日志替换标记（JOURNAL_REPLACED），未做任何更改",
	CodeBadRuling:       "审定有误：须为认可、拒付、缓付或确认；拒付和缓付须填写说明（不超过 500 字）",
	CodeOwnRuling:       "超过复核金额的拒付须由另一位审核员确认，不能确认自己的拒付",
	CodeNotPending:      "该交易没有待确认的拒付",
}

// CodeOf is the code of an operation's error, for an answer or a message
// beside it: WEAK_PASSWORD, NO_SIGNING_KEY, INVALID_INPUT, a ruling's
// BAD_RULING, OWN_RULING, NOT_PENDING or NO_HOLD, or "" for any
// other error.
func CodeOf(err error) string {
	switch {
	case errors.Is(err, ErrWeakPassword):
		return CodeWeakPassword
	case errors.Is(err, ErrNoSigningKey):
		return CodeNoKey
	case errors.Is(err, ErrInvalid):
		return CodeInvalidInput
	case errors.Is(err, store.ErrNotReplaced):
		return CodeNotReplaced
	case errors.Is(err, ledger.ErrBadRuling):
		return CodeBadRuling
	case errors.Is(err, ledger.ErrOwnRuling):
		return CodeOwnRuling
	case errors.Is(err, ledger.ErrNotPending):
		return CodeNotPending
	case errors.Is(err, store.ErrNoHold):
		return CodeNoHold
	}
	return ""
}
