// Package web holds what the HTTP ends of both sides share: the cashier
// page (agent/cashier) and the supervisors' console (sync/centre/console),
// the POS API (agent/api) and the centre's JSON API and agents' websocket
// (sync/centre/api, sync/centre/agentws).
//
// For the web UIs: the language choice (Chinese by default, English on
// request, remembered in a cookie) and a text catalogue each UI fills
// with its own words (lang.go); browser sessions with CSRF tokens, behind
// the Sessions interface (session.go); the security headers every page
// carries (headers.go); a page rendered whole or not at all (html.go).
// For every route: whether a request came over https and from which
// client, believing X-Forwarded-* only from trusted proxies, with HSTS
// on secure answers (origin.go). For the JSON APIs: the error body
// {code, message, message_zh} (errors.go), JSON answers and strict
// request bodies (json.go), bearer tokens and constant-time comparison
// of secrets (secrets.go).
//
// It owns no route, no word of either UI and no decision; policy does
// not import it.
package web
