// Package centre is the regional centre's service: the websocket endpoint
// agents sync with (GET /v1/agent), the supervisor API, the admin API the
// CLI uses while the centre runs, and the operations behind them (publishing
// signed rule bundles and blocklist deltas, importing accounts, enrolling
// terminals, adding users).
//
// It owns the protocol's centre end and who may do what; it does not own
// storage (that is sync/centre/store) nor the wire format (sync/wire).
//
// The operations are plain functions over a store.Store (Publish,
// BlockCards, ImportAccountsCSV, Enrol, AddUser) so the CLI can run them on
// the store file directly when no centre holds it. A running Server wraps
// them so that versions stay ordered, money is never raced and every new
// signed document is pushed to the connected agents. Service runs a Server
// over a data directory the way `centre run` does; OpenAdmin gives the CLI
// the same operations either directly or through a running centre.
package centre
