package dtmf

import (
	"errors"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/zaf/g711"
)

const allDigits = "123A456B789C*0#D"

// toneFreqs returns the row and column frequencies of a keypad digit.
func toneFreqs(t testing.TB, d rune) (row, col float64) {
	t.Helper()
	for r := range keypad {
		for c := range keypad[r] {
			if keypad[r][c] == d {
				return rowFreqs[r], colFreqs[c]
			}
		}
	}
	t.Fatalf("no digit %q", d)
	return 0, 0
}

// amp returns the peak amplitude of a sine at level dBFS.
func amp(level float64) float64 { return 32767 * math.Pow(10, level/20) }

// signal builds test audio at rate Hz as float samples, mixed and clipped
// to int16 by pcm.
type signal struct {
	rate int
	x    []float64
}

// tone appends ms milliseconds of the sum of sines at freqs, with the
// levels in dBFS.
func (s *signal) tone(ms int, freqs []float64, levels []float64) {
	n := s.rate * ms / 1000
	start := len(s.x)
	for i := range n {
		var v float64
		for k, f := range freqs {
			v += amp(levels[k]) * math.Sin(2*math.Pi*f*float64(start+i)/float64(s.rate))
		}
		s.x = append(s.x, v)
	}
}

// digit appends a key press of ms milliseconds with each tone at level
// dBFS, the row tone twist dB above the column tone.
func (s *signal) digit(t testing.TB, d rune, ms int, level, twist float64) {
	r, c := toneFreqs(t, d)
	s.tone(ms, []float64{r, c}, []float64{level + twist/2, level - twist/2})
}

func (s *signal) silence(ms int) { s.x = append(s.x, make([]float64, s.rate*ms/1000)...) }

// noise adds white Gaussian noise snr dB below the signal's mean power
// while a tone is on (power of the non-zero samples).
func (s *signal) noise(snr float64, seed uint64) {
	var p float64
	var n int
	for _, v := range s.x {
		if v != 0 {
			p += v * v
			n++
		}
	}
	sigma := math.Sqrt(p / float64(n) / math.Pow(10, snr/10))
	r := rand.New(rand.NewPCG(seed, 1))
	for i := range s.x {
		s.x[i] += sigma * r.NormFloat64()
	}
}

func (s *signal) pcm() []int16 {
	out := make([]int16, len(s.x))
	for i, v := range s.x {
		out[i] = int16(max(-32768, min(32767, math.Round(v))))
	}
	return out
}

// detect feeds pcm to a new detector in 20 ms frames and returns the
// digits.
func detect(t testing.TB, rate int, pcm []int16) string {
	t.Helper()
	d, err := NewDetector(rate)
	if err != nil {
		t.Fatal(err)
	}
	frame := rate / 50
	var got []rune
	for len(pcm) > 0 {
		n := min(frame, len(pcm))
		got = d.Process(got, pcm[:n])
		pcm = pcm[n:]
	}
	return string(got)
}

// sequence returns every digit, on for on ms and off for off ms, after
// lead ms of silence.
func sequence(t testing.TB, rate, lead, on, off int, level, twist float64) *signal {
	s := &signal{rate: rate}
	s.silence(lead)
	for _, d := range allDigits {
		s.digit(t, d, on, level, twist)
		s.silence(off)
	}
	return s
}

func TestDetectorDigits(t *testing.T) {
	tests := []struct {
		name          string
		rate          int
		lead, on, off int
		level, twist  float64
		snr           float64 // 0 for no noise
	}{
		{"-10 dBFS", 8000, 0, 60, 60, -10, 0, 0},
		{"-25 dBFS", 8000, 0, 60, 60, -25, 0, 0},
		{"-25 dBFS off block boundaries", 8000, 7, 60, 60, -25, 0, 0},
		{"40 ms on, 40 ms off", 8000, 3, 40, 40, -15, 0, 0},
		{"long presses", 8000, 0, 500, 100, -15, 0, 0},
		{"-10 dBFS, 20 dB SNR", 8000, 0, 60, 60, -10, 0, 20},
		{"-25 dBFS, 20 dB SNR", 8000, 5, 60, 60, -25, 0, 20},
		{"normal twist 6 dB", 8000, 0, 60, 60, -15, 6, 0},
		{"reverse twist 3 dB", 8000, 0, 60, 60, -15, -3, 0},
		{"16 kHz", 16000, 2, 60, 60, -20, 0, 0},
		{"48 kHz", 48000, 2, 60, 60, -20, 0, 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := sequence(t, tt.rate, tt.lead, tt.on, tt.off, tt.level, tt.twist)
			if tt.snr != 0 {
				s.noise(tt.snr, 1)
			}
			if got := detect(t, tt.rate, s.pcm()); got != allDigits {
				t.Errorf("digits %q, want %q", got, allDigits)
			}
		})
	}
}

// TestDetectorFrequencyTolerance shifts both tones by ±1.5%, which Q.24
// asks a receiver to accept.
func TestDetectorFrequencyTolerance(t *testing.T) {
	for _, shift := range []float64{0.985, 1.015} {
		s := &signal{rate: 8000}
		for _, d := range allDigits {
			r, c := toneFreqs(t, d)
			s.tone(60, []float64{r * shift, c * shift}, []float64{-20, -20})
			s.silence(60)
		}
		s.noise(20, 2)
		if got := detect(t, 8000, s.pcm()); got != allDigits {
			t.Errorf("frequencies ×%v: digits %q, want %q", shift, got, allDigits)
		}
	}
}

func TestDetectorRepeatedDigit(t *testing.T) {
	s := &signal{rate: 8000}
	for range 3 {
		s.digit(t, '5', 60, -15, 0)
		s.silence(40)
	}
	// A 10 ms dropout inside a press does not split it.
	s.digit(t, '7', 60, -15, 0)
	s.silence(10)
	s.digit(t, '7', 60, -15, 0)
	s.silence(40)
	if got := detect(t, 8000, s.pcm()); got != "5557" {
		t.Errorf("digits %q, want \"5557\"", got)
	}
}

// TestDetectorG711 sends the digits through μ-law and back.
func TestDetectorG711(t *testing.T) {
	for _, level := range []float64{-10, -25} {
		pcm := sequence(t, 8000, 0, 60, 60, level, 0).pcm()
		var buf []byte
		for _, v := range pcm {
			buf = append(buf, g711.EncodeUlawFrame(v))
		}
		for i, b := range buf {
			pcm[i] = g711.DecodeUlawFrame(b)
		}
		if got := detect(t, 8000, pcm); got != allDigits {
			t.Errorf("%v dBFS through μ-law: digits %q, want %q", level, got, allDigits)
		}
	}
}

// TestDetectorRejects feeds audio that must give no digit.
func TestDetectorRejects(t *testing.T) {
	tests := []struct {
		name  string
		build func(t testing.TB, s *signal)
	}{
		{"silence", func(t testing.TB, s *signal) { s.silence(2000) }},
		{"white noise", func(t testing.TB, s *signal) {
			s.silence(2000)
			r := rand.New(rand.NewPCG(7, 7))
			for i := range s.x {
				s.x[i] = 3000 * r.NormFloat64()
			}
		}},
		{"440 Hz", func(t testing.TB, s *signal) { s.tone(2000, []float64{440}, []float64{-10}) }},
		{"1000 Hz", func(t testing.TB, s *signal) { s.tone(2000, []float64{1000}, []float64{-10}) }},
		{"941 Hz alone", func(t testing.TB, s *signal) { s.tone(2000, []float64{941}, []float64{-10}) }},
		{"1336 Hz alone", func(t testing.TB, s *signal) { s.tone(2000, []float64{1336}, []float64{-10}) }},
		{"dial tone 350+440 Hz", func(t testing.TB, s *signal) { s.tone(2000, []float64{350, 440}, []float64{-13, -13}) }},
		{"ringback 440+480 Hz", func(t testing.TB, s *signal) { s.tone(2000, []float64{440, 480}, []float64{-13, -13}) }},
		{"normal twist 10 dB", func(t testing.TB, s *signal) {
			for _, d := range allDigits {
				s.digit(t, d, 60, -15, 10)
				s.silence(60)
			}
		}},
		{"reverse twist 6 dB", func(t testing.TB, s *signal) {
			for _, d := range allDigits {
				s.digit(t, d, 60, -15, -6)
				s.silence(60)
			}
		}},
		{"below the level threshold", func(t testing.TB, s *signal) {
			for _, d := range allDigits {
				s.digit(t, d, 60, MinToneLevel-3, 0)
				s.silence(60)
			}
		}},
		{"10 ms blips", func(t testing.TB, s *signal) {
			for _, d := range allDigits {
				s.digit(t, d, 10, -10, 0)
				s.silence(60)
			}
		}},
		{"a third tone", func(t testing.TB, s *signal) {
			s.tone(500, []float64{770, 852, 1336}, []float64{-15, -17, -15})
		}},
		{"speech-like, flat harmonics", func(t testing.TB, s *signal) { voice(s, 2000, 150, nil) }},
		{"speech-like, vowel /a/", func(t testing.TB, s *signal) { voice(s, 2000, 150, []formant{{750, 90}, {1200, 110}, {2500, 160}}) }},
		{"speech-like, vowel /a/ at 125 Hz", func(t testing.TB, s *signal) { voice(s, 2000, 125, []formant{{700, 90}, {1220, 110}, {2600, 160}}) }},
		{"speech-like, vowel /i/", func(t testing.TB, s *signal) { voice(s, 2000, 220, []formant{{280, 60}, {2250, 120}, {2900, 160}}) }},
		{"speech-like, vowel /u/", func(t testing.TB, s *signal) { voice(s, 2000, 180, []formant{{310, 60}, {870, 90}, {2250, 160}}) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &signal{rate: 8000}
			tt.build(t, s)
			if got := detect(t, 8000, s.pcm()); got != "" {
				t.Errorf("digits %q, want none", got)
			}
		})
	}
}

// formant is a resonance of the vocal tract: its centre and bandwidth in
// Hz.
type formant struct{ f, bw float64 }

// voice appends ms milliseconds of a voiced sound: the harmonics of f0 up to
// 3.4 kHz, falling 6 dB per octave (the glottal source and the lips'
// radiation), shaped by the formants (each the amplitude response of a
// resonator, 1/√(1+d²) at d half-bandwidths from its centre), with a 5 Hz
// vibrato of ±3% on the pitch, peaking at -9 dBFS.
func voice(s *signal, ms int, f0 float64, formants []formant) {
	n := s.rate * ms / 1000
	out := make([]float64, n)
	var phase float64 // of the fundamental, in cycles
	var peak float64
	for i := range n {
		tt := float64(i) / float64(s.rate)
		f := f0 * (1 + 0.03*math.Sin(2*math.Pi*5*tt))
		phase += f / float64(s.rate)
		var v float64
		for k := 1; float64(k)*f < 3400; k++ {
			fk := float64(k) * f
			a := 1 / float64(k)
			if formants != nil {
				g := 0.05
				for _, fm := range formants {
					d := (fk - fm.f) / (fm.bw / 2)
					g += 1 / math.Sqrt(1+d*d)
				}
				a *= g
			}
			v += a * math.Sin(2*math.Pi*float64(k)*phase)
		}
		out[i] = v
		peak = max(peak, math.Abs(v))
	}
	scale := amp(-9) / peak
	for i := range out {
		out[i] *= scale
	}
	s.x = append(s.x, out...)
}

func TestDetectorFrameSizes(t *testing.T) {
	// Any split of the audio gives the same digits.
	pcm := sequence(t, 8000, 0, 60, 60, -15, 0).pcm()
	for _, size := range []int{1, 7, 80, 102, 160, 333, len(pcm)} {
		d, err := NewDetector(8000)
		if err != nil {
			t.Fatal(err)
		}
		var got []rune
		for p := pcm; len(p) > 0; {
			n := min(size, len(p))
			got = d.Process(got, p[:n])
			p = p[n:]
		}
		if string(got) != allDigits {
			t.Errorf("frames of %d: digits %q, want %q", size, string(got), allDigits)
		}
	}
}

func TestDetectorReset(t *testing.T) {
	d, err := NewDetector(8000)
	if err != nil {
		t.Fatal(err)
	}
	s := &signal{rate: 8000}
	s.digit(t, '9', 100, -15, 0)
	pcm := s.pcm()
	if got := string(d.Process(nil, pcm)); got != "9" {
		t.Fatalf("first press: %q", got)
	}
	// Without Reset the tone continues the same press.
	if got := string(d.Process(nil, pcm)); got != "" {
		t.Fatalf("continued press: %q", got)
	}
	d.Reset()
	if got := string(d.Process(nil, pcm)); got != "9" {
		t.Errorf("after Reset: %q, want \"9\"", got)
	}
}

func TestNewDetectorRates(t *testing.T) {
	for _, rate := range []int{8000, 16000, 24000, 32000, 48000} {
		d, err := NewDetector(rate)
		if err != nil || d.SampleRate() != rate {
			t.Errorf("NewDetector(%d) = %v", rate, err)
		}
	}
	for _, rate := range []int{0, -8000, 4000, 11025, 44100, 96000} {
		if _, err := NewDetector(rate); !errors.Is(err, ErrDetectorRate) {
			t.Errorf("NewDetector(%d) error = %v, want ErrDetectorRate", rate, err)
		}
	}
}

// BenchmarkDetector measures one 20 ms frame of noisy key presses.
func BenchmarkDetector(b *testing.B) {
	for _, rate := range []int{8000, 48000} {
		b.Run(strconv.Itoa(rate), func(b *testing.B) {
			s := sequence(b, rate, 0, 60, 60, -15, 0)
			s.noise(20, 3)
			pcm := s.pcm()
			frame := rate / 50
			pcm = pcm[:len(pcm)/frame*frame]
			d, err := NewDetector(rate)
			if err != nil {
				b.Fatal(err)
			}
			digits := make([]rune, 0, 4)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				off := i * frame % len(pcm)
				digits = d.Process(digits[:0], pcm[off:off+frame])
			}
		})
	}
}
