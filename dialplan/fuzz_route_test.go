package dialplan

import (
	"context"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// FuzzRoute routes any target through a router whose one trunk has any
// proxy and allow pattern, over the fake resolver of the toll fraud tests,
// and checks the rule by construction: Route never panics; a call through
// the trunk carries a number its pattern matches and is sent to one of the
// proxy's addresses; a direct call is never sent to an address of the
// proxy, nor to a multicast, broadcast or unspecified address.
func FuzzRoute(f *testing.F) {
	f.Add("sip:+19005551234@localhost:5080", "sip:127.0.0.1:5080", `^\+44[0-9]{10}$`)
	f.Add("sip:+19005551234@[::ffff:127.0.0.1]:5080", "sip:127.0.0.1:5080", `^\+44[0-9]{10}$`)
	f.Add("#sip:%2B19005551234@2130706433", "sip:localhost", `^\+44`)
	f.Add("sip:1632960123;phone-context=+44@alias.example.org", "sips:sbc.example.net;transport=tls", `^\+44[0-9]{10}$`)
	f.Add("+44 (0)1632 960123", "sip:SBC.example.net.:5070", `^\+44[0-9]{10}$`)
	f.Add("#sip:bob@pbx.example.com", "sip:0x7f.1", `.`)
	f.Fuzz(func(t *testing.T, target, proxy, allow string) {
		tg, err := ParseTarget(target)
		if err != nil {
			return
		}
		re, err := regexp.Compile(allow)
		if err != nil {
			return
		}
		r := &Router{Resolver: fraudDNS, Trunks: []TrunkRoute{{Name: "t", Proxy: proxy, Allow: []*regexp.Regexp{re}}}}
		got, err := r.Route(context.Background(), tg, "", "")
		if err != nil {
			return
		}
		var proxyAddrs []netip.Addr
		if _, p, ok := parseProxy(proxy); ok {
			proxyAddrs, _ = r.lookup(context.Background(), p.Host)
		}
		a := got.Addr.Addr()
		switch got.Via {
		case ViaTrunk:
			_, rest, _ := strings.Cut(got.Destination, ":")
			number, _, _ := strings.Cut(rest, "@")
			if !re.MatchString(number) {
				t.Fatalf("Route(%q) sends %q through the trunk, which allows only %s", target, number, allow)
			}
			if !slices.Contains(proxyAddrs, a) {
				t.Fatalf("Route(%q) sends the trunk call to %v, not an address of %q (%v)", target, got.Addr, proxy, proxyAddrs)
			}
		case ViaDirect:
			if slices.Contains(proxyAddrs, a) {
				t.Fatalf("Route(%q) calls the trunk's address %v directly (proxy %q)", target, got.Addr, proxy)
			}
			if why := forbiddenAddr(a); why != "" || !a.IsValid() {
				t.Fatalf("Route(%q) calls %v directly: %s", target, got.Addr, why)
			}
		}
	})
}
