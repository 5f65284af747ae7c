package jitter

import (
	"testing"

	"github.com/pion/rtp"
)

// FuzzBuffer drives a buffer with a stream an attacker or a broken sender
// chooses: each 4-byte step of data is a sequence number step, a
// timestamp step (in frames, signed), a payload length (0 is a
// padding-only packet) and a count of Pops. The buffer must not panic, a
// Packet must carry a payload, and its counters must stay consistent.
func FuzzBuffer(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := New(8000, Options{})
		if err != nil {
			t.Fatal(err)
		}
		var seq uint16
		var ts uint32
		buf := make([]byte, 0, 256)
		payload := make([]byte, 255)
		pkt := &rtp.Packet{Header: rtp.Header{Version: 2, SSRC: 7}}
		for len(data) >= 4 {
			seq += uint16(int8(data[0]))
			ts += uint32(int32(int8(data[1])) * 160)
			pkt.SequenceNumber, pkt.Timestamp = seq, ts
			pkt.Payload = payload[:data[2]]
			b.Push(pkt)
			for range data[3] % 32 {
				fr := b.Pop(buf)
				if fr.Kind == Packet && len(fr.Payload) == 0 {
					t.Fatalf("a Packet frame without payload (seq %d)", fr.Seq)
				}
			}
			data = data[4:]
		}
		b.mu.Lock()
		defer b.mu.Unlock()
		n := 0
		for _, s := range b.slots {
			if s.state == slotBuffered {
				n++
			}
		}
		if b.count < 0 || b.count > n {
			t.Fatalf("count %d, %d slots buffered", b.count, n)
		}
	})
}
