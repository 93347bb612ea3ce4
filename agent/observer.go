package agent

// Observer is told what happens at the counter, for metrics (agent/metrics
// implements it). Its methods are called on the sale's path: they must be
// quick, must not block and must be safe for concurrent use.
type Observer interface {
	// Swiped is called for every card read the reader reports.
	Swiped()
	// Quoted is called for every quote answered.
	Quoted(q Quote)
	// Charged is called once per charge attempt that is not the replay of
	// an idempotency key: outcome is one of the Outcome constants; code is
	// the error code of a refused or failed charge, "" otherwise.
	Charged(outcome, code string)
}

// Outcomes of a charge attempt, as Observer.Charged reports them.
const (
	OutcomeSettledCentre  = "settled_centre"  // applied by the centre before the answer
	OutcomeSettledOffline = "settled_offline" // journaled, to be synced later
	OutcomeRefused        = "refused"         // nothing charged: the cashier's or the POS's to fix
	OutcomeFailed         = "failed"          // nothing charged: the terminal failed (storage, internal)
)

var _ Observer = noObserver{}

// noObserver is the Observer of an agent configured without one.
type noObserver struct{}

func (noObserver) Swiped()                {}
func (noObserver) Quoted(Quote)           {}
func (noObserver) Charged(string, string) {}

// observeCharge reports a charge attempt's outcome to the observer.
func (a *Agent) observeCharge(ans Charge, replayed bool, err error) {
	switch {
	case replayed:
		return // the first attempt was counted
	case err != nil:
		e := AsError(err)
		outcome := OutcomeRefused
		if e.TerminalFault() {
			outcome = OutcomeFailed
		}
		a.obs.Charged(outcome, e.Code)
	case ans.Settled == SettledCentre:
		a.obs.Charged(OutcomeSettledCentre, "")
	default:
		a.obs.Charged(OutcomeSettledOffline, "")
	}
}
