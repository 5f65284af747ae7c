package media

import (
	"encoding/binary"
	"testing"

	"github.com/pion/rtp"
)

// benchSRTPSession is a session that is never started: the benchmarks
// call its protect and unprotect stages directly, without sockets.
func benchSRTPSession(b *testing.B, keys SRTPKeys) *Session {
	b.Helper()
	s, err := NewSession(discardConn{}, Peer{}, func(*rtp.Packet) {})
	if err != nil {
		b.Fatal(err)
	}
	if err := s.SetSRTP(keys); err != nil {
		b.Fatal(err)
	}
	return s
}

// benchRTP is a 12-byte header and a 160-byte payload: 20 ms of G.711.
func benchRTP(seq uint16) []byte {
	p := make([]byte, rtpHeaderSize+160)
	p[0], p[1] = 0x80, 0
	binary.BigEndian.PutUint16(p[2:], seq)
	binary.BigEndian.PutUint32(p[4:], uint32(seq)*160)
	binary.BigEndian.PutUint32(p[8:], 0x1234)
	return p
}

// BenchmarkSRTPProtect measures WriteRTP's SRTP stage per 160-byte packet.
func BenchmarkSRTPProtect(b *testing.B) {
	for _, suite := range allSuites {
		b.Run(suite.String(), func(b *testing.B) {
			ka, _ := srtpKeyPair(suite, 1)
			s := benchSRTPSession(b, ka)
			p := benchRTP(0)
			b.ReportAllocs()
			b.SetBytes(160)
			for i := 0; b.Loop(); i++ {
				binary.BigEndian.PutUint16(p[2:], uint16(i))
				if _, err := s.protect(p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSRTPUnprotect measures the reader's SRTP stage per 160-byte
// packet (authentication, replay check, decryption), on packets protected
// beforehand in batches outside the timer.
func BenchmarkSRTPUnprotect(b *testing.B) {
	const batch = 1024
	for _, suite := range allSuites {
		b.Run(suite.String(), func(b *testing.B) {
			ka, kb := srtpKeyPair(suite, 1)
			tx, rx := benchSRTPSession(b, ka), benchSRTPSession(b, kb)
			pkts := make([][]byte, batch)
			seq := uint16(0)
			fill := func() {
				for j := range pkts {
					out, err := tx.protect(benchRTP(seq))
					if err != nil {
						b.Fatal(err)
					}
					pkts[j] = append(pkts[j][:0], out...)
					seq++
				}
			}
			fill()
			b.ReportAllocs()
			b.SetBytes(160)
			j := 0
			for b.Loop() {
				if j == batch {
					b.StopTimer()
					fill()
					j = 0
					b.StartTimer()
				}
				if _, ok := rx.unprotect(pkts[j]); !ok {
					b.Fatal("unprotect failed")
				}
				j++
			}
		})
	}
}
