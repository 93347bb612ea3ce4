package agentws

import (
	"errors"

	"github.com/gorilla/websocket"
)

// Error codes the centre sends in an agent "error" message before closing.
const (
	CodeBadMessage  = "BAD_MESSAGE"  // not a JSON text message, or a field missing
	CodeTooLarge    = "TOO_LARGE"    // larger than wire.MaxAgentMessage
	CodeProtocol    = "PROTOCOL"     // out of order: no hello first, a second hello, another terminal
	CodeBadEntries  = "BAD_ENTRIES"  // more than wire.MaxBatch, or seqs not ascending from 1
	CodeUnknownType = "UNKNOWN_TYPE" // a message type the centre does not know
	CodeApplyFailed = "APPLY_FAILED" // the store refused or failed the batch; nothing of it applied
	CodeStore       = "STORE_ERROR"  // the centre could not read its store; retry later
	CodeOverQuota   = "OVER_QUOTA"   // the terminal sent more entries today than its quota; nothing of the batch applied
)

// Codes of an "account" message that carries an error instead of an
// account: the look-up was refused and the connection stays.
const (
	CodeRateLimited = "RATE_LIMITED" // over the terminal's look-up rate
	CodeBadCardNo   = "BAD_CARD_NO"  // not 1 to 32 letters or digits
)

// protoError is a reason to end an agent connection with an error message.
type protoError struct {
	code  string
	msg   string
	close int // websocket close code
	err   error
}

func (e *protoError) Error() string {
	if e.err != nil {
		return e.code + ": " + e.msg + ": " + e.err.Error()
	}
	return e.code + ": " + e.msg
}

func (e *protoError) Unwrap() error { return e.err }

func badMessage(msg string) error {
	return &protoError{code: CodeBadMessage, msg: msg, close: websocket.CloseUnsupportedData}
}

func protocolError(msg string) error {
	return &protoError{code: CodeProtocol, msg: msg, close: websocket.ClosePolicyViolation}
}

func storeError(msg string, err error) error {
	return &protoError{code: CodeStore, msg: msg, close: websocket.CloseInternalServerErr, err: err}
}

// errPeerError ends the read loop after the agent sent an error message.
var errPeerError = errors.New("agent sent an error")
