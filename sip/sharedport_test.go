package sip

import (
	"net/netip"
	"testing"
)

// A call whose SDP names another IP than its signalling source (a phone
// behind NAT) gets an RTP port of its own even with shared sockets.
func TestBehindNAT(t *testing.T) {
	sig := netip.MustParseAddr("203.0.113.7")
	tests := []struct {
		name string
		neg  *Negotiation
		want bool
	}{
		{"no SDP yet", nil, false},
		{"SDP names the signalling IP", &Negotiation{Remote: netip.MustParseAddrPort("203.0.113.7:4000")}, false},
		{"mapped form of the signalling IP", &Negotiation{Remote: netip.MustParseAddrPort("[::ffff:203.0.113.7]:4000")}, false},
		{"private IP behind NAT", &Negotiation{Remote: netip.MustParseAddrPort("192.168.1.10:4000")}, true},
		{"held: 0.0.0.0", &Negotiation{Remote: netip.MustParseAddrPort("0.0.0.0:4000")}, false},
		{"no address", &Negotiation{}, false},
	}
	for _, tt := range tests {
		if got := behindNAT(tt.neg, sig); got != tt.want {
			t.Errorf("%s: behindNAT = %v, want %v", tt.name, got, tt.want)
		}
	}
}
