package agent

// Blocked reports whether the active blocklist holds cardNo, for the
// external tests.
func (a *Agent) Blocked(cardNo string) bool { return a.blocks.has(cardNo) }

// StateLastContact is the journal state key of the last contact.
const StateLastContact = stateLastContact
