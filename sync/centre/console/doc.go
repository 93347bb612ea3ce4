// Package console serves the supervisors' review console (SPEC §2, §7a),
// the mirror of agent/cashier: server-rendered pages under /console/ for
// people with a browser, beside the JSON API for programs. A login form
// starts a session (session.go, login.go, auth.go); every page is an
// html/template embedded from this folder (*.html, static/), Chinese by
// default with an English switch (texts.go), times in the centre's zone.
// No script runs in the page and nothing is fetched from elsewhere.
//
// It owns the pages, their words, the limits of their sessions and the
// formatting of times and evidence for people. What it shares with the
// cashier page (language choice, the session table with its CSRF tokens,
// security headers) is internal/web's, and amounts are written by
// internal/money. Every query and operation is the Centre's
// (sync/centre); password checks, the transactions filter and the
// terminal view are the supervisor API's (sync/centre/api), so the
// console and the API agree.
//
// Files in the order a request meets them: console.go (handler, routes,
// headers, rendering), auth.go, session.go and login.go, texts.go,
// txns.go and paging.go (the list and the detail page), terminals.go,
// publish.go, format.go.
package console
