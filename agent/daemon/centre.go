package daemon

import (
	"context"
	"errors"

	"posagent/agent"
	"posagent/agent/journal"
	"posagent/sync/client"
	"posagent/sync/wire"
)

// The daemon is where the agent, its journal and the sync client meet;
// each side states what it needs of the other as an interface, and these
// say the parts given to them fit.
var (
	_ agent.Centre        = centreLink{}
	_ agent.ProvingCentre = centreLink{}
	_ client.Outbox       = (*journal.Journal)(nil)
	_ client.Handler      = (*agent.Agent)(nil)
	_ client.Reconciler   = (*agent.Agent)(nil)
)

// centreLink is the sync client as the agent sees the centre: the client's
// calls as they are, and its connection status in the agent's own terms.
type centreLink struct{ *client.Client }

// Status is the client's connection status as the agent's LinkStatus.
func (l centreLink) Status() agent.LinkStatus {
	st := l.Client.Status()
	return agent.LinkStatus{Connected: st.Connected, LastSync: st.LastSync, LastContact: st.LastContact, LastError: st.LastError,
		JournalReplaced: st.JournalReplaced}
}

// RedeemVoucher is the client's redemption with the centre's refusals as
// the agent's *agent.VoucherRefused (a token the client refuses unasked as
// malformed too); every other error (offline, an older centre, timed out)
// is passed on as it is: no answer.
func (l centreLink) RedeemVoucher(ctx context.Context, token string) (wire.VoucherAnswer, error) {
	ans, err := l.Client.RedeemVoucher(ctx, token)
	var ce *client.CentreError
	switch {
	case errors.As(err, &ce):
		return ans, errors.Join(&agent.VoucherRefused{Code: ce.Code}, err)
	case errors.Is(err, wire.ErrBadVoucher):
		return ans, errors.Join(&agent.VoucherRefused{Code: wire.VoucherBadToken}, err)
	}
	return ans, err
}
