package media

import (
	"net/netip"
	"slices"
	"sync"
	"time"
)

// route is where a leg of a shared socket takes its packets from, as its
// session's Latch says: the address it is latched on, or before that the
// SDP address, and the IPs it accepts (SDP's and signalling's).
type route struct {
	exact   netip.AddrPort // the latched source, else the SDP address; may be zero
	ips     [2]netip.Addr  // the IPs the Latch allows; zero Addrs unused
	latched bool
}

// routeOf reads l into a route.
func routeOf(l *Latch) route {
	p := l.Peer()
	r := route{exact: l.Remote(), latched: l.Latched()}
	if !r.exact.IsValid() || r.exact.Port() == 0 {
		r.exact = netip.AddrPort{}
	}
	for i, ip := range [2]netip.Addr{p.SDP.Addr(), p.Signalling} {
		if l.Allowed(ip) && (i == 0 || ip != r.ips[0]) {
			r.ips[i] = ip
		}
	}
	return r
}

// allows reports whether the route accepts packets from ip at all.
func (r *route) allows(ip netip.Addr) bool {
	return ip.IsValid() && (ip == r.ips[0] || ip == r.ips[1])
}

// demux finds, for a datagram that reached a shared socket, the one leg it
// is for, by these rules in turn:
//
//  1. the one leg whose route names the source exactly (its latched
//     source, or while unlatched its SDP ip:port);
//  2. the leg whose peer sends with the packet's SSRC (learnt from the
//     packets rules 1 and 3 routed), if it accepts the source IP;
//  3. the one unlatched leg that accepts the source IP (a NAT chose the
//     port), unless the source or SSRC is a leg's that ended less than
//     Quarantine ago (its late packets).
//
// Anything else is nobody's: a stranger, or a source IP that several
// unlatched legs accept (two phones behind one NAT answering at once),
// which is refused rather than guessed, since a wrong guess would send one
// call's audio to another. The leg's session then applies its own Latch,
// so a routed packet is still accepted only as a per-leg socket would
// accept it. Safe for concurrent use.
type demux struct {
	mu     sync.RWMutex
	routes map[*SharedLeg]route            // guarded by mu: every leg with a route
	exact  map[netip.AddrPort][]*SharedLeg // guarded by mu: by route.exact
	open   map[netip.Addr][]*SharedLeg     // guarded by mu: unlatched legs by the IPs they allow
	ssrcs  map[uint32]*SharedLeg           // guarded by mu: the SSRC each leg's peer sends with
	ssrcOf map[*SharedLeg]uint32           // guarded by mu: the reverse of ssrcs
	// The sources and SSRCs of legs removed less than Quarantine ago,
	// until when: their late packets must not latch a new leg of the
	// same IP (rule 3), as a per-leg port rests before its reuse.
	resting     map[netip.AddrPort]time.Time // guarded by mu
	restingSSRC map[uint32]time.Time         // guarded by mu
	now         func() time.Time
}

func newDemux() *demux {
	return &demux{routes: make(map[*SharedLeg]route), exact: make(map[netip.AddrPort][]*SharedLeg),
		open: make(map[netip.Addr][]*SharedLeg), ssrcs: make(map[uint32]*SharedLeg),
		ssrcOf: make(map[*SharedLeg]uint32), resting: make(map[netip.AddrPort]time.Time),
		restingSSRC: make(map[uint32]time.Time), now: time.Now}
}

// set gives leg the route r, replacing its previous one, unless leg was
// removed.
func (d *demux) set(leg *SharedLeg, r route) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if leg.gone {
		return
	}
	d.unindex(leg)
	d.routes[leg] = r
	if r.exact.IsValid() {
		d.exact[r.exact] = append(d.exact[r.exact], leg)
	}
	if !r.latched {
		for _, ip := range r.ips {
			if ip.IsValid() {
				d.open[ip] = append(d.open[ip], leg)
			}
		}
	}
}

// remove forgets leg for good: a later set does nothing.
func (d *demux) remove(leg *SharedLeg) {
	d.mu.Lock()
	defer d.mu.Unlock()
	leg.gone = true
	now := d.now()
	for a, until := range d.resting {
		if now.After(until) {
			delete(d.resting, a)
		}
	}
	for s, until := range d.restingSSRC {
		if now.After(until) {
			delete(d.restingSSRC, s)
		}
	}
	if r, ok := d.routes[leg]; ok && r.latched {
		d.resting[r.exact] = now.Add(Quarantine)
	}
	d.unindex(leg)
	if s, ok := d.ssrcOf[leg]; ok {
		d.restingSSRC[s] = now.Add(Quarantine)
		delete(d.ssrcs, s)
		delete(d.ssrcOf, leg)
	}
}

// unindex takes leg's route out of the indexes. mu is held.
func (d *demux) unindex(leg *SharedLeg) {
	r, ok := d.routes[leg]
	if !ok {
		return
	}
	delete(d.routes, leg)
	drop := func(list []*SharedLeg) []*SharedLeg {
		return slices.DeleteFunc(list, func(l *SharedLeg) bool { return l == leg })
	}
	if r.exact.IsValid() {
		if d.exact[r.exact] = drop(d.exact[r.exact]); len(d.exact[r.exact]) == 0 {
			delete(d.exact, r.exact)
		}
	}
	for _, ip := range r.ips {
		if l, ok := d.open[ip]; ok {
			if d.open[ip] = drop(l); len(d.open[ip]) == 0 {
				delete(d.open, ip)
			}
		}
	}
}

// lookup returns the leg a datagram from from with SSRC ssrc is for, or
// nil; learn says the SSRC identifies the sender (RTP, not RTCP) and is to
// be remembered for the leg rules 1 and 3 chose.
func (d *demux) lookup(from netip.AddrPort, ssrc uint32, learn bool) *SharedLeg {
	d.mu.RLock()
	leg, byRule := d.find(from, ssrc)
	known := leg == nil || !learn || byRule == 2 || d.ssrcOf[leg] == ssrc
	d.mu.RUnlock()
	if !known {
		d.learn(leg, ssrc)
	}
	return leg
}

// find applies the rules; it returns the leg and the rule that chose it.
// mu is held.
func (d *demux) find(from netip.AddrPort, ssrc uint32) (*SharedLeg, int) {
	if c := d.exact[from]; len(c) == 1 {
		return c[0], 1
	}
	if leg, ok := d.ssrcs[ssrc]; ok {
		if r := d.routes[leg]; r.allows(from.Addr()) {
			return leg, 2
		}
	}
	if c := d.open[from.Addr()]; len(c) == 1 && !d.rests(from, ssrc) {
		return c[0], 3
	}
	return nil, 0
}

// rests reports whether from or ssrc was a removed leg's less than
// Quarantine ago. mu is held.
func (d *demux) rests(from netip.AddrPort, ssrc uint32) bool {
	if len(d.resting) == 0 && len(d.restingSSRC) == 0 {
		return false
	}
	now := d.now()
	if until, ok := d.resting[from]; ok && now.Before(until) {
		return true
	}
	until, ok := d.restingSSRC[ssrc]
	return ok && now.Before(until)
}

// learn records that leg's peer sends with ssrc, unless the leg is gone
// or another leg's peer already claimed it.
func (d *demux) learn(leg *SharedLeg, ssrc uint32) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, live := d.routes[leg]; !live {
		return
	}
	if other, taken := d.ssrcs[ssrc]; taken && other != leg {
		return
	}
	if old, ok := d.ssrcOf[leg]; ok {
		delete(d.ssrcs, old)
	}
	d.ssrcs[ssrc], d.ssrcOf[leg] = leg, ssrc
}
