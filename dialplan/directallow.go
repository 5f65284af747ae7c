package dialplan

import (
	"fmt"
	"net/netip"
	"strings"
)

// HostPattern is one entry of the direct dialling allow list
// (Router.DirectAllow): a network, or a domain that matches its own name
// and every name under it on a dot boundary ("example.com" matches
// "example.com" and "pbx.example.com", not "badexample.com").
type HostPattern struct {
	// Prefix is the network of an address or CIDR entry; invalid for a
	// domain entry. A single address is a prefix of its full length.
	Prefix netip.Prefix
	// Domain is the domain of a name entry, in lower case without leading
	// or trailing dots; empty for a network entry.
	Domain string
}

// ParseHostPattern reads one allow list entry: an IP address
// ("192.0.2.10", "2001:db8::1"), a CIDR ("192.0.2.0/24"), or a domain
// ("example.com", "*.example.com" and ".example.com" alike, trailing dot
// and case ignored). IPv4-mapped IPv6 forms are taken as the IPv4 they
// map; numeric IPv4 spellings such as 127.1 are refused, to be written out.
func ParseHostPattern(s string) (HostPattern, error) {
	in := strings.TrimSpace(s)
	if strings.IndexByte(in, '/') >= 0 {
		p, err := netip.ParsePrefix(in)
		if err != nil {
			return HostPattern{}, fmt.Errorf("%q: bad network: %w", s, err)
		}
		if p.Addr().Is4In6() {
			if p.Bits() < 96 {
				return HostPattern{}, fmt.Errorf("%q: write an IPv4 network as IPv4", s)
			}
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		return HostPattern{Prefix: p.Masked()}, nil
	}
	if a, err := netip.ParseAddr(strings.Trim(in, "[]")); err == nil {
		if a.Zone() != "" {
			return HostPattern{}, fmt.Errorf("%q: zone IDs are not accepted", s)
		}
		a = a.Unmap()
		return HostPattern{Prefix: netip.PrefixFrom(a, a.BitLen())}, nil
	}
	d := strings.TrimPrefix(in, "*")
	d = strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(d, "."), "."))
	if d == "" || !validHostname(d) {
		return HostPattern{}, fmt.Errorf("%q: want an IP address, a CIDR network or a domain", s)
	}
	return HostPattern{Domain: d}, nil
}

// String returns the entry as ParseHostPattern reads it.
func (p HostPattern) String() string {
	if p.Domain != "" {
		return p.Domain
	}
	if p.Prefix.IsSingleIP() {
		return p.Prefix.Addr().String()
	}
	return p.Prefix.String()
}

// matchName reports whether the canonical host name is the pattern's
// domain or a name under it.
func (p HostPattern) matchName(host string) bool {
	return p.Domain != "" && (host == p.Domain || strings.HasSuffix(host, "."+p.Domain))
}

// matchAddr reports whether a is in the pattern's network.
func (p HostPattern) matchAddr(a netip.Addr) bool {
	return p.Prefix.IsValid() && p.Prefix.Contains(a)
}

// forbiddenAddr says why no call may go to a: "" for a unicast address
// Parley may call.
func forbiddenAddr(a netip.Addr) string {
	switch {
	case a.IsUnspecified():
		return "an unspecified address"
	case a.IsMulticast():
		return "a multicast address"
	case a == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return "the broadcast address"
	}
	return ""
}

// isSelf reports whether a:port is one of Parley's own SIP listen
// addresses; an unspecified listen address stands for the loopback
// addresses at its port (Router.Self lists the machine's other addresses).
func (r *Router) isSelf(a netip.Addr, port int) bool {
	return isOwn(r.Self, a, port)
}

// isOwn reports whether a:port is one of the addresses self lists (nil
// lists none); an unspecified one stands for the loopback addresses at its
// port.
func isOwn(self func() []netip.AddrPort, a netip.Addr, port int) bool {
	if self == nil {
		return false
	}
	for _, s := range self() {
		if int(s.Port()) != port {
			continue
		}
		sa := s.Addr().Unmap()
		if sa == a || sa.IsUnspecified() && a.IsLoopback() {
			return true
		}
	}
	return false
}

// directAddr checks a direct target, host (canonical) at port resolving to
// addrs, and returns the address to call: every address must be a unicast
// address that is not Parley's own (its SIP listen addresses, or for an
// H.323 target its H.323 one), and when r.DirectAllow is set, host must be
// in one of its domains or the address in one of its networks. On refusal
// the error wraps ErrNotAllowed.
func (r *Router) directAddr(rt *Route, host string, port int, addrs []netip.Addr) (netip.Addr, error) {
	self, own := r.Self, "Parley's own SIP address"
	if rt.Target.Kind == KindH323 {
		self, own = r.SelfH323, "Parley's own H.323 address"
	}
	for _, a := range addrs {
		why := forbiddenAddr(a)
		if why == "" && isOwn(self, a, port) {
			why = own
		}
		if why != "" {
			rt.explain("%s is %s: refused", netip.AddrPortFrom(a, uint16(port)), why)
			return netip.Addr{}, fmt.Errorf("%w: %s is %s", ErrNotAllowed, host, why)
		}
	}
	if len(r.DirectAllow) == 0 {
		rt.explain("no direct allow list (dialout.direct_allow): any host that is no trunk's may be called")
		return addrs[0], nil
	}
	for _, p := range r.DirectAllow {
		if p.matchName(host) {
			rt.explain("%s is in %s of the direct allow list", host, p)
			return addrs[0], nil
		}
	}
	for _, a := range addrs {
		for _, p := range r.DirectAllow {
			if p.matchAddr(a) {
				rt.explain("%s is in %s of the direct allow list", a, p)
				return a, nil
			}
		}
	}
	rt.explain("%s (%s) is in no entry of the direct allow list: refused", host, joinAddrs(addrs))
	return netip.Addr{}, fmt.Errorf("%w: %s is not in dialout.direct_allow", ErrNotAllowed, host)
}
