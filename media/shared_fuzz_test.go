package media

import (
	"net/netip"
	"testing"

	"github.com/pion/rtp"
)

// FuzzSharedDispatch feeds a shared socket's demultiplexer any datagram
// from any source: it must neither panic nor hand a leg a packet its
// Latch refuses (a leg's session counts what it accepts; a stranger's
// packet must reach none).
func FuzzSharedDispatch(f *testing.F) {
	pkt, _ := (&rtp.Packet{Header: rtp.Header{Version: 2, SSRC: 7}, Payload: []byte{1, 2, 3}}).Marshal()
	f.Add(pkt, []byte{127, 0, 0, 1}, uint16(4000))
	f.Add([]byte{0x80, 0xc8, 0, 6, 0, 0, 0, 7}, []byte{127, 0, 0, 1}, uint16(4002)) // an RTCP SR header
	f.Add([]byte{0x80}, []byte{192, 0, 2, 1}, uint16(1))
	f.Fuzz(func(t *testing.T, b, ip []byte, port uint16) {
		s := &sharedSocket{routes: newDemux()}
		peers := []Peer{
			{SDP: netip.MustParseAddrPort("127.0.0.1:4000"), Signalling: localhost},
			{SDP: netip.MustParseAddrPort("127.0.0.1:4002"), Signalling: localhost},
		}
		var sessions []*Session
		for _, p := range peers {
			sess, err := NewSession(&SharedLeg{s: s}, p, func(*rtp.Packet) {})
			if err != nil {
				t.Fatal(err)
			}
			if err := sess.Start(); err != nil {
				t.Fatal(err)
			}
			sessions = append(sessions, sess)
		}
		from := netip.AddrPortFrom(netip.AddrFrom4([4]byte{192, 0, 2, 1}), port)
		if a, ok := netip.AddrFromSlice(ip); ok {
			from = netip.AddrPortFrom(a, port)
		}
		s.dispatch(b, from)
		for _, sess := range sessions {
			if st := sess.Stats(); st.PacketsIn > 0 && unmap(from).Addr() != localhost {
				t.Errorf("a packet from %s reached a leg of 127.0.0.1", from)
			}
			sess.Close()
		}
	})
}
