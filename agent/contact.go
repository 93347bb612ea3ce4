package agent

import (
	"context"
	"time"
)

// contactSaveEvery bounds how often the last contact with the centre is
// written to the journal while the centre is reachable.
const contactSaveEvery = time.Minute

// lastContact is the last time the centre was reached: the sync client's
// word, also kept in the journal (at most once a minute) so that it
// outlives a restart while the centre is unreachable. Rules staleness
// counts from it; without it a terminal rebooted during an outage would
// count from the bundle's issue time and could stop account payment at
// once.
func (a *Agent) lastContact() time.Time {
	saved := a.savedContact()
	c := a.centreClient()
	if c == nil {
		return saved
	}
	t := c.Status().LastContact
	if !t.After(saved) {
		return saved
	}
	if t.Sub(saved) >= contactSaveEvery {
		b, err := t.MarshalText()
		if err == nil {
			err = a.j.PutState(stateLastContact, b)
		}
		if err != nil {
			a.log.Warn("last contact with the centre not saved", "at", t, "err", err)
		}
	}
	return t
}

// savedContact is the last contact kept in the journal (zero: none).
func (a *Agent) savedContact() time.Time {
	var t time.Time
	b, err := a.j.State(stateLastContact)
	if err != nil || t.UnmarshalText(b) != nil {
		return time.Time{}
	}
	return t
}

// KeepContact saves the last contact with the centre once a minute until
// ctx ends, so an idle terminal (no sales over a weekend) that restarts
// during an outage still counts staleness from its real last contact.
func (a *Agent) KeepContact(ctx context.Context) {
	t := a.cfg.Clock.NewTicker(contactSaveEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C():
			a.lastContact()
		}
	}
}
