package api

import (
	"net/http"

	"posagent/agent"
)

// statuses are the HTTP statuses of the agent's error codes.
var statuses = map[string]int{
	agent.CodeBadRequest:      http.StatusBadRequest,
	agent.CodeUnauthorized:    http.StatusUnauthorized,
	agent.CodeNoCard:          http.StatusConflict,
	agent.CodeNoRules:         http.StatusServiceUnavailable,
	agent.CodeQuoteNotFound:   http.StatusNotFound,
	agent.CodeQuoteExpired:    http.StatusConflict,
	agent.CodeQuoteChanged:    http.StatusConflict,
	agent.CodeCardGone:        http.StatusConflict,
	agent.CodeCardNotSigned:   http.StatusConflict,
	agent.CodeConfirmRequired: http.StatusConflict,
	agent.CodeTxnNotFound:     http.StatusNotFound,
	agent.CodeVoidRefused:     http.StatusConflict,
	agent.CodeJournalFailed:   http.StatusInsufficientStorage,
	agent.CodeJournalDamaged:  http.StatusServiceUnavailable,
	agent.CodeJournalReplaced: http.StatusServiceUnavailable,
	agent.CodeInternal:        http.StatusInternalServerError,
	agent.CodeNotFound:        http.StatusNotFound,
	agent.CodeStopping:        http.StatusServiceUnavailable,
	agent.CodeMethod:          http.StatusMethodNotAllowed,
	agent.CodeCentreOffline:   http.StatusServiceUnavailable,
	agent.CodeReconBacklog:    http.StatusConflict,
}

// Status is the HTTP status the POS API answers an agent error code with;
// 500 for a code it does not know.
func Status(code string) int {
	if s, ok := statuses[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}
