package resample

import "math"

// The prototype low-pass filter is a Kaiser-windowed sinc (Oppenheim and
// Schafer, Discrete-Time Signal Processing, §7.6). Its pass band ends at
// passEdge and its stop band starts at stopEdge, both as fractions of the
// lower of the two rates, so the stop band begins exactly at the lower rate's
// Nyquist frequency and nothing above it aliases into the band.
const (
	passEdge = 0.42 // 3.36 kHz at 8 kHz, 6.72 kHz at 16 kHz
	stopEdge = 0.50 // 4 kHz at 8 kHz, 8 kHz at 16 kHz
	// beta is the Kaiser window shape; 7.5 gives about 77 dB of stop-band
	// attenuation and 1.4e-4 of pass-band ripple.
	beta = 7.5
)

// attenuation is the stop-band attenuation, in dB, that a Kaiser window of
// shape beta achieves (Kaiser's empirical formula, inverted).
func attenuation(beta float64) float64 { return beta/0.1102 + 8.7 }

// tapsPerPhase returns T, the number of prototype taps per polyphase branch
// for a ratio of factor, so that the prototype has factor*T+1 taps. T is even
// so that the group delay, factor*T/2 samples at the higher rate, is a whole
// number of samples at the lower rate.
func tapsPerPhase(factor int) int {
	// Transition width as a fraction of the higher rate.
	dw := 2 * math.Pi * (stopEdge - passEdge) / float64(factor)
	n := (attenuation(beta) - 7.95) / (2.285 * dw) // Kaiser's order estimate
	t := int(math.Ceil(n / float64(factor)))
	return t + t%2
}

// lowpass returns the n-tap (n odd) Kaiser-windowed sinc with cutoff fc, in
// cycles per sample at the higher rate, scaled so that its DC gain is gain.
// The taps are symmetric, so the filter has linear phase and a group delay of
// (n-1)/2 samples.
func lowpass(n int, fc, gain float64) []float64 {
	h := make([]float64, n)
	c := float64(n-1) / 2
	i0b := besselI0(beta)
	var sum float64
	for k := range h {
		x := float64(k) - c
		r := x / c
		w := besselI0(beta*math.Sqrt(math.Max(0, 1-r*r))) / i0b
		h[k] = 2 * fc * sinc(2*fc*x) * w
		sum += h[k]
	}
	for k := range h {
		h[k] *= gain / sum
	}
	return h
}

// sinc is the normalised sinc, sin(πx)/(πx).
func sinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	return math.Sin(math.Pi*x) / (math.Pi * x)
}

// besselI0 is the zeroth-order modified Bessel function of the first kind,
// summed from its power series until the terms no longer matter.
func besselI0(x float64) float64 {
	sum, term := 1.0, 1.0
	q := x * x / 4
	for k := 1; k < 200; k++ {
		term *= q / float64(k*k)
		sum += term
		if term < sum*1e-17 {
			break
		}
	}
	return sum
}
