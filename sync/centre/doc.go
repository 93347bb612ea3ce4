// Package centre is the regional centre's domain: one Centre that applies
// the terminals' entries to the ledger exactly once, answers account
// look-ups, reconciles the terminals' days, publishes signed rule bundles
// and blocklist deltas, imports accounts, enrols terminals and adds users.
// It decides who may do what with a terminal's token or a user's password,
// keeps versions in order and the ledger still while it is changed in
// bulk.
//
// It owns no transport and no storage: the agents' websocket end is
// sync/centre/agentws, the supervisor and admin JSON API sync/centre/api,
// the supervisors' console sync/centre/console, the wiring over a data
// directory sync/centre/service; storage is the store.Store it is given
// (sync/centre/store, whose backends it never imports), the pure ledger
// decisions are sync/centre/ledger, the wire format sync/wire. What it
// cannot do itself it asks of two small interfaces: a Notifier (wake the
// connections, drop a re-keyed terminal) and an Observer (metrics).
//
// A Centre without a Notifier runs directly on a store: the CLI's
// administrative commands do so when no centre is running.
package centre
