package client

import (
	"encoding/json"
	"errors"
	"fmt"

	"posagent/sync/wire"
)

// errUnknownType marks a message of a type this client does not know; it is
// skipped rather than fatal, so a newer centre can add types.
var errUnknownType = errors.New("unknown message type")

// decodeCentre parses one message from the centre and checks that the field
// its type needs is present, so the rest of the client can rely on it.
func decodeCentre(data []byte) (wire.Message, error) {
	var m wire.Message
	if err := json.Unmarshal(data, &m); err != nil {
		return wire.Message{}, fmt.Errorf("decode centre message: %w", err)
	}
	var missing string
	switch m.Type {
	case wire.TypeWelcome:
		if m.Welcome == nil {
			missing = "welcome"
		}
	case wire.TypeAck:
		if m.Ack == nil {
			missing = "ack"
		}
	case wire.TypeAccount:
		if m.ID == "" {
			missing = "id"
		}
	case wire.TypeVoucher, wire.TypeLookupNonce:
		if m.ID == "" {
			missing = "id"
		}
	case wire.TypeBundle, wire.TypeBlocklist:
		if m.Signed == nil {
			missing = "signed"
		}
	case wire.TypeReconciled:
		if m.ID == "" {
			missing = "id"
		} else if m.Reconciled == nil {
			missing = "reconciled"
		}
	case wire.TypeError:
		if m.Error == nil {
			m.Error = &wire.Error{Code: "unknown", Message: "centre sent an error without details"}
		}
	default:
		return m, fmt.Errorf("decode centre message: %w %q", errUnknownType, m.Type)
	}
	if missing != "" {
		return wire.Message{}, fmt.Errorf("decode centre message: %s without %q", m.Type, missing)
	}
	return m, nil
}

// CentreError is an error message the centre sent before closing.
type CentreError struct {
	Code    string
	Message string
}

var _ error = (*CentreError)(nil)

func (e *CentreError) Error() string {
	return fmt.Sprintf("centre error %s: %s", e.Code, e.Message)
}
