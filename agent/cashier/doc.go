// Package cashier serves the cashier page: a web page on the agent's own
// loopback address for pharmacies whose POS software does not speak the POS
// API yet. The cashier sees the card in the reader, builds a cart (a barcode
// looks the item up in the active catalogue), asks for a quote, confirms the
// checks the rules require, charges, prints the receipt and voids today's
// charges. Chinese by default, English with ?lang=en (kept in a cookie).
//
// Security: the operator opens /cashier/login?token=<api token> once (a
// desktop shortcut); the token is checked in constant time and exchanged
// for a random session id in an HttpOnly, SameSite=Strict cookie, kept in
// memory only. The page's endpoints under /cashier/api/ accept only that
// cookie and, for POST, the header X-Cashier: 1, which a cross-site form
// cannot send. They call the agent's methods directly; the page never sees
// the API token.
//
// It owns the page, its words and the page's view of the agent's answers;
// every decision is the agent's. What it shares with the supervisors'
// console (language choice, the session table, security headers, JSON
// answers and strict request bodies) is internal/web's, and amounts are
// written and read by internal/money. Files in the order a request meets
// them: handler.go (routes, headers), login.go, texts.go, page.go, api.go
// (card, status, item, events), sale.go and quantity.go (quote, charge,
// void, transactions), views.go, errors.go; the page itself is
// assets/page.html and assets/static/.
package cashier
