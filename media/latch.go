package media

import "net/netip"

// Peer is what the signalling says about the other end of an RTP session:
// the only addresses its media may come from and go to.
type Peer struct {
	// SDP is the address the SDP names for the media (RFC 8866 §5.7 c= and
	// §5.14 m=); the zero AddrPort if it names none (or a held stream's
	// 0.0.0.0).
	SDP netip.AddrPort
	// Signalling is the source IP of the SIP message that carried the SDP
	// (the INVITE of a call in, the 2xx of a call out): behind NAT the
	// media comes from that IP, on a port the NAT chose. The zero Addr if
	// unknown.
	Signalling netip.Addr
}

// Latch is the source rule of one RTP session (symmetric RTP, RFC 4961,
// with latching as a bridge facing NAT needs), which decides both what is
// received and where anything is sent:
//
//   - Before latching, a packet is accepted only if its source IP is the
//     SDP's or the signalling source IP (any port: a NAT maps the phone's
//     port to one of its own), and the first accepted packet latches its
//     source (IP and port).
//   - After latching, only packets from the latched source are accepted.
//   - Packets go to the latched source. Before latching they go to the SDP
//     address only if its IP is the signalling source IP; otherwise
//     nothing is sent until media has arrived, so that a c= naming a third
//     party cannot turn the bridge into a reflector.
//   - Nothing is ever accepted from or sent to a Reserved address.
//
// SetSDP (a re-INVITE's new address) unlatches. A Latch is a plain value,
// not safe for concurrent use: its owner guards it.
type Latch struct {
	peer    Peer
	remote  netip.AddrPort // the latched source, else the SDP address
	send    netip.AddrPort // where to send; zero while sending is not allowed
	latched bool
}

// NewLatch returns the rule for a session with peer, not latched.
func NewLatch(peer Peer) Latch {
	peer.Signalling = peer.Signalling.Unmap()
	if Reserved(peer.Signalling) {
		peer.Signalling = netip.Addr{}
	}
	l := Latch{peer: peer}
	l.SetSDP(peer.SDP)
	return l
}

// SetSDP takes the address of a new SDP (a re-INVITE or UPDATE) and
// unlatches: the next packet from the new SDP IP or the signalling source
// IP latches again.
func (l *Latch) SetSDP(addr netip.AddrPort) {
	addr = unmap(addr)
	if addr.IsValid() && Reserved(addr.Addr()) {
		addr = netip.AddrPort{}
	}
	l.peer.SDP, l.remote, l.latched = addr, addr, false
	l.send = netip.AddrPort{}
	if addr.IsValid() && addr.Port() != 0 && addr.Addr() == l.peer.Signalling {
		l.send = addr
	}
}

// Accept reports whether a packet from from (an unmapped address) is to be
// accepted, and latches on to from if it is the first.
func (l *Latch) Accept(from netip.AddrPort) bool {
	if l.latched {
		return from == l.remote
	}
	if !l.Allowed(from.Addr()) || from.Port() == 0 {
		return false
	}
	l.remote, l.send, l.latched = from, from, true
	return true
}

// Allowed reports whether ip may send to the session at all: the SDP's IP
// or the signalling source IP, and not Reserved.
func (l *Latch) Allowed(ip netip.Addr) bool {
	if !ip.IsValid() || Reserved(ip) {
		return false
	}
	return ip == l.peer.SDP.Addr() || ip == l.peer.Signalling
}

// Verified reports whether packets may be sent to ip (an RTCP address, say):
// it is the signalling source IP or the latched source's IP.
func (l *Latch) Verified(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || Reserved(ip) {
		return false
	}
	return ip == l.peer.Signalling || (l.latched && ip == l.remote.Addr())
}

// Target returns where to send, and false while nothing may be sent.
func (l *Latch) Target() (netip.AddrPort, bool) { return l.send, l.send.IsValid() }

// Remote returns the latched source, else the SDP address.
func (l *Latch) Remote() netip.AddrPort { return l.remote }

// Latched reports whether a source is latched.
func (l *Latch) Latched() bool { return l.latched }

// Peer returns the addresses the rule was given (SDP as last set).
func (l *Latch) Peer() Peer { return l.peer }

// Reserved reports whether ip is an address RTP must never come from or
// go to: invalid or unspecified, multicast (224.0.0.0/4, ff00::/8), the
// IPv4 "this network" block 0.0.0.0/8 and the reserved block 240.0.0.0/4
// with the limited broadcast 255.255.255.255 (RFC 6890, RFC 919), and the
// IPv6 block ::/8 reserved by the IETF (RFC 4291 §2.4) but for loopback.
// IPv4-mapped addresses are judged as IPv4. Directed broadcasts depend on
// the host's interfaces: see LocalBroadcasts.
func Reserved(ip netip.Addr) bool {
	ip = ip.Unmap()
	switch {
	case !ip.IsValid(), ip.IsUnspecified(), ip.IsMulticast():
		return true
	case ip.Is4():
		b := ip.As4()
		return b[0] == 0 || b[0] >= 240
	case ip.IsLoopback():
		return false
	}
	return ip.As16()[0] == 0
}
