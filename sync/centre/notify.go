package centre

import "time"

// Notifier is told what the centre cannot act on itself: the agents'
// websocket end implements it.
type Notifier interface {
	// SignedStored is called after a new signed document (bundle or
	// blocklist delta) was stored, so every connected agent is offered it.
	// It must not block.
	SignedStored()
	// TerminalRekeyed is called after a terminal got a new token, so a
	// connection made with the old one ends. It must not block for long.
	TerminalRekeyed(terminal string)
}

// Observer is told what the centre did, for metrics. Its methods are
// called on the requests' paths and must be cheap and safe for concurrent
// use.
type Observer interface {
	// Applied is called after a non-empty batch of entries was applied:
	// n entries were new (past what the terminal had been acknowledged);
	// flags are the centre's flags on the settlements of those new entries
	// that move money; took is how long the store took.
	Applied(n int, flags []string, took time.Duration)
	// LookedUp is called for every account look-up answered; source is
	// LookupAgent or LookupSupervisor.
	LookedUp(source string)
	// LookupRefused is called for every look-up of a terminal refused
	// (over its rate limit, or a malformed card number).
	LookupRefused()
	// Published is called for every signed document stored; kind is
	// wire.KindBundle or wire.KindBlocklist.
	Published(kind string)
	// JournalEvent is called when a terminal is newly marked
	// JOURNAL_REPLACED (JournalReplaced) or rebased (JournalRebased).
	JournalEvent(kind string)
	// AuditFailed is called when an operation succeeded but its event
	// could not be appended to the audit log.
	AuditFailed()
}

// Sources of an account look-up, as Observer.LookedUp reports them.
const (
	LookupAgent      = "agent"      // a terminal at swipe time
	LookupSupervisor = "supervisor" // the supervisor API
	LookupVoucher    = "voucher"    // a terminal redeeming an e-voucher
)

type noNotifier struct{}

func (noNotifier) SignedStored()          {}
func (noNotifier) TerminalRekeyed(string) {}

type noObserver struct{}

func (noObserver) Applied(int, []string, time.Duration) {}
func (noObserver) LookedUp(string)                      {}
func (noObserver) LookupRefused()                       {}
func (noObserver) Published(string)                     {}
func (noObserver) JournalEvent(string)                  {}
func (noObserver) AuditFailed()                         {}

var (
	_ Notifier = noNotifier{}
	_ Observer = noObserver{}
)
