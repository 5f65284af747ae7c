package media

import (
	"net/netip"
	"testing"
)

// TestDemuxLookup checks the demultiplexer's rules on legs as their
// Latches describe them: exact source, NAT (the one unlatched leg of an
// IP), SSRC, and refusal of strangers and of ambiguous sources.
func TestDemuxLookup(t *testing.T) {
	ap := netip.MustParseAddrPort
	phoneA := ap("192.0.2.10:4000")
	phoneB := ap("192.0.2.10:4002") // a second phone on the same IP
	other := ap("198.51.100.7:5000")
	sig := phoneA.Addr()
	tests := []struct {
		name  string
		legs  []Peer                 // one leg each
		latch map[int]netip.AddrPort // legs latched (by index) on a source
		learn []struct {             // packets routed first, to learn SSRCs
			from netip.AddrPort
			ssrc uint32
		}
		from netip.AddrPort
		ssrc uint32
		want int // index of the leg, -1 for none
	}{
		{name: "exact SDP address", legs: []Peer{{SDP: phoneA, Signalling: sig}, {SDP: phoneB, Signalling: sig}},
			from: phoneB, ssrc: 9, want: 1},
		{name: "NAT: the one unlatched leg of the IP", legs: []Peer{{SDP: phoneA, Signalling: sig}, {SDP: other}},
			from: ap("192.0.2.10:61000"), ssrc: 9, want: 0},
		{name: "stranger refused", legs: []Peer{{SDP: phoneA, Signalling: sig}},
			from: ap("203.0.113.5:4000"), ssrc: 9, want: -1},
		{name: "two unlatched legs of one IP, unknown port: refused, not guessed",
			legs: []Peer{{SDP: phoneA, Signalling: sig}, {SDP: phoneB, Signalling: sig}},
			from: ap("192.0.2.10:61000"), ssrc: 9, want: -1},
		{name: "latched leg: its source only", legs: []Peer{{SDP: phoneA, Signalling: sig}, {SDP: phoneB, Signalling: sig}},
			latch: map[int]netip.AddrPort{0: ap("192.0.2.10:61000")},
			from:  ap("192.0.2.10:62000"), ssrc: 9, want: 1},
		{name: "known SSRC from a new port of its IP goes to its leg",
			legs:  []Peer{{SDP: phoneA, Signalling: sig}, {SDP: phoneB, Signalling: sig}},
			latch: map[int]netip.AddrPort{0: phoneA},
			learn: []struct {
				from netip.AddrPort
				ssrc uint32
			}{{phoneA, 77}},
			from: ap("192.0.2.10:62000"), ssrc: 77, want: 0},
		{name: "known SSRC from another IP refused", legs: []Peer{{SDP: phoneA, Signalling: sig}},
			learn: []struct {
				from netip.AddrPort
				ssrc uint32
			}{{phoneA, 77}},
			from: other, ssrc: 77, want: -1},
		{name: "signalling IP with no SDP", legs: []Peer{{Signalling: sig}},
			from: ap("192.0.2.10:1234"), ssrc: 1, want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDemux()
			sock := &sharedSocket{routes: d}
			legs := make([]*SharedLeg, len(tt.legs))
			for i, p := range tt.legs {
				legs[i] = &SharedLeg{s: sock}
				l := NewLatch(p)
				if src, ok := tt.latch[i]; ok && !l.Accept(src) {
					t.Fatalf("leg %d refuses to latch on %s", i, src)
				}
				legs[i].route(&l)
			}
			for _, p := range tt.learn {
				d.lookup(p.from, p.ssrc, true)
			}
			got := d.lookup(tt.from, tt.ssrc, true)
			want := (*SharedLeg)(nil)
			if tt.want >= 0 {
				want = legs[tt.want]
			}
			if got != want {
				t.Errorf("lookup(%s, %d) = leg %d, want %d", tt.from, tt.ssrc, indexOf(legs, got), tt.want)
			}
		})
	}
}

func indexOf(legs []*SharedLeg, l *SharedLeg) int {
	for i, x := range legs {
		if x == l {
			return i
		}
	}
	return -1
}

// TestDemuxRemove checks that a removed leg is routed nothing, even if
// its session routes it again afterwards (a re-INVITE racing the hangup).
func TestDemuxRemove(t *testing.T) {
	d := newDemux()
	leg := &SharedLeg{s: &sharedSocket{routes: d}}
	from := netip.MustParseAddrPort("192.0.2.10:4000")
	l := NewLatch(Peer{SDP: from, Signalling: from.Addr()})
	leg.route(&l)
	if d.lookup(from, 1, true) != leg {
		t.Fatal("leg not routed")
	}
	d.remove(leg)
	leg.route(&l)
	if got := d.lookup(from, 1, true); got != nil {
		t.Error("removed leg still routed")
	}
	if len(d.routes)+len(d.exact)+len(d.open)+len(d.ssrcs)+len(d.ssrcOf) != 0 {
		t.Errorf("indexes not empty: %d %d %d %d %d", len(d.routes), len(d.exact), len(d.open), len(d.ssrcs), len(d.ssrcOf))
	}
}
