// Package web holds the conventions the centre's HTTP ends share (the
// agents' websocket before its upgrade, the supervisor and admin API, the
// console): the error body {code, message, message_zh} with the Chinese
// text of each code, JSON answers, strict JSON request bodies, bearer
// tokens and constant-time comparison of secrets.
//
// It owns no route and no decision.
package web
