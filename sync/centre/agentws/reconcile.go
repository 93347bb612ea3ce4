package agentws

import (
	"fmt"

	"posagent/sync/wire"
)

// onReconcile answers an agent's day summary with the centre's result of
// comparing it to the records the centre holds for the same window.
func (c *conn) onReconcile(id string, sum *wire.DaySummary) error {
	switch {
	case sum == nil:
		return badMessage("reconcile without its reconcile field")
	case id == "":
		return badMessage("reconcile without an id")
	case sum.Terminal != c.terminal.ID:
		return protocolError(fmt.Sprintf("reconcile names terminal %q, credentials are of %q", sum.Terminal, c.terminal.ID))
	}
	if err := sum.Check(); err != nil {
		return badMessage(err.Error())
	}
	res, err := c.srv.centre.ReconcileDay(c.ctx, c.terminal, *sum)
	if err != nil {
		return storeError("reconcile "+sum.Day, err)
	}
	return c.sendMessage(wire.Message{Type: wire.TypeReconciled, ID: id, Reconciled: &res})
}
