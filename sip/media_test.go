package sip

import (
	"log/slog"
	"net/netip"
	"testing"

	"github.com/parleyhq/parley/media"
)

// TestPeerOfDropsLocalBroadcasts: an SDP or signalling address that is the
// directed broadcast of one of our networks (loopback's 127.0.0.0/8 has
// 127.255.255.255) is left out of the peer, so nothing is ever sent there
// or accepted from there; other addresses pass unchanged.
func TestPeerOfDropsLocalBroadcasts(t *testing.T) {
	s := &Server{log: slog.New(slog.DiscardHandler)}
	bcast, err := media.LocalBroadcasts()
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
	p := s.peerOf(netip.AddrPortFrom(lo, 4000), lo)
	if p.SDP.IsValid() || p.Signalling.IsValid() {
		t.Errorf("peerOf kept a local broadcast address: %+v", p)
	}
	l := media.NewLatch(p)
	if _, sends := l.Target(); sends {
		t.Error("a latch would send to the broadcast address")
	}
	ok := netip.MustParseAddrPort("192.0.2.10:4000")
	if p := s.peerOf(ok, ok.Addr()); p.SDP != ok || p.Signalling != ok.Addr() {
		t.Errorf("peerOf changed a unicast peer: %+v", p)
	}
}
