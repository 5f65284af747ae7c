package media_test

import (
	"math"
	"testing"

	"github.com/parleyhq/parley/media"
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
