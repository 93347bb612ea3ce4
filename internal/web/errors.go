package web

import "net/http"

// ErrorBody is the body of every JSON error answer of both sides:
// {code, message, message_zh} (SPEC §5). The agent's own agent.Error has
// the same fields, and a detail.
type ErrorBody struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	MessageZh string `json:"message_zh"`
}

// Codes are a side's error codes with their Chinese texts: code → text.
type Codes map[string]string

// Write answers an error: status, and code with its Chinese text beside
// message.
func (c Codes) Write(w http.ResponseWriter, status int, code, message string) {
	WriteJSON(w, status, ErrorBody{Code: code, Message: message, MessageZh: c[code]})
}
