package api

import (
	"errors"
	"fmt"
)

// ParamError is a query parameter the parsers of this package refuse:
// which one and what was wrong with it, so a reader with texts of its own
// (the console) can say so in the user's language. Its Error is the
// English message the API answers with.
type ParamError struct {
	Param   string       // the parameter's name, as in the query
	Problem ParamProblem // what was wrong with it
	err     error        // the English message, wrapping any cause
}

// ParamProblem is what was wrong with a query parameter.
type ParamProblem string

// The problems a ParamError reports.
const (
	ParamUnknown   ParamProblem = "unknown"   // not a parameter of the query
	ParamRepeated  ParamProblem = "repeated"  // given more than once
	ParamMissing   ParamProblem = "missing"   // required but absent or empty
	ParamMalformed ParamProblem = "malformed" // not of the form or range the parameter takes
	ParamOrder     ParamProblem = "order"     // from is not before to
	ParamExclusive ParamProblem = "exclusive" // given with another it excludes (a pharmacy and a card)
)

func (e *ParamError) Error() string { return e.err.Error() }

// Unwrap is the cause, if the message wraps one.
func (e *ParamError) Unwrap() error { return errors.Unwrap(e.err) }

// NewParamError is a ParamError with the message of format and args, for
// readers of a query that take parameters of their own (the console's
// amounts in yuan).
func NewParamError(param string, p ParamProblem, format string, args ...any) error {
	return paramError(param, p, format, args...)
}

// paramError is a ParamError with the message of format and args.
func paramError(param string, p ParamProblem, format string, args ...any) error {
	return &ParamError{Param: param, Problem: p, err: fmt.Errorf(format, args...)}
}
