package daemon

import (
	"posagent/agent"
	"posagent/agent/journal"
	"posagent/sync/client"
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
