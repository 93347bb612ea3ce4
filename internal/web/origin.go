package web

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// HSTS is the Strict-Transport-Security value of a secure answer: a
// browser that has seen it uses https for the site for a year.
const HSTS = "max-age=31536000"

// TrustedProxies are the networks of the reverse proxies whose
// X-Forwarded-Proto and X-Forwarded-For a server believes. From any other
// address those headers are ignored: a client cannot claim https or
// another address. The zero value trusts no proxy (the agent's case).
type TrustedProxies []netip.Prefix

// ParseTrustedProxies reads "CIDR[,CIDR…]" (a bare address is a /32 or
// /128); empty means none.
func ParseTrustedProxies(s string) (TrustedProxies, error) {
	var out TrustedProxies
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		p, err := netip.ParsePrefix(part)
		if err != nil {
			a, aerr := netip.ParseAddr(part)
			if aerr != nil {
				return nil, fmt.Errorf("trusted proxy %q: not a CIDR such as 10.0.0.0/8 or an address", part)
			}
			p = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// String lists the networks as ParseTrustedProxies reads them.
func (t TrustedProxies) String() string {
	parts := make([]string, len(t))
	for i, p := range t {
		parts[i] = p.String()
	}
	return strings.Join(parts, ",")
}

// trusts reports whether a is inside a trusted network.
func (t TrustedProxies) trusts(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range t {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Origin is how a request reached the server, as far as it can be
// believed.
type Origin struct {
	// Secure: over TLS to this server, or to a trusted proxy that said
	// so with X-Forwarded-Proto: https.
	Secure bool
	// Client is the client's IP address: the TCP peer's, or behind
	// trusted proxies the last address of X-Forwarded-For that is not a
	// trusted proxy's.
	Client string
}

// Origin works out how r reached the server.
func (t TrustedProxies) Origin(r *http.Request) Origin {
	peer := hostOf(r.RemoteAddr)
	o := Origin{Secure: r.TLS != nil, Client: peer}
	a, err := netip.ParseAddr(peer)
	if err != nil || !t.trusts(a) {
		return o
	}
	if p := lastListed(r.Header.Values("X-Forwarded-Proto")); strings.EqualFold(p, "https") {
		o.Secure = true
	}
	o.Client = t.forwardedClient(r.Header.Values("X-Forwarded-For"), a)
	return o
}

// forwardedClient walks X-Forwarded-For from the nearest hop back while
// the hops are trusted proxies; the first one that is not is the client.
// A hop that is not an address (the header of a misconfigured proxy)
// stops the walk at the last hop believed.
func (t TrustedProxies) forwardedClient(xff []string, peer netip.Addr) string {
	var hops []string
	for _, v := range xff {
		hops = append(hops, strings.Split(v, ",")...)
	}
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		client = a.Unmap()
		if !t.trusts(client) {
			break
		}
	}
	return client.String()
}

// lastListed is the last item of a header's comma-separated values: the
// one the nearest proxy added.
func lastListed(values []string) string {
	if len(values) == 0 {
		return ""
	}
	items := strings.Split(values[len(values)-1], ",")
	return strings.TrimSpace(items[len(items)-1])
}

// hostOf is the host of host:port, or addr when it has no port.
func hostOf(addr string) string {
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return addr
}

type originKey struct{}

// Wrap returns next with each request's Origin worked out once (see
// OriginOf) and, when the request is secure, the HSTS header on its
// answer.
func (t TrustedProxies) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o := t.Origin(r)
		if o.Secure {
			w.Header().Set("Strict-Transport-Security", HSTS)
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), originKey{}, o)))
	})
}

// OriginOf is r's Origin as a TrustedProxies.Wrap around the handler
// worked it out; without one, no proxy is trusted (TLS and the TCP peer
// alone decide).
func OriginOf(r *http.Request) Origin {
	if o, ok := r.Context().Value(originKey{}).(Origin); ok {
		return o
	}
	return TrustedProxies(nil).Origin(r)
}

// Secure reports whether r came over https (see Origin.Secure): cookies
// set in its answer are Secure.
func Secure(r *http.Request) bool { return OriginOf(r).Secure }

// ClientIP is r's client address (see Origin.Client): what login
// throttling and logs know a client by.
func ClientIP(r *http.Request) string { return OriginOf(r).Client }
