package media_test

import (
	"math"
	"sync/atomic"
	"testing"

	"github.com/parleyhq/parley/media"
	"github.com/parleyhq/parley/media/jitter"
)

// TestG729Codec runs a 1000 Hz tone through media's G729 encoder, fed at
// each mixer rate, and decoder: 20-byte payloads, and the tone comes back
// at 8 kHz at its frequency.
func TestG729Codec(t *testing.T) {
	for _, rate := range []int{8000, 16000, 48000} {
		enc, err := media.NewEncoderFrom(media.G729, rate)
		if err != nil {
			t.Fatal(err)
		}
		dec, err := media.NewDecoder(media.G729)
		if err != nil {
			t.Fatal(err)
		}
		if dec.Format() != media.G729 {
			t.Errorf("decoder format %v, want %v", dec.Format(), media.G729)
		}
		in := tone(rate, rate, 1000, 8000)
		frame := rate / media.FramesPerSecond
		var out []int16
		payload := make([]byte, 64)
		pcm := make([]int16, media.G729.FrameSamples())
		for i := 0; i+frame <= len(in); i += frame {
			n, err := enc.Encode(in[i:i+frame], payload)
			if err != nil || n != 20 {
				t.Fatalf("%d Hz: Encode = %d, %v, want 20 bytes", rate, n, err)
			}
			m, err := dec.Decode(payload[:n], pcm)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, pcm[:m]...)
		}
		tail := out[len(out)/2:]
		on, off := power(tail, 8000, 1000), power(tail, 8000, 1500)
		if r := 10 * math.Log10(on/off); r < 30 {
			t.Errorf("%d Hz input: 1000 Hz stands %.1f dB above 1500 Hz, want 30 dB", rate, r)
		}
		amp := 2 * math.Sqrt(on)
		if l := 20 * math.Log10(amp/8000); math.Abs(l) > 2 {
			t.Errorf("%d Hz input: 1000 Hz at %+.1f dB of the input, want within 2 dB", rate, l)
		}
	}
}

// TestG729FrameDecoder: the inbound stage decodes a G.729 payload, turns a
// SID alone into 20 ms of comfort noise, conceals a lost packet, and
// rejects (and conceals) a payload whose length is not 10-byte frames and
// an optional 2-byte SID.
func TestG729FrameDecoder(t *testing.T) {
	enc, err := media.NewEncoder(media.G729)
	if err != nil {
		t.Fatal(err)
	}
	tone := make([][]byte, 11) // 220 ms of a 1000 Hz tone, amplitude 8000 (rms 5657)
	for i := range tone {
		tone[i] = make([]byte, 20)
		if _, err := enc.Encode(sine(160, 160*i, 8000, 1000, 8000), tone[i]); err != nil {
			t.Fatal(err)
		}
	}
	voice := tone[10]
	tests := []struct {
		name   string
		slot   jitter.Frame
		want   media.Outcome
		errors uint64
		minRMS float64
		maxRMS float64
	}{
		{"packet", jitter.Frame{Kind: jitter.Packet, Payload: voice}, media.Decoded, 0, 4000, 8000},
		{"sid alone", jitter.Frame{Kind: jitter.Packet, Payload: []byte{0x43, 0x28}}, media.Decoded, 0, 1, 4000},
		{"lost", jitter.Frame{Kind: jitter.Lost}, media.Concealed, 0, 1000, 8000},
		{"11 bytes rejected", jitter.Frame{Kind: jitter.Packet, Payload: make([]byte, 11)}, media.Concealed, 1, 1000, 8000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var errs atomic.Uint64
			d, err := media.NewFrameDecoder(media.G729, media.DecodeCounters{Errors: &errs})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range tone[:10] { // a tone first, for the concealment to continue
				d.Decode(jitter.Frame{Kind: jitter.Packet, Payload: p})
			}
			pcm, out := d.Decode(tt.slot)
			if out != tt.want || len(pcm) != 160 {
				t.Fatalf("outcome %d with %d samples, want %d with 160", out, len(pcm), tt.want)
			}
			if errs.Load() != tt.errors {
				t.Errorf("%d errors counted, want %d", errs.Load(), tt.errors)
			}
			if r := rms(pcm); r < tt.minRMS || r > tt.maxRMS {
				t.Errorf("frame rms %.0f, want %.0f to %.0f", r, tt.minRMS, tt.maxRMS)
			}
		})
	}
}
