package main

import (
	"fmt"
	"net"
	"net/netip"
	"strings"

	"github.com/parleyhq/parley/config"
	"github.com/parleyhq/parley/dialplan"
)

// routerFromConfig builds the dial-out router from the extensions, trunks
// and dialout.direct_allow of cfg, for `parley route` and for the bridge
// `parley serve` runs; names resolve through the system's resolver. The
// Router shares cfg's compiled patterns, which nothing modifies. Self is
// left for newApp to set: it reads the SIP listeners once they are bound.
func routerFromConfig(cfg *config.Config) (*dialplan.Router, error) {
	r := &dialplan.Router{Extensions: make(map[string]string, len(cfg.Extensions)), Resolver: net.DefaultResolver}
	for _, e := range cfg.Extensions {
		r.Extensions[e.Number] = e.Name
		if e.CallerID != "" {
			if r.CallerIDs == nil {
				r.CallerIDs = make(map[string]string)
			}
			r.CallerIDs[e.Number] = e.CallerID
		}
	}
	for _, t := range cfg.Trunks {
		r.Trunks = append(r.Trunks, dialplan.TrunkRoute{
			Name: t.Name, Proxy: t.Proxy, CallerID: t.CallerID, Allow: t.Allow, AllowedCallerIDs: t.AllowedCallerIDs,
		})
	}
	for i, e := range cfg.Dialout.DirectAllow {
		p, err := dialplan.ParseHostPattern(e)
		if err != nil {
			return nil, fmt.Errorf("dialout.direct_allow[%d]: %w", i, err)
		}
		r.DirectAllow = append(r.DirectAllow, p)
	}
	return r, nil
}

// selfAddrs parses the SIP server's bound listen addresses
// ("udp://127.0.0.1:5060") for Router.Self; an unspecified address adds
// every address of the machine's interfaces at its port, so a direct
// target cannot reach Parley by any of its addresses.
func selfAddrs(listen []string) []netip.AddrPort {
	var out []netip.AddrPort
	var ifaces []netip.Addr
	for _, l := range listen {
		_, hp, _ := strings.Cut(l, "://")
		ap, err := netip.ParseAddrPort(hp)
		if err != nil {
			continue
		}
		out = append(out, ap)
		if !ap.Addr().IsUnspecified() {
			continue
		}
		if ifaces == nil {
			ifaces = interfaceAddrs()
		}
		for _, a := range ifaces {
			out = append(out, netip.AddrPortFrom(a, ap.Port()))
		}
	}
	return out
}

// interfaceAddrs lists the addresses of the machine's interfaces; none if
// they cannot be read.
func interfaceAddrs() []netip.Addr {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return []netip.Addr{}
	}
	out := make([]netip.Addr, 0, len(addrs))
	for _, a := range addrs {
		if p, err := netip.ParsePrefix(a.String()); err == nil {
			out = append(out, p.Addr().Unmap())
		}
	}
	return out
}
