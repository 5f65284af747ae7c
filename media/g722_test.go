package media_test

import (
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/pion/rtp"

	"github.com/parleyhq/parley/media"
)

// TestFormatRates checks the one format whose sample rate is not its RTP
// clock: G.722 codes 16 kHz audio and counts 8000 Hz in RTP.
func TestFormatRates(t *testing.T) {
	tests := []struct {
		f                   media.Format
		clock, rate, sample int
	}{
		{media.PCMU, 8000, 8000, 160},
		{media.PCMA, 8000, 8000, 160},
		{media.Opus, 48000, 48000, 960},
		{media.G722, 8000, 16000, 320},
		{media.Format{Name: "g722", ClockRate: 8000}, 8000, 16000, 320},
	}
	for _, tt := range tests {
		if tt.f.ClockRate != tt.clock || tt.f.SampleRate() != tt.rate || tt.f.FrameSamples() != tt.sample {
			t.Errorf("%v: clock %d, sample rate %d, frame %d; want %d, %d, %d",
				tt.f, tt.f.ClockRate, tt.f.SampleRate(), tt.f.FrameSamples(), tt.clock, tt.rate, tt.sample)
		}
	}
}

func TestSupported(t *testing.T) {
	tests := []struct {
		name string
		want media.Format
		ok   bool
	}{
		{"opus", media.Opus, true},
		{"G722", media.G722, true},
		{"g722", media.G722, true},
		{"PCMU", media.PCMU, true},
		{"pcma", media.PCMA, true},
		{"G729", media.G729, true},
		{"G723", media.Format{}, false},
		{"telephone-event", media.Format{}, false},
		{"", media.Format{}, false},
	}
	for _, tt := range tests {
		f, ok := media.FormatNamed(tt.name)
		if f != tt.want || ok != tt.ok || media.Supported(tt.name) != tt.ok {
			t.Errorf("FormatNamed(%q) = %v, %v; want %v, %v", tt.name, f, ok, tt.want, tt.ok)
		}
	}
}

// TestInboundG722 runs 4 s of G.722 packets, whose timestamps step 160
// for 320 samples, through the receive chain: the jitter buffer sees no
// gap and no jump (every packet decoded, none concealed, no resync), a
// 6 kHz tone (above
// narrowband) reaches a 16 and a 48 kHz room, and the in-band DTMF tap
// works at 16 kHz.
func TestInboundG722(t *testing.T) {
	for _, rate := range []int{16000, 48000} {
		t.Run(strconv.Itoa(rate), func(t *testing.T) {
			var decoded, concealed atomic.Uint64
			var digits []rune
			in, err := media.NewInbound(media.InboundConfig{
				Format:        media.G722,
				Counters:      media.DecodeCounters{Decoded: &decoded, Concealed: &concealed},
				OnInbandDigit: func(d rune) { digits = append(digits, d) },
			})
			if err != nil {
				t.Fatal(err)
			}
			enc, err := media.NewEncoder(media.G722)
			if err != nil {
				t.Fatal(err)
			}
			frame := make([]int16, rate/50)
			var heard []int16
			buf := make([]byte, 160)
			for i := range 200 {
				pcm := sine(320, 320*i, 16000, 6000, 4000)
				if i >= 25 && i < 31 {
					pcm = dtmfTone(320, 320*i, 16000)
				}
				n, err := enc.Encode(pcm, buf)
				if err != nil || n != 160 {
					t.Fatalf("Encode = %d, %v", n, err)
				}
				in.Push(&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: uint16(i), Timestamp: uint32(160 * i), SSRC: 9},
					Payload: buf[:n]})
				if in.ReadAudio(frame, rate) && i >= 10 && i < 24 {
					heard = append(heard, frame...)
				}
			}
			if concealed.Load() != 0 || decoded.Load() < 195 { // the buffer holds the last few
				t.Errorf("%d decoded, %d concealed; want every packet decoded", decoded.Load(), concealed.Load())
			}
			if st := in.JitterStats(); st.Resyncs != 0 || st.Lost != 0 {
				t.Errorf("jitter buffer: %d resyncs, %d lost; want none", st.Resyncs, st.Lost)
			}
			if share := toneShare(heard, rate, 6000); share < 0.9 {
				t.Errorf("6 kHz is %.2f of what was heard", share)
			}
			if string(digits) != "7" {
				t.Errorf("digits %q, want 7", string(digits))
			}
		})
	}
}

// TestInboundG722TimestampJump: the jitter buffer counts G.722 timestamps
// at 8000 Hz, so a jump of 1.5 s of RTP clock (12000) with no gap in the
// sequence numbers is more than the 1 s it tolerates and restarts it once;
// at 16000 Hz it would pass as 0.75 s.
func TestInboundG722TimestampJump(t *testing.T) {
	in, err := media.NewInbound(media.InboundConfig{Format: media.G722})
	if err != nil {
		t.Fatal(err)
	}
	enc, err := media.NewEncoder(media.G722)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 160)
	frame := make([]int16, 320)
	ts := uint32(0)
	for i := range 100 {
		n, err := enc.Encode(sine(320, 320*i, 16000, 1000, 4000), buf)
		if err != nil {
			t.Fatal(err)
		}
		if i == 50 {
			ts += 12000
		}
		in.Push(&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: uint16(i), Timestamp: ts, SSRC: 9}, Payload: buf[:n]})
		ts += 160
		in.ReadAudio(frame, 16000)
	}
	if st := in.JitterStats(); st.Resyncs != 1 {
		t.Errorf("%d resyncs after a 1.5 s timestamp jump, want 1", st.Resyncs)
	}
}
