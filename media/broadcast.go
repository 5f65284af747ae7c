package media

import (
	"fmt"
	"net"
	"net/netip"
	"slices"
)

// NewPeer is the Peer of a stream whose signalling names named (SDP's
// c=/m=, H.245's mediaChannel) and came from sig, with any address that is
// a directed broadcast of one of the host's networks left out (Latch
// leaves out the reserved ones): media never goes there. If the
// interfaces cannot be read it says so, and the Peer is made without
// that check.
func NewPeer(named netip.AddrPort, sig netip.Addr) (Peer, error) {
	bcast, err := LocalBroadcasts()
	if slices.Contains(bcast, named.Addr().Unmap()) {
		named = netip.AddrPort{}
	}
	if slices.Contains(bcast, sig.Unmap()) {
		sig = netip.Addr{}
	}
	return Peer{SDP: named, Signalling: sig}, err
}

// LocalBroadcasts returns the directed broadcast addresses of the host's
// IPv4 networks (RFC 919 §7, RFC 922: the last address of each interface's
// prefix; /31 and /32 have none), to which, like Reserved addresses, RTP
// must never go. It reads the interfaces anew at every call, so it is to
// be called per call set-up, not per packet.
func LocalBroadcasts() ([]netip.Addr, error) {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil, fmt.Errorf("media: interface addresses: %w", err)
	}
	var out []netip.Addr
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok {
			continue
		}
		if b, ok := directedBroadcast(ipn); ok {
			out = append(out, b)
		}
	}
	return out, nil
}

// directedBroadcast returns the broadcast address of an IPv4 network.
func directedBroadcast(n *net.IPNet) (netip.Addr, bool) {
	ip4, m := n.IP.To4(), n.Mask
	if len(m) == net.IPv6len {
		m = m[12:]
	}
	if ip4 == nil || len(m) != net.IPv4len {
		return netip.Addr{}, false
	}
	if ones, _ := m.Size(); ones > 30 {
		return netip.Addr{}, false
	}
	var b [4]byte
	for i := range b {
		b[i] = ip4[i] | ^m[i]
	}
	return netip.AddrFrom4(b), true
}
