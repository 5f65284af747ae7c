package e2e

import (
	"math"
	"sort"
)

// spectrum measures sine amplitudes in a Hann-windowed stretch of audio,
// so that a neighbouring tone does not leak into the one being measured.
type spectrum struct {
	x    []float64 // the windowed samples
	sum  float64   // the window's sum, to scale amplitudes back
	rate int
}

func newSpectrum(x []float64, rate int) *spectrum {
	s := &spectrum{x: make([]float64, len(x)), rate: rate}
	n := len(x)
	for i, v := range x {
		h := 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/float64(n-1))
		s.x[i] = v * h
		s.sum += h
	}
	return s
}

// amplitude estimates the peak amplitude (0..1) of a sine at freq Hz with
// the Goertzel algorithm.
func (s *spectrum) amplitude(freq float64) float64 {
	if s.sum == 0 {
		return 0
	}
	w := 2 * math.Pi * freq / float64(s.rate)
	coeff := 2 * math.Cos(w)
	var s1, s2 float64
	for _, v := range s.x {
		s1, s2 = v+coeff*s1-s2, s1
	}
	re := s1 - s2*math.Cos(w)
	im := s2 * math.Sin(w)
	return 2 * math.Hypot(re, im) / s.sum
}

// peak is a spectral peak: a frequency and the amplitude of a sine there.
type peak struct {
	freq, amp float64
}

// peaks scans lo..hi Hz in 1 Hz steps and returns the local maxima of the
// spectrum, strongest first.
func (s *spectrum) peaks(lo, hi float64) []peak {
	var spec []peak
	for f := lo; f <= hi; f++ {
		spec = append(spec, peak{f, s.amplitude(f)})
	}
	var out []peak
	for i := 1; i+1 < len(spec); i++ {
		if spec[i].amp > spec[i-1].amp && spec[i].amp >= spec[i+1].amp {
			out = append(out, spec[i])
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].amp > out[j].amp })
	return out
}

// dB converts an amplitude ratio to decibels.
func dB(ratio float64) float64 { return 20 * math.Log10(ratio) }
