// Package console serves the supervisors' review console (SPEC §2, §7a),
// the mirror of agent/cashier: server-rendered pages under /console/ for
// people with a browser, beside the JSON API for programs. A login form
// starts a session kept in memory (session.go, login.go, auth.go); every
// page is an html/template embedded from this folder (*.html, static/),
// Chinese by default with an English switch (lang.go, texts.go), times in
// the centre's zone. No script runs in the page and nothing is fetched
// from elsewhere.
//
// It owns the pages, their sessions, CSRF tokens and the formatting of
// money, times and evidence for people. Every query and operation is the
// Centre's (sync/centre); password checks, the transactions filter and
// the terminal view are the supervisor API's (sync/centre/api), so the
// console and the API agree.
//
// Files in the order a request meets them: console.go (handler, routes,
// headers, rendering), auth.go, session.go and login.go, lang.go and
// texts.go, txns.go and paging.go (the list and the detail page),
// terminals.go, publish.go, format.go.
package console
