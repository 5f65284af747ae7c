package clientaddr

import (
	"net/netip"
	"slices"
	"testing"
)

// FuzzClient checks, for any header value read as X-Forwarded-For and as
// Forwarded, that nothing panics and that the client is the peer or one of
// the hops the header names, and always the peer when the peer is not
// trusted.
func FuzzClient(f *testing.F) {
	for _, s := range []string{
		"198.51.100.2", "192.0.2.1, 198.51.100.2, 10.0.0.7", "[2001:db8::1]:80, unknown",
		"for=192.0.2.60;proto=http;by=203.0.113.43", `for="[2001:db8:cafe::17]:4711", for=10.0.0.2`,
		`for="192.0.2.\43"`, "for=_hidden, ,for=10.1.1.1", `for="unterminated`, "for=1.2.3.4;for=5.6.7.8",
	} {
		f.Add(s, true)
		f.Add(s, false)
	}
	trusted := prefixes("10.0.0.0/8")
	f.Fuzz(func(t *testing.T, value string, trustedPeer bool) {
		peer := netip.MustParseAddr("203.0.113.9")
		if trustedPeer {
			peer = netip.MustParseAddr("10.0.0.1")
		}
		for _, h := range []Header{XForwardedFor, Forwarded} {
			p := New(trusted, h)
			got := p.client(peer, []string{value})
			if !trustedPeer && got != peer {
				t.Fatalf("%s %q from an untrusted peer gave %s", h, value, got)
			}
			if got == peer {
				continue
			}
			hops := xForwardedFor([]string{value})
			if h == Forwarded {
				var ok bool
				if hops, ok = forwardedFor([]string{value}); !ok {
					t.Fatalf("Forwarded %q does not parse, yet gave %s", value, got)
				}
			}
			if !slices.ContainsFunc(hops, func(s string) bool { a, ok := parseNode(s); return ok && a == got }) {
				t.Fatalf("%s %q gave %s, which is none of its hops %q", h, value, got, hops)
			}
		}
	})
}
