package centre

import (
	"errors"
	"fmt"

	"posagent/sync/centre/ledger"
)

// ErrInvalid marks an error caused by the input (a bad file, a bad name):
// the operation changed nothing and retrying the same input will not help.
// Test with errors.Is(err, ErrInvalid).
var ErrInvalid = errors.New("invalid input")

// ErrNoSigningKey means publishing was asked of a centre without its
// signing key (`centre keygen`).
var ErrNoSigningKey = errors.New("centre has no signing key: run `centre keygen` (and restart a running centre)")

// ErrWeakPassword means AddUser refused a password: shorter than
// MinPassword, longer than bcrypt's 72 bytes, or a common one (code
// WEAK_PASSWORD). Such an error is also ErrInvalid.
var ErrWeakPassword = errors.New("weak password")

// ErrUnauthorized means a terminal id and token, or a user name and
// password, were not recognised. It says no more, on purpose.
var ErrUnauthorized = errors.New("credentials not recognised")

// ErrRefused means Apply refused a batch (an entry names another
// terminal, or cannot be read): nothing of it was applied, and sending it
// again will not help.
var ErrRefused = ledger.ErrRefused

// invalidError is an input error; its text is the cause's alone.
type invalidError struct{ err error }

func (e invalidError) Error() string        { return e.err.Error() }
func (e invalidError) Unwrap() error        { return e.err }
func (e invalidError) Is(target error) bool { return target == ErrInvalid }

// invalidf builds an input error; %w in format wraps as usual.
func invalidf(format string, args ...any) error {
	return invalidError{fmt.Errorf(format, args...)}
}
