package cashier

import (
	"fmt"
	"net/http"

	"posagent/agent"
	"posagent/agent/api"
	"posagent/internal/web"
)

// Error codes of the page's own endpoints (besides the agent's).
const (
	CodeNotLoggedIn    = "NOT_LOGGED_IN"
	CodeMissingHeader  = "CASHIER_HEADER_REQUIRED"
	CodeItemUnknown    = "ITEM_UNKNOWN"
	CodeCashierMissing = "CASHIER_REQUIRED"
)

// pageStatuses are the HTTP statuses of the page's own codes; the agent's
// codes have the POS API's (api.Status).
var pageStatuses = map[string]int{
	CodeNotLoggedIn:    http.StatusUnauthorized,
	CodeMissingHeader:  http.StatusForbidden,
	CodeItemUnknown:    http.StatusNotFound,
	CodeCashierMissing: http.StatusBadRequest,
}

// statusOf is the HTTP status of an error of the page.
func statusOf(e *agent.Error) int {
	if s, ok := pageStatuses[e.Code]; ok {
		return s
	}
	return api.Status(e.Code)
}

// pageError builds an error in the agent's shape, so the page shows every
// error the same way: {code, message, message_zh}.
func pageError(code, en, zh string) *agent.Error {
	return &agent.Error{Code: code, Message: en, MessageZh: zh}
}

func errNotLoggedIn() *agent.Error {
	t := texts["not_logged_in"]
	return pageError(CodeNotLoggedIn, t[1], t[0])
}

func errMissingHeader() *agent.Error {
	return pageError(CodeMissingHeader,
		"Refused: the request did not come from the cashier page (X-Cashier header missing)",
		"已拒绝：请求不是来自收银页面（缺少 X-Cashier 请求头）")
}

// badInput is a 400 with the same detail in both languages.
func badInput(en, zh string) *agent.Error {
	return pageError(agent.CodeBadRequest, en, zh)
}

// maxBody bounds a request body of the page.
const maxBody = 256 << 10

// decode reads the page's JSON body strictly (web.Body: application/json,
// no unknown fields, one value); anything else gets a 400 BAD_REQUEST.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := (web.Body{Limit: maxBody}).Decode(w, r, v); err != nil {
		writeError(w, badInput(fmt.Sprintf("The request is malformed: %v", err), fmt.Sprintf("请求格式错误：%v", err)))
		return false
	}
	return true
}

func writeError(w http.ResponseWriter, e *agent.Error) {
	web.WriteJSON(w, statusOf(e), e)
}
