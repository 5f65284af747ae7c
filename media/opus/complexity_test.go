package opus

import (
	"fmt"
	"math"
	"testing"
)

// complexities are the encoder complexities compared by the benchmark and
// the quality test.
var complexities = []int{10, 8, 5}

// alignedSNR returns the SNR, in dB, of out against in after shifting out by
// the lag, from minLag to maxLag samples, that fits best (the codec's
// delay, 312 samples at 48 kHz for libopus; a steady tone would also fit
// whole periods later).
func alignedSNR(in, out []int16, minLag, maxLag int) (snr float64, lag int) {
	best := math.Inf(-1)
	for l := minLag; l <= maxLag; l++ {
		var sig, noise float64
		for n := SampleRate / 10; n+l < len(out) && n < len(in); n++ {
			x, e := float64(in[n]), float64(out[n+l])-float64(in[n])
			sig += x * x
			noise += e * e
		}
		if s := 10 * math.Log10(sig/noise); s > best {
			best, lag = s, l
		}
	}
	return best, lag
}

// encodeAllWith is encodeAll with encoder options.
func encodeAllWith(t testing.TB, in []int16, opts ...EncoderOption) [][]byte {
	t.Helper()
	enc, err := NewEncoder(0, opts...)
	if err != nil {
		t.Fatal(err)
	}
	var packets [][]byte
	for i := 0; i+FrameSamples <= len(in); i += FrameSamples {
		buf := make([]byte, MaxPayload)
		n, err := enc.Encode(in[i:i+FrameSamples], buf)
		if err != nil {
			t.Fatal(err)
		}
		packets = append(packets, buf[:n])
	}
	return packets
}

// TestComplexityQuality encodes a 440 Hz tone and a speech-like signal at
// each complexity and checks that the level and pitch survive; it logs the
// waveform SNR so that complexities can be compared.
func TestComplexityQuality(t *testing.T) {
	signals := []struct {
		name string
		pcm  []int16
	}{
		{"tone440", tone(2*SampleRate, 440, 10000)},
		{"speech", speechLike(2 * SampleRate)},
	}
	for _, s := range signals {
		for _, c := range complexities {
			t.Run(fmt.Sprintf("%s/complexity=%d", s.name, c), func(t *testing.T) {
				packets := encodeAllWith(t, s.pcm, WithComplexity(c))
				var bytes int
				for _, p := range packets {
					bytes += len(p)
				}
				out := decodeAll(t, packets, nil, false)
				snr, lag := alignedSNR(s.pcm, out, 200, 400)
				tail := out[len(out)/2:]
				level := 10 * math.Log10(energy(tail)/energy(s.pcm[len(s.pcm)/2:]))
				f := dominant(tail[:4800])
				want := dominant(s.pcm[len(s.pcm)/2:][:4800])
				t.Logf("%d bit/s, SNR %.1f dB (lag %d), level %+.2f dB, dominant %.0f Hz (input %.0f Hz)",
					bytes*8/2, snr, lag, level, f, want)
				if math.Abs(level) > 1 {
					t.Errorf("decoded level off by %.2f dB, want within 1 dB", level)
				}
				if math.Abs(f-want) > 3 {
					t.Errorf("dominant frequency %.0f Hz, want %.0f Hz", f, want)
				}
			})
		}
	}
}

func TestComplexityOption(t *testing.T) {
	for _, c := range []int{-1, 11} {
		if _, err := NewEncoder(0, WithComplexity(c)); err == nil {
			t.Errorf("NewEncoder(0, WithComplexity(%d)) succeeded, want an error", c)
		}
	}
	e, err := NewEncoder(0, WithComplexity(5))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := e.enc.Complexity(); err != nil || got != 5 {
		t.Errorf("complexity = %d, %v, want 5", got, err)
	}
}

// BenchmarkOpusEncodeComplexity measures encoding one 20 ms frame of 48 kHz
// mono at each complexity.
func BenchmarkOpusEncodeComplexity(b *testing.B) {
	in := speechLike(SampleRate)
	for _, c := range complexities {
		b.Run(fmt.Sprintf("complexity=%d", c), func(b *testing.B) {
			enc, err := NewEncoder(0, WithComplexity(c))
			if err != nil {
				b.Fatal(err)
			}
			dst := make([]byte, MaxPayload)
			frames := len(in) / FrameSamples
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				f := in[i*FrameSamples : (i+1)*FrameSamples]
				if _, err := enc.Encode(f, dst); err != nil {
					b.Fatal(err)
				}
				i = (i + 1) % frames
			}
		})
	}
}
