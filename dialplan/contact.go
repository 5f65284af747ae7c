package dialplan

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
)

// ContactAddr vets the address a registered device of an extension is
// reached at (its binding's destination, "host:port" as the registrar
// keeps it) and returns the address to send the INVITE to. A device sets
// its own Contact, so without this an extension could register the
// trunk's address and be rung into it. The rule is the one Route applies
// to direct targets, less the allow list (the device authenticated to
// register): the host is normalised and resolved, and refused, wrapping
// ErrNotAllowed, if any of its addresses is a trunk proxy's (at any port),
// Parley's own, unspecified, multicast or broadcast, or if it does not
// resolve. The first address, IPv4 first, is returned: send to it and not
// to a fresh lookup.
func (r *Router) ContactAddr(ctx context.Context, hostport string) (netip.AddrPort, error) {
	h, p, err := net.SplitHostPort(hostport)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("%w: contact %q: %w", ErrNotAllowed, hostport, err)
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 1 || port > 65535 {
		return netip.AddrPort{}, fmt.Errorf("%w: contact %q: bad port", ErrNotAllowed, hostport)
	}
	var host string
	if a, err := netip.ParseAddr(h); err == nil && a.Zone() == "" {
		host = a.Unmap().String()
	} else if host, err = contactHost(h); err != nil {
		return netip.AddrPort{}, fmt.Errorf("%w: contact %q: %w", ErrNotAllowed, hostport, err)
	}
	addrs, err := r.lookup(ctx, host)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("%w: contact %q: %w", ErrNotAllowed, hostport, err)
	}
	var rt Route // the checks explain; a contact has no one to explain to
	trunks, err := r.trunksAt(ctx, &rt, addrs)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("contact %q: %w", hostport, err)
	}
	if len(trunks) > 0 {
		return netip.AddrPort{}, fmt.Errorf("%w: contact %q is the address of trunk %s", ErrNotAllowed, hostport, trunks[0].Name)
	}
	for _, a := range addrs {
		why := forbiddenAddr(a)
		if why == "" && r.isSelf(a, port) {
			why = "Parley's own SIP address"
		}
		if why != "" {
			return netip.AddrPort{}, fmt.Errorf("%w: contact %q is %s", ErrNotAllowed, hostport, why)
		}
	}
	return netip.AddrPortFrom(addrs[0], uint16(port)), nil
}

// contactHost brings a contact's host name to its canonical spelling.
func contactHost(h string) (string, error) {
	host, reason := canonicalHost(h, false)
	if reason != "" {
		return "", errors.New(reason)
	}
	return host, nil
}
