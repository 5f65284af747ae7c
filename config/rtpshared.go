package config

// MaxSharedPorts bounds rtp.shared_ports: one socket already serves
// thousands of legs; more only spread the reading over cores.
const MaxSharedPorts = 64

// rtpShared checks rtp.shared_ports: 0 to MaxSharedPorts, and fewer than
// the even ports of rtp.ports, which video and H.323 legs still take one
// each from.
func (v *validator) rtpShared(r *RTP) {
	n := r.SharedPorts
	switch {
	case n < 0 || n > MaxSharedPorts:
		v.add("rtp.shared_ports", "%d: must be 0 (a socket per leg) to %d", n, MaxSharedPorts)
	case n > 0 && r.Ports != (PortRange{}) && n >= evenPorts(r.Ports):
		v.add("rtp.shared_ports", "%d: rtp.ports %q has only %d even ports, and video and H.323 legs need some of their own", n, r.Ports.String(), evenPorts(r.Ports))
	}
}

// evenPorts counts the even ports of p.
func evenPorts(p PortRange) int {
	lo := p.Min + p.Min%2
	if lo > p.Max {
		return 0
	}
	return (p.Max-lo)/2 + 1
}
