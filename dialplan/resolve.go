package dialplan

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// DefaultResolveTimeout bounds one name lookup of the router when
// Router.ResolveTimeout is zero.
const DefaultResolveTimeout = 2 * time.Second

// Resolver looks up the addresses of a host name, as
// net.Resolver.LookupNetIP does (network "ip"). The router resolves every
// name it compares or calls through it, so tests inject their own; a
// *net.Resolver satisfies it.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// lookup returns the addresses of host, a canonical host (canonicalHost):
// an IP address is its own single address; a name is resolved through the
// router's Resolver (net.DefaultResolver when nil) within its
// ResolveTimeout. Addresses come back unmapped, without zones and without
// duplicates, IPv4 before IPv6; a name with none is an error.
func (r *Router) lookup(ctx context.Context, host string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{a.Unmap().WithZone("")}, nil
	}
	var res Resolver = net.DefaultResolver
	if r.Resolver != nil {
		res = r.Resolver
	}
	timeout := r.ResolveTimeout
	if timeout <= 0 {
		timeout = DefaultResolveTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	found, err := res.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil, fmt.Errorf("resolve %s: %w", host, err)
	}
	addrs := make([]netip.Addr, 0, len(found))
	for _, a := range found {
		if a = a.Unmap().WithZone(""); a.IsValid() && !slices.Contains(addrs, a) {
			addrs = append(addrs, a)
		}
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("resolve %s: no addresses", host)
	}
	// IPv4 first, each family in the resolver's order: Parley listens on
	// IPv4 by default, and the first address is the one called.
	slices.SortStableFunc(addrs, func(a, b netip.Addr) int {
		switch {
		case a.Is4() == b.Is4():
			return 0
		case a.Is4():
			return -1
		}
		return 1
	})
	return addrs, nil
}

// explainLookup writes the resolution of a name into the route's Explain
// lines; an IP address needs no line.
func (rt *Route) explainLookup(what, host string, addrs []netip.Addr) {
	if _, err := netip.ParseAddr(host); err == nil {
		return
	}
	rt.explain("%s %s resolves to %s", what, host, joinAddrs(addrs))
}

// joinAddrs lists addresses for an Explain line.
func joinAddrs(addrs []netip.Addr) string {
	s := make([]string, len(addrs))
	for i, a := range addrs {
		s[i] = a.String()
	}
	return strings.Join(s, ", ")
}
