// Package resample converts mono 16-bit PCM between sample rates that are
// whole multiples of each other, such as 8000, 16000 and 48000 Hz, with a
// polyphase Kaiser-windowed sinc filter.
//
// A Resampler is a stream: it keeps the filter history between calls, so
// that successive 20 ms frames join without a seam, exactly as if the whole
// signal had been processed at once.
package resample

import (
	"errors"
	"fmt"
	"math"
)

// MaxFactor is the largest ratio between the two rates that New accepts.
const MaxFactor = 12

// ErrUnsupportedRates is returned by New when neither rate is a whole
// multiple (at most MaxFactor) of the other.
var ErrUnsupportedRates = errors.New("resample: unsupported rates")

// Resampler converts a stream of mono PCM from one rate to another. It is
// not safe for concurrent use.
//
// A ratio that is a product of smaller ones, such as 6, runs in two stages:
// a sharp filter at the lower rate's side, that sets the pass band and the
// stop band of the whole conversion, and a short filter at the higher rate's
// side, that only has to remove images and aliases far from the band (a
// multistage design, Crochiere and Rabiner, Multirate Digital Signal
// Processing, §5.3). For 8 to 48 kHz that is about half the arithmetic of a
// single filter with the same response.
type Resampler struct {
	inRate, outRate int
	// stages run in order from the input to the output; none when the rates
	// are equal.
	stages []*stage
	// delay is the group delay of all the stages, in output samples.
	delay int
	// x and y are scratch buffers for the float samples between stages.
	x, y []float32
}

// New returns a Resampler from inRate to outRate, in Hz. One rate must be
// a whole multiple of the other, at most MaxFactor times; equal rates give a
// Resampler that copies. New does all the filter design, so Process does not
// allocate once its buffers have grown to the frame size.
func New(inRate, outRate int) (*Resampler, error) {
	if inRate <= 0 || outRate <= 0 {
		return nil, fmt.Errorf("%w: %d Hz to %d Hz", ErrUnsupportedRates, inRate, outRate)
	}
	r := &Resampler{inRate: inRate, outRate: outRate}
	var factor int
	switch {
	case inRate == outRate:
		return r, nil
	case outRate > inRate && outRate%inRate == 0:
		factor = outRate / inRate
	case inRate > outRate && inRate%outRate == 0:
		factor = inRate / outRate
	default:
		return nil, fmt.Errorf("%w: %d Hz to %d Hz is not a whole ratio", ErrUnsupportedRates, inRate, outRate)
	}
	if factor > MaxFactor {
		return nil, fmt.Errorf("%w: ratio %d exceeds %d", ErrUnsupportedRates, factor, MaxFactor)
	}

	// The sharp stage works between the lower rate L and p*L, p the
	// smallest prime factor of the ratio, with the band edges of the whole
	// conversion. The wide stage, if any, works between p*L and the higher
	// rate; at its lower rate the signal occupies [0, stopEdge/p] and the
	// first image or alias lands at 1-stopEdge/p, so its transition band is
	// broad and its filter short.
	p := smallestFactor(factor)
	f := []int{p}
	pass := []float64{passEdge}
	stop := []float64{stopEdge}
	atten := []float64{sharpAtten}
	if factor > p {
		f = append(f, factor/p)
		pass = append(pass, passEdge/float64(p))
		stop = append(stop, 1-stopEdge/float64(p))
		atten = append(atten, wideAtten)
	}
	t := make([]int, len(f))
	for i := range f {
		t[i] = tapsPerPhase(f[i], pass[i], stop[i], atten[i])
	}
	// The prototypes have f*t+1 taps and delay the signal by f*t/2 samples
	// of their higher rate. The total delay, (factor*t[0] + f[1]*t[1])/2
	// samples at the higher rate, must be a whole number of samples at the
	// lower rate: t[0] even for one stage; for two, t[1] even and a
	// multiple of p, and t[0] + t[1]/p even.
	if len(t) == 1 {
		t[0] += t[0] % 2
	} else {
		step := p
		if p%2 != 0 {
			step = 2 * p
		}
		t[1] = (t[1] + step - 1) / step * step
		t[0] += (t[0] + t[1]/p) % 2
		r.delay = (factor*t[0] + f[1]*t[1]) / 2
	}
	if len(t) == 1 {
		r.delay = factor * t[0] / 2
	}
	if inRate > outRate {
		r.delay /= factor // in samples at the lower, output, rate
	}

	for i := range f {
		fc := (pass[i] + stop[i]) / 2 / float64(f[i])
		if outRate > inRate {
			// Interpolation: the prototype runs at the output rate on a
			// signal stuffed with zeros, so it needs a DC gain of f.
			h := lowpass(f[i]*t[i]+1, fc, float64(f[i]), atten[i])
			r.stages = append(r.stages, newInterpolator(f[i], t[i], h))
		} else {
			// Decimation: one filter at the input rate, evaluated at every
			// f-th sample only; the stages run from the higher rate down.
			h := lowpass(f[i]*t[i]+1, fc, 1, atten[i])
			r.stages = append([]*stage{newDecimator(f[i], h)}, r.stages...)
		}
	}
	return r, nil
}

// smallestFactor returns the smallest prime factor of n > 1.
func smallestFactor(n int) int {
	for f := 2; f*f <= n; f++ {
		if n%f == 0 {
			return f
		}
	}
	return n
}

// InRate is the input sample rate in Hz.
func (r *Resampler) InRate() int { return r.inRate }

// OutRate is the output sample rate in Hz.
func (r *Resampler) OutRate() int { return r.outRate }

// Delay is the filters' group delay in output samples: output sample n
// corresponds to input time n-Delay() at the output rate. It is a whole
// number of samples at both rates.
func (r *Resampler) Delay() int { return r.delay }

// Reset forgets the stream's history, as if the Resampler were new.
func (r *Resampler) Reset() {
	for _, s := range r.stages {
		s.reset()
	}
}

// OutLen returns how many samples the next call to Process produces for n
// input samples.
func (r *Resampler) OutLen(n int) int {
	for _, s := range r.stages {
		n = s.outLen(n)
	}
	return n
}

// Process resamples in, which continues the stream from the previous call,
// and returns the result in out[:n]. If out is too small, Process allocates
// a larger slice and returns that instead. When decimating, n can vary by one
// from call to call if len(in) is not a multiple of the ratio; it is exactly
// len(in)*outRate/inRate otherwise.
func (r *Resampler) Process(in, out []int16) []int16 {
	n := r.OutLen(len(in))
	if cap(out) < n {
		out = make([]int16, n)
	}
	out = out[:n]
	if len(r.stages) == 0 {
		copy(out, in)
		return out
	}

	x := grow(&r.x, len(in))
	for i, s := range in {
		x[i] = float32(s)
	}
	for _, s := range r.stages {
		y := grow(&r.y, s.outLen(len(x)))
		s.process(x, y)
		// The next stage reads what this one wrote; swap the buffers.
		r.x, r.y = r.y, r.x
		x = y
	}
	for i, v := range x[:len(out)] {
		out[i] = toInt16(v)
	}
	return out
}

// grow returns (*buf)[:n], reallocating *buf if it is too small.
func grow(buf *[]float32, n int) []float32 {
	if cap(*buf) < n {
		*buf = make([]float32, n)
	}
	*buf = (*buf)[:n]
	return *buf
}

// toInt16 rounds v to the nearest sample value, saturating.
func toInt16(v float32) int16 {
	switch {
	case v >= math.MaxInt16:
		return math.MaxInt16
	case v <= math.MinInt16:
		return math.MinInt16
	case v >= 0:
		return int16(v + 0.5)
	default:
		return int16(v - 0.5)
	}
}
