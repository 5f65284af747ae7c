package media

import (
	"net"
	"net/netip"
	"testing"

	"github.com/pion/rtp"
)

// idleConn is a UDPConn that never receives: the fuzz target hands packets
// to the stream's handler itself, as the session's reader would.
type idleConn struct{}

func (idleConn) ReadFromUDPAddrPort([]byte) (int, netip.AddrPort, error) {
	return 0, netip.AddrPort{}, net.ErrClosed
}
func (idleConn) WriteToUDPAddrPort(b []byte, _ netip.AddrPort) (int, error) { return len(b), nil }
func (idleConn) LocalAddr() net.Addr                                        { return &net.UDPAddr{} }
func (idleConn) Close() error                                               { return nil }

// FuzzStreamRTP drives arbitrary datagrams, cut into RTP packets, through a
// Stream's receive path (payload-type sort, telephone events, jitter
// buffer, decoder and concealment, in-band DTMF, resampler) for PCMU and
// Opus, reading a frame at 8 and at 48 kHz after each packet as the mixer
// would. Whatever a peer sends, nothing panics.
func FuzzStreamRTP(f *testing.F) {
	pkt := func(pt uint8, seq uint16, ts uint32, payload []byte) []byte {
		b, _ := (&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: pt, SequenceNumber: seq, Timestamp: ts, SSRC: 7},
			Payload: payload}).Marshal()
		return b
	}
	join := func(ps ...[]byte) []byte { // each packet: one length byte, then the packet
		var out []byte
		for _, p := range ps {
			out = append(out, byte(len(p)))
			out = append(out, p...)
		}
		return out
	}
	silence := make([]byte, 160)
	f.Add(join(pkt(0, 1, 0, silence), pkt(0, 2, 160, silence), pkt(0, 4, 480, silence)))
	f.Add(join(pkt(101, 9, 0, []byte{5, 0x80, 0, 160}), pkt(101, 10, 0, []byte{5, 0x80, 1, 64})))
	f.Add(join(pkt(111, 1, 0, []byte{0xfc, 0xff, 0xfe}), pkt(111, 65535, 1<<31, []byte{0x78})))
	f.Add(join(pkt(0, 1, 0, nil), pkt(8, 2, 160, silence), pkt(0, 3, 4000000000, silence)))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, cfg := range []StreamConfig{
			{Format: PCMU, PayloadType: 0, EventPayloadType: 101, InbandDTMF: true, OnDigit: func(rune) {}},
			{Format: Opus, PayloadType: 111, EventPayloadType: 101, OnDigit: func(rune) {}},
		} {
			s, err := NewStream(idleConn{}, Peer{}, cfg)
			if err != nil {
				t.Fatal(err)
			}
			frame8, frame48 := make([]int16, 160), make([]int16, 960)
			var p rtp.Packet
			for rest := data; len(rest) > 0; {
				n := int(rest[0])
				rest = rest[1:]
				if n > len(rest) {
					n = len(rest)
				}
				if p.Unmarshal(rest[:n]) == nil {
					s.handle(&p)
				}
				rest = rest[n:]
				s.ReadAudio(frame8, 8000)
				s.ReadAudio(frame48, 48000)
			}
			s.Close()
		}
	})
}
