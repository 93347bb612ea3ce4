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
// It owns the page, its sessions and its view of money (¥yuan.fen from
// int64 fen); every decision is the agent's. Files in the order a request
// meets them: handler.go (routes, headers), session.go and login.go,
// lang.go and texts.go, page.go, api.go (card, status, item, events),
// sale.go (quote, charge, void, transactions), views.go, money.go,
// errors.go; the page itself is assets/page.html and assets/static/.
package cashier
