package media_test

import (
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/pion/rtp"

	"github.com/parleyhq/parley/media"
)

// pcmuPackets returns n PCMU packets of 20 ms; those from tone on (up to
// tone+6) carry the key '7', the others a quiet 1 kHz tone.
func pcmuPackets(t testing.TB, n, tone int) []*rtp.Packet {
	t.Helper()
	enc, err := media.NewEncoder(media.PCMU)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]*rtp.Packet, n)
	for i := range out {
		pcm := sine(160, 160*i, 8000, 1000, 2000)
		if i >= tone && i < tone+6 {
			pcm = dtmfTone(160, 160*i, 8000)
		}
		buf := make([]byte, 160)
		m, err := enc.Encode(pcm, buf)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = &rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: uint16(i), Timestamp: uint32(160 * i), SSRC: 9},
			Payload: buf[:m]}
	}
	return out
}

// TestInbound runs the whole receive chain: nothing before the first
// packet, the peer's audio at the room's rate, a lost packet concealed,
// in-band digits tapped, and silence once the packets stop.
func TestInbound(t *testing.T) {
	for _, rate := range []int{8000, 48000} {
		t.Run(strconv.Itoa(rate), func(t *testing.T) {
			var decoded, concealed atomic.Uint64
			var digits []rune
			in, err := media.NewInbound(media.InboundConfig{
				Format:        media.PCMU,
				Counters:      media.DecodeCounters{Decoded: &decoded, Concealed: &concealed},
				OnInbandDigit: func(d rune) { digits = append(digits, d) },
			})
			if err != nil {
				t.Fatal(err)
			}
			frame := make([]int16, rate/50)
			if in.ReadAudio(frame, rate) {
				t.Fatal("audio before any packet")
			}
			if in.ReadAudio(make([]int16, 100), rate) || in.ReadAudio(nil, 0) {
				t.Error("a frame that is not 20 ms was filled")
			}
			var heard []int16
			audible := 0
			for i, p := range pcmuPackets(t, 40, 20) {
				if i != 10 { // lost
					in.Push(p)
				}
				if in.ReadAudio(frame, rate) {
					audible++
					if i < 18 {
						heard = append(heard, frame...)
					}
				}
			}
			if audible < 35 || concealed.Load() != 1 || decoded.Load() < 34 {
				t.Errorf("%d audible frames, %d decoded, %d concealed", audible, decoded.Load(), concealed.Load())
			}
			if share := toneShare(heard[len(heard)/2:], rate, 1000); share < 0.9 {
				t.Errorf("1 kHz is %.2f of what was heard", share)
			}
			if string(digits) != "7" {
				t.Errorf("in-band digits %q, want \"7\"", string(digits))
			}
			quiet := 0
			for range 30 {
				if !in.ReadAudio(frame, rate) {
					quiet++
				}
			}
			if quiet < 20 {
				t.Errorf("only %d of 30 frames quiet after the packets stopped", quiet)
			}
			if st := in.JitterStats(); st.Lost == 0 {
				t.Errorf("jitter stats %+v: the lost packet is not counted", st)
			}
		})
	}
}

// TestInboundStopInband: once stopped, the tap reports nothing.
func TestInboundStopInband(t *testing.T) {
	var digits []rune
	in, err := media.NewInbound(media.InboundConfig{Format: media.PCMU, OnInbandDigit: func(d rune) { digits = append(digits, d) }})
	if err != nil {
		t.Fatal(err)
	}
	in.StopInband()
	frame := make([]int16, 160)
	for _, p := range pcmuPackets(t, 20, 5) {
		in.Push(p)
		in.ReadAudio(frame, 8000)
	}
	if len(digits) != 0 {
		t.Errorf("digits %q from a stopped tap", string(digits))
	}
}

// BenchmarkInbound is the whole receive chain per 20 ms of a PCMU leg:
// one packet pushed, one frame read at the room's rate.
func BenchmarkInbound(b *testing.B) {
	for _, rate := range []int{8000, 48000} {
		b.Run(strconv.Itoa(rate), func(b *testing.B) {
			in, err := media.NewInbound(media.InboundConfig{Format: media.PCMU})
			if err != nil {
				b.Fatal(err)
			}
			pkt := &rtp.Packet{Header: rtp.Header{Version: 2, SSRC: 1}, Payload: make([]byte, 160)}
			frame := make([]int16, rate/50)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				pkt.SequenceNumber = uint16(i)
				pkt.Timestamp = uint32(i) * 160
				in.Push(pkt)
				in.ReadAudio(frame, rate)
			}
		})
	}
}
