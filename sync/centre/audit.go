package centre

import (
	"context"
	"fmt"

	"posagent/sync/centre/store"
)

// actorKey is the context key of the acting user.
type actorKey struct{}

// ActorSystem is the actor of an audit event when the context names none:
// the centre acting on its own.
const ActorSystem = "system"

// ActorCLI is the actor of the command line's operations, on the store
// directly or through the admin API and its token.
const ActorCLI = "cli"

// WithActor returns ctx naming actor as who acts: the API and the console
// name the authenticated user, the command line "cli". The centre's
// operations write it to the audit log.
func WithActor(ctx context.Context, actor string) context.Context {
	return context.WithValue(ctx, actorKey{}, actor)
}

// ActorOf is the actor ctx names, ActorSystem when none.
func ActorOf(ctx context.Context) string {
	if a, ok := ctx.Value(actorKey{}).(string); ok && a != "" {
		return a
	}
	return ActorSystem
}

// Audit records an event in the audit log as done by ctx's actor, for
// what the centre's callers do themselves (exports, reads of personal
// data); the centre's own operations record theirs.
func (c *Centre) Audit(ctx context.Context, action, subject, detail string) {
	c.audit(ctx, ActorOf(ctx), action, subject, detail)
}

// audit appends an event to the audit log at the centre's clock.
//
// It is called after the operation it records has committed, so a failed
// append cannot undo it: the failure is logged at Error level with the
// whole event (the log keeps what the chain missed) and counted
// (Observer.AuditFailed, a metric operators alert on), and the operation
// still answers success. Refusing it would tell the user it failed when
// it did not, and a retry would do it twice. The append does not end with
// the request: a client that hangs up after the commit still leaves the
// event.
func (c *Centre) audit(ctx context.Context, actor, action, subject, detail string) {
	e := store.AuditEvent{At: c.Now(), Actor: actor, Action: action, Subject: subject, Detail: detail}
	if _, err := c.st.AppendAudit(context.WithoutCancel(ctx), e); err != nil {
		c.log.Error("audit log append failed", "actor", actor, "action", action,
			"subject", subject, "detail", detail, "err", err)
		c.cfg.Observer.AuditFailed()
	}
}

// AuditLog lists the audit log's events matching f, newest first.
func (c *Centre) AuditLog(ctx context.Context, f store.AuditFilter) ([]store.AuditEvent, error) {
	evs, err := c.st.Audit(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	return evs, nil
}

// VerifyAudit walks the audit log's chain: how many events hold and, at
// the first that does not, an error wrapping *store.AuditBroken.
func (c *Centre) VerifyAudit(ctx context.Context) (int, error) {
	return c.st.VerifyAudit(ctx)
}
