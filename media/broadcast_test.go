package media

import (
	"net/netip"
	"testing"
)

// TestNewPeerDropsLocalBroadcasts: an address signalling names, or the
// signalling source, that is the directed broadcast of one of our
// networks (loopback's 127.0.0.0/8 has 127.255.255.255) is left out of the
// peer, so nothing is ever sent there or accepted from there; other
// addresses pass unchanged.
func TestNewPeerDropsLocalBroadcasts(t *testing.T) {
	bcast, err := LocalBroadcasts()
	if err != nil {
		t.Fatal(err)
	}
	lo := netip.MustParseAddr("127.255.255.255")
	found := false
	for _, b := range bcast {
		found = found || b == lo
	}
	if !found {
		t.Skipf("loopback's broadcast is not among %v", bcast)
	}
	p, err := NewPeer(netip.AddrPortFrom(lo, 4000), lo)
	if err != nil || p.SDP.IsValid() || p.Signalling.IsValid() {
		t.Errorf("NewPeer kept a local broadcast address: %+v, %v", p, err)
	}
	l := NewLatch(p)
	if _, sends := l.Target(); sends {
		t.Error("a latch would send to the broadcast address")
	}
	ok := netip.MustParseAddrPort("192.0.2.10:4000")
	if p, err := NewPeer(ok, ok.Addr()); err != nil || p.SDP != ok || p.Signalling != ok.Addr() {
		t.Errorf("NewPeer changed a unicast peer: %+v, %v", p, err)
	}
}
