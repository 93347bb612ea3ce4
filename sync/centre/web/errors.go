package web

import (
	"net/http"
)

// Codes of the centre's HTTP error answers. Every error body is an APIError.
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
	CodeInternal     = "INTERNAL" // also the agents' websocket's code for an unexpected failure
)

// messagesZh are the Chinese texts of the codes.
var messagesZh = map[string]string{
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
}

// APIError is the body of every error answer of the centre's HTTP ends.
type APIError struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	MessageZh string `json:"message_zh"`
}

// WriteError answers an error: status, and code with its Chinese text
// beside message.
func WriteError(w http.ResponseWriter, status int, code, message string) {
	WriteJSON(w, status, APIError{Code: code, Message: message, MessageZh: messagesZh[code]})
}
