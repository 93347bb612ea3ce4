package centre

import (
	"encoding/json"
	"errors"
	"net/http"
)

// HTTP error codes of the centre's APIs. Every error body is
// {code, message, message_zh}.
const (
	codeUnauthorized = "UNAUTHORIZED"
	codeForbidden    = "FORBIDDEN"
	codeBadParam     = "BAD_PARAM"
	codeBadRequest   = "BAD_REQUEST"
	codeInvalidInput = "INVALID_INPUT"
	codeNotFound     = "NOT_FOUND"
	codeNoKey        = "NO_SIGNING_KEY"
	codeBodyTooLarge = "TOO_LARGE"
	codeUnavailable  = "UNAVAILABLE"
)

// messagesZh are the Chinese texts of the HTTP error codes.
var messagesZh = map[string]string{
	codeUnauthorized: "未登录或凭据无效",
	codeForbidden:    "无权执行此操作",
	codeBadParam:     "查询参数有误",
	codeBadRequest:   "请求格式有误",
	codeInvalidInput: "提交的文件或数据有误，未做任何更改",
	codeNotFound:     "未找到",
	codeNoKey:        "中心尚未生成签名密钥，无法发布",
	codeBodyTooLarge: "请求内容过大",
	codeUnavailable:  "中心正在停止，请稍后重试",
	codeInternal:     "中心内部错误，请稍后重试",
}

// APIError is the body of every error answer of the HTTP APIs.
type APIError struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	MessageZh string `json:"message_zh"`
}

func writeError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, APIError{Code: code, Message: message, MessageZh: messagesZh[code]})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// writeOpError answers the error of an operation (publish, import, ...).
func (s *Server) writeOpError(w http.ResponseWriter, op string, err error) {
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		writeError(w, http.StatusRequestEntityTooLarge, codeBodyTooLarge, err.Error())
	case errors.Is(err, ErrInvalid):
		writeError(w, http.StatusBadRequest, codeInvalidInput, err.Error())
	case errors.Is(err, ErrNoSigningKey):
		writeError(w, http.StatusConflict, codeNoKey, err.Error())
	default:
		s.cfg.Logger.Error(op+" failed", "err", err)
		writeError(w, http.StatusInternalServerError, codeInternal, op+": "+err.Error())
	}
}
