package resample

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"testing"
)

// tone returns n samples of a sine of frequency f at rate with peak amp.
func tone(n, rate int, f, amp float64) []int16 {
	s := make([]int16, n)
	for i := range s {
		s[i] = int16(math.Round(amp * math.Sin(2*math.Pi*f*float64(i)/float64(rate))))
	}
	return s
}

// stream runs in through r in 20 ms frames and returns the whole output.
func stream(t testing.TB, r *Resampler, in []int16) []int16 {
	t.Helper()
	frame := r.InRate() / 50
	var out, buf []int16
	for i := 0; i+frame <= len(in); i += frame {
		buf = r.Process(in[i:i+frame], buf)
		out = append(out, buf...)
	}
	return out
}

func mustNew(t testing.TB, in, out int) *Resampler {
	t.Helper()
	r, err := New(in, out)
	if err != nil {
		t.Fatalf("New(%d, %d): %v", in, out, err)
	}
	return r
}

func energy(s []int16) float64 {
	var e float64
	for _, v := range s {
		e += float64(v) * float64(v)
	}
	return e
}

func dB(ratio float64) float64 { return 10 * math.Log10(ratio) }

// fitResidual fits a*sin + b*cos at frequency f to s by least squares and
// returns the fitted peak amplitude and the energy of what is left.
func fitResidual(s []int16, rate int, f float64) (amp, residual float64) {
	var ss, cc, sc, ys, yc float64
	w := 2 * math.Pi * f / float64(rate)
	for i, v := range s {
		sn, cs := math.Sincos(w * float64(i))
		ss += sn * sn
		cc += cs * cs
		sc += sn * cs
		ys += float64(v) * sn
		yc += float64(v) * cs
	}
	det := ss*cc - sc*sc
	a := (ys*cc - yc*sc) / det
	b := (yc*ss - ys*sc) / det
	for i, v := range s {
		sn, cs := math.Sincos(w * float64(i))
		e := float64(v) - a*sn - b*cs
		residual += e * e
	}
	return math.Hypot(a, b), residual
}

func TestNew(t *testing.T) {
	tests := []struct {
		in, out int
		ok      bool
	}{
		{8000, 48000, true},
		{48000, 8000, true},
		{16000, 48000, true},
		{48000, 16000, true},
		{8000, 16000, true},
		{16000, 8000, true},
		{8000, 8000, true},
		{8000, 44100, false},
		{44100, 48000, false},
		{0, 8000, false},
		{8000, -1, false},
		{8000, 8000 * (MaxFactor + 1), false},
	}
	for _, tt := range tests {
		_, err := New(tt.in, tt.out)
		if tt.ok && err != nil {
			t.Errorf("New(%d, %d): %v", tt.in, tt.out, err)
		}
		if !tt.ok && !errors.Is(err, ErrUnsupportedRates) {
			t.Errorf("New(%d, %d) error = %v, want ErrUnsupportedRates", tt.in, tt.out, err)
		}
	}
}

// TestRoundTripSNR sends a 1 kHz tone up and back down again and compares
// it with the original, shifted by the two filters' group delay.
func TestRoundTripSNR(t *testing.T) {
	tests := []struct{ low, high int }{
		{8000, 48000},
		{16000, 48000},
		{8000, 16000},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d-%d-%d", tt.low, tt.high, tt.low), func(t *testing.T) {
			up := mustNew(t, tt.low, tt.high)
			down := mustNew(t, tt.high, tt.low)
			in := tone(tt.low, tt.low, 1000, 16000) // 1 s
			out := stream(t, down, stream(t, up, in))
			if len(out) != len(in) {
				t.Fatalf("got %d samples, want %d", len(out), len(in))
			}
			delay := up.Delay()/(tt.high/tt.low) + down.Delay()
			settle := tt.low / 10 // 100 ms, well past both filters
			var sig, noise float64
			for n := settle; n < len(out); n++ {
				x, y := float64(in[n-delay]), float64(out[n])
				sig += x * x
				noise += (y - x) * (y - x)
			}
			snr := dB(sig / noise)
			if noise == 0 {
				t.Logf("round trip is bit-exact (delay %d samples)", delay)
			} else {
				t.Logf("round-trip SNR %.1f dB (delay %d samples)", snr, delay)
			}
			if snr < 60 {
				t.Errorf("round-trip SNR %.1f dB, want >= 60 dB", snr)
			}
		})
	}
}

// TestStopBand decimates tones above the lower rate's Nyquist frequency and
// checks that what aliases into the output is at least 60 dB down.
func TestStopBand(t *testing.T) {
	tests := []struct {
		in, out int
		f       float64
	}{
		{48000, 8000, 4200},
		{48000, 8000, 5000},
		{48000, 8000, 10000},
		{48000, 8000, 20000},
		{48000, 16000, 8400},
		{48000, 16000, 10000},
		{48000, 16000, 20000},
		{16000, 8000, 5000},
		{16000, 8000, 7000},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d-%d/%gHz", tt.in, tt.out, tt.f), func(t *testing.T) {
			r := mustNew(t, tt.in, tt.out)
			in := tone(tt.in, tt.in, tt.f, 16000)
			out := stream(t, r, in)[tt.out/10:]
			inLevel := energy(in) / float64(len(in))
			outLevel := energy(out) / float64(len(out))
			rej := dB(inLevel / outLevel)
			if outLevel == 0 {
				t.Logf("stop-band rejection: every output sample is 0 (alias below 1/2 LSB, > %.0f dB)", dB(inLevel/0.25))
			} else {
				t.Logf("stop-band rejection %.1f dB", rej)
			}
			if rej < 60 {
				t.Errorf("stop-band rejection %.1f dB, want >= 60 dB", rej)
			}
		})
	}
}

// TestImages interpolates in-band tones and checks that everything in the
// output other than the tone itself (the images above the lower rate's
// Nyquist frequency, and noise) is at least 60 dB down, and that the pass
// band is flat.
func TestImages(t *testing.T) {
	tests := []struct {
		in, out int
		f       float64
	}{
		{8000, 48000, 1000},
		{8000, 48000, 3000},
		{16000, 48000, 1000},
		{16000, 48000, 6000},
		{8000, 16000, 1000},
		{8000, 16000, 3000},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d-%d/%gHz", tt.in, tt.out, tt.f), func(t *testing.T) {
			r := mustNew(t, tt.in, tt.out)
			const amp = 16000
			out := stream(t, r, tone(tt.in, tt.in, tt.f, amp))[tt.out/10:]
			a, residual := fitResidual(out, tt.out, tt.f)
			rej := dB(a * a / 2 * float64(len(out)) / residual)
			gain := 20 * math.Log10(a/amp)
			t.Logf("images and noise %.1f dB down, pass-band gain %+.3f dB", rej, gain)
			if rej < 60 {
				t.Errorf("images %.1f dB down, want >= 60 dB", rej)
			}
			if math.Abs(gain) > 0.05 {
				t.Errorf("pass-band gain %+.3f dB, want within ±0.05 dB", gain)
			}
		})
	}
}

// TestStreaming checks that chunking the input, however oddly, does not
// change the output by a single bit.
func TestStreaming(t *testing.T) {
	pairs := [][2]int{{8000, 48000}, {48000, 8000}, {16000, 48000}, {48000, 16000}, {8000, 16000}, {16000, 8000}}
	for _, p := range pairs {
		in := tone(p[0]/2, p[0], 700, 12000)
		whole := mustNew(t, p[0], p[1]).Process(in, nil)
		for _, chunk := range []int{1, 7, 13, 160, p[0] / 50} {
			r := mustNew(t, p[0], p[1])
			var got, buf []int16
			for i := 0; i < len(in); i += chunk {
				buf = r.Process(in[i:min(i+chunk, len(in))], buf)
				got = append(got, buf...)
			}
			if !slices.Equal(got, whole) {
				t.Errorf("%d->%d in chunks of %d differs from one call", p[0], p[1], chunk)
			}
		}
	}
}

func TestReset(t *testing.T) {
	in := tone(960, 48000, 1000, 10000)
	r := mustNew(t, 48000, 8000)
	first := slices.Clone(r.Process(in, nil))
	r.Process(tone(333, 48000, 3000, 20000), nil)
	r.Reset()
	if again := r.Process(in, nil); !slices.Equal(first, again) {
		t.Error("output after Reset differs from a new Resampler's")
	}
}

func TestIdentity(t *testing.T) {
	in := tone(160, 8000, 1000, 10000)
	r := mustNew(t, 8000, 8000)
	if got := r.Process(in, nil); !slices.Equal(got, in) || r.Delay() != 0 {
		t.Errorf("identity resampler changed the signal or has delay %d", r.Delay())
	}
}

func TestNoAllocs(t *testing.T) {
	pairs := [][2]int{{8000, 48000}, {48000, 8000}, {16000, 48000}, {48000, 16000}}
	for _, p := range pairs {
		r := mustNew(t, p[0], p[1])
		in := tone(p[0]/50, p[0], 1000, 10000)
		out := make([]int16, p[1]/50)
		r.Process(in, out)
		if n := testing.AllocsPerRun(50, func() { r.Process(in, out) }); n != 0 {
			t.Errorf("%d->%d: %v allocations per frame, want 0", p[0], p[1], n)
		}
	}
}
