// Package agentws is the centre's end of the sync protocol, the mirror of
// sync/client: the agents' websocket at GET /v1/agent (wire.AgentPath).
// It checks a terminal's credentials before upgrading, keeps one live
// connection per terminal (the newest), reads and answers each message
// (hello, entries, account requests, bundle statuses, day summaries),
// pushes the signed documents an agent lacks, pings, and ends connections
// with an error message and a close code when the agent breaks the
// protocol.
//
// It owns the connections and the protocol's order of messages; every
// decision (who a terminal is, what applying a batch does, what an account
// answer holds) is the Centre's (sync/centre), which it calls. It
// implements centre.Notifier, so a publish offers the new document to
// every connection and a re-enrolled terminal's connection is dropped.
//
// Files in the order a connection meets them: server.go, auth.go,
// conn.go (read loop), messages.go and reconcile.go (answers),
// writer.go (the one writer: queued messages, pushes, pings), hub.go,
// errors.go.
package agentws
