package agent

import (
	"fmt"

	"posagent/reader"
)

// stateHealthProbe is the state key the health check writes to prove the
// journal takes writes.
const stateHealthProbe = "health_probe"

// Health states.
const (
	HealthOK      = "ok"
	HealthFailing = "failing"
)

// Health is the answer of GET /healthz. Status is HealthOK when the
// terminal can record sales (its journal takes a durable write); the reader
// and the centre are reported for people but do not make it fail: a
// terminal without its reader or offline still serves within its rules.
type Health struct {
	Status   string        `json:"status"`
	Terminal string        `json:"terminal"`
	Journal  JournalHealth `json:"journal"`
	Reader   reader.Status `json:"reader"`
	Centre   CentreStatus  `json:"centre"`
	Rules    RulesStatus   `json:"rules"`
}

// JournalHealth says whether the journal took the probe write.
type JournalHealth struct {
	Writable bool   `json:"writable"`
	Error    string `json:"error,omitempty"`
	LastSeq  uint64 `json:"last_seq"`
}

// Health checks that the journal takes a durable write (one small state
// value, fsynced) and reports the rest of the terminal's state beside it.
func (a *Agent) Health() Health {
	st := a.Status()
	h := Health{
		Status: HealthOK, Terminal: st.Terminal, Reader: st.Reader, Centre: st.Centre, Rules: st.Rules,
		Journal: JournalHealth{Writable: true, LastSeq: st.Journal.LastSeq},
	}
	if f := a.journalFault.Load(); f != nil {
		h.Status = HealthFailing
		h.Journal.Error = "journal failed its integrity check at start: " + *f
	}
	stamp, _ := a.now().MarshalText()
	if err := a.j.PutState(stateHealthProbe, stamp); err != nil {
		h.Status = HealthFailing
		h.Journal.Writable = false
		h.Journal.Error = fmt.Sprintf("journal does not take writes: %v", err)
		a.log.Error("health check: journal write failed", "err", err)
	}
	return h
}

// SetJournalFault records that journal.Verify failed at start. The agent
// keeps serving status, health and the day's reads so support can see why,
// but refuses charges and voids with JOURNAL_DAMAGED: a broken chain must
// not grow.
func (a *Agent) SetJournalFault(err error) {
	if err == nil {
		a.journalFault.Store(nil)
		return
	}
	msg := err.Error()
	a.journalFault.Store(&msg)
	a.log.Error("journal failed verification: charges refused", "err", err)
}
