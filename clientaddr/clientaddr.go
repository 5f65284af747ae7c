// Package clientaddr owns "the client address of an HTTP request": the
// peer's address, or, when the peer is a reverse proxy Parley trusts, the
// address that proxy forwarded in X-Forwarded-For or Forwarded (RFC 7239).
// Every rate limit and every log line that names a request's source reads
// it (Proxies.Handler writes it into Request.RemoteAddr).
//
// A client can write anything into these headers, and a proxy appends the
// address it saw on the right. So the list is read from the right: each
// hop that is a trusted proxy is skipped, and the first hop that is not is
// the client. A hop a trusted proxy could not name ("unknown", an
// obfuscated node, garbage) ends the walk at that proxy.
//
// clientaddr is a leaf: standard library only.
package clientaddr

import (
	"net/http"
	"net/netip"
	"strings"
)

// Header names the request header trusted proxies put the client's
// address in.
type Header string

// The headers a proxy may forward the client's address in.
const (
	// XForwardedFor is the de facto X-Forwarded-For: a comma-separated list
	// of addresses, the client first.
	XForwardedFor Header = "X-Forwarded-For"
	// Forwarded is RFC 7239's Forwarded header; the for= parameter of each
	// element is a hop.
	Forwarded Header = "Forwarded"
)

// Proxies knows which peers are trusted proxies and which header they
// forward the client's address in. The zero Proxies trusts nobody: the
// client is always the peer. A Proxies is a plain value, safe for
// concurrent use.
type Proxies struct {
	trusted []netip.Prefix
	header  Header
}

// New returns Proxies that trust the peers in trusted and read header
// (XForwardedFor when empty). IPv4-mapped IPv6 peers match IPv4 prefixes.
func New(trusted []netip.Prefix, header Header) Proxies {
	if header == "" {
		header = XForwardedFor
	}
	p := Proxies{header: header}
	for _, t := range trusted {
		p.trusted = append(p.trusted, netip.PrefixFrom(t.Addr().Unmap(), min(t.Bits(), t.Addr().Unmap().BitLen())).Masked())
	}
	return p
}

// Of returns the client address of r: the peer (r.RemoteAddr) unless it
// is a trusted proxy, else the rightmost hop of the forwarded header that
// is not a trusted proxy. The zero Addr means r.RemoteAddr did not parse.
func (p Proxies) Of(r *http.Request) netip.Addr {
	return p.client(addrOf(r.RemoteAddr), r.Header.Values(string(p.header)))
}

// Handler returns h behind a step that replaces r.RemoteAddr with the
// client address (without a port) when the request came through a
// trusted proxy, so that everything downstream that reads RemoteAddr
// (rate limits, logs) sees the client. With no trusted proxy it returns h.
func (p Proxies) Handler(h http.Handler) http.Handler {
	if len(p.trusted) == 0 {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		peer := addrOf(r.RemoteAddr)
		if c := p.client(peer, r.Header.Values(string(p.header))); c != peer && c.IsValid() {
			r.RemoteAddr = c.String()
		}
		h.ServeHTTP(w, r)
	})
}

// client walks the forwarded hops in values from the right, starting at
// peer.
func (p Proxies) client(peer netip.Addr, values []string) netip.Addr {
	if !p.trusts(peer) || len(values) == 0 {
		return peer
	}
	var hops []string
	if p.header == Forwarded {
		var ok bool
		if hops, ok = forwardedFor(values); !ok {
			return peer // a header we cannot read names nobody
		}
	} else {
		hops = xForwardedFor(values)
	}
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, ok := parseNode(hops[i])
		if !ok {
			return client // the proxy at client could not name its peer
		}
		client = a
		if !p.trusts(a) {
			return a
		}
	}
	return client // every hop is trusted: the farthest one
}

// trusts reports whether a is in a trusted prefix.
func (p Proxies) trusts(a netip.Addr) bool {
	if !a.IsValid() {
		return false
	}
	for _, t := range p.trusted {
		if t.Contains(a) {
			return true
		}
	}
	return false
}

// addrOf returns the IP of a host:port or a bare IP, unmapped and without
// a zone; the zero Addr if it parses as neither.
func addrOf(s string) netip.Addr {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().WithZone("")
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap().WithZone("")
	}
	return netip.Addr{}
}

// xForwardedFor splits X-Forwarded-For header values into hops, the
// client first; a repeated header continues the list (RFC 9110 §5.3).
func xForwardedFor(values []string) []string {
	var hops []string
	for _, v := range values {
		for h := range strings.SplitSeq(v, ",") {
			if h = strings.TrimSpace(h); h != "" {
				hops = append(hops, h)
			}
		}
	}
	return hops
}

// parseNode reads one hop: an IPv4 or IPv6 address, bracketed or not,
// with or without a port (RFC 7239 §6 node; proxies write X-Forwarded-For
// hops the same ways). "unknown" and obfuscated nodes do not parse.
func parseNode(s string) (netip.Addr, bool) {
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		s = s[1 : len(s)-1]
	}
	a := addrOf(s)
	return a, a.IsValid()
}
