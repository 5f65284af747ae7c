package media

import (
	"net"
	"strconv"
	"testing"

	"github.com/pion/rtp"
)

// BenchmarkStreamTick measures one 20 ms tick of a PCMU leg: the reader's
// handling of one packet (into the jitter buffer) and the mixer's
// ReadAudio (pop, decode, resample to the room's rate).
func BenchmarkStreamTick(b *testing.B) {
	for _, rate := range []int{8000, 48000} {
		b.Run(strconv.Itoa(rate), func(b *testing.B) {
			c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
			if err != nil {
				b.Fatal(err)
			}
			s, err := NewStream(c, Peer{}, StreamConfig{Format: PCMU})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			pkt := &rtp.Packet{Header: rtp.Header{Version: 2, SSRC: 1}, Payload: make([]byte, 160)}
			frame := make([]int16, rate/50)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				pkt.SequenceNumber = uint16(i)
				pkt.Timestamp = uint32(i) * 160
				s.handle(pkt)
				s.ReadAudio(frame, rate)
			}
		})
	}
}
