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
type Resampler struct {
	inRate, outRate int
	up, down        int // one of them is 1

	// phases holds the polyphase branches of the prototype, each reversed
	// so that it lines up with the history buffer: up branches for
	// interpolation, or the single whole prototype for decimation.
	phases [][]float32
	// hist is how many past input samples the filter needs.
	hist int
	// buf holds hist samples of history followed by the current input.
	buf []float32
	// pos is, when decimating, the index in buf of the newest sample of the
	// next output's window.
	pos int
}

// New returns a Resampler from inRate to outRate, in Hz. One rate must be
// a whole multiple of the other, at most MaxFactor times; equal rates give a
// Resampler that copies. New does all the filter design, so Process does not
// allocate once its buffers have grown to the frame size.
func New(inRate, outRate int) (*Resampler, error) {
	if inRate <= 0 || outRate <= 0 {
		return nil, fmt.Errorf("%w: %d Hz to %d Hz", ErrUnsupportedRates, inRate, outRate)
	}
	r := &Resampler{inRate: inRate, outRate: outRate, up: 1, down: 1}
	switch {
	case inRate == outRate:
		return r, nil
	case outRate > inRate && outRate%inRate == 0:
		r.up = outRate / inRate
	case inRate > outRate && inRate%outRate == 0:
		r.down = inRate / outRate
	default:
		return nil, fmt.Errorf("%w: %d Hz to %d Hz is not a whole ratio", ErrUnsupportedRates, inRate, outRate)
	}
	factor := max(r.up, r.down)
	if factor > MaxFactor {
		return nil, fmt.Errorf("%w: ratio %d exceeds %d", ErrUnsupportedRates, factor, MaxFactor)
	}

	t := tapsPerPhase(factor)
	fc := (passEdge + stopEdge) / 2 / float64(factor)
	if r.up > 1 {
		// Interpolation: the prototype runs at the output rate on a signal
		// stuffed with zeros, so it needs a DC gain of up. Branch p computes
		// outputs n*up+p from inputs n, n-1, ..., n-t.
		h := lowpass(r.up*t+1, fc, float64(r.up))
		r.hist = t
		r.phases = make([][]float32, r.up)
		for p := range r.phases {
			g := make([]float32, t+1)
			for k := 0; k <= t; k++ {
				if i := k*r.up + p; i < len(h) {
					g[t-k] = float32(h[i])
				}
			}
			r.phases[p] = g
		}
	} else {
		// Decimation: one filter at the input rate, evaluated at every
		// down-th sample only.
		h := lowpass(r.down*t+1, fc, 1)
		g := make([]float32, len(h))
		for k, v := range h {
			g[len(h)-1-k] = float32(v)
		}
		r.phases = [][]float32{g}
		r.hist = len(h) - 1
	}
	r.Reset()
	return r, nil
}

// InRate is the input sample rate in Hz.
func (r *Resampler) InRate() int { return r.inRate }

// OutRate is the output sample rate in Hz.
func (r *Resampler) OutRate() int { return r.outRate }

// Delay is the filter's group delay in output samples: output sample n
// corresponds to input time n-Delay() at the output rate. It is a whole
// number of samples at both rates.
func (r *Resampler) Delay() int {
	if r.up == r.down {
		return 0
	}
	if r.up > 1 {
		return r.up * r.hist / 2
	}
	return (r.hist / r.down) / 2
}

// Reset forgets the stream's history, as if the Resampler were new.
func (r *Resampler) Reset() {
	r.buf = r.buf[:0]
	for range r.hist {
		r.buf = append(r.buf, 0)
	}
	r.pos = r.hist
}

// OutLen returns how many samples the next call to Process produces for n
// input samples.
func (r *Resampler) OutLen(n int) int {
	if r.down > 1 {
		end := len(r.buf) + n // one past the last sample buf would hold
		if r.pos >= end {
			return 0
		}
		return (end - r.pos + r.down - 1) / r.down
	}
	return n * r.up
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
	if r.up == r.down {
		copy(out, in)
		return out
	}

	for _, s := range in {
		r.buf = append(r.buf, float32(s))
	}
	if r.up > 1 {
		taps := r.hist + 1
		for i := range in {
			w := r.buf[i : i+taps]
			o := out[i*r.up : (i+1)*r.up]
			for p, g := range r.phases {
				o[p] = toInt16(dot(g, w))
			}
		}
		r.keepHistory(len(r.buf) - r.hist)
		return out
	}

	g := r.phases[0]
	i := 0
	for ; r.pos < len(r.buf); r.pos += r.down {
		out[i] = toInt16(dot(g, r.buf[r.pos-r.hist:r.pos+1]))
		i++
	}
	drop := len(r.buf) - r.hist
	r.keepHistory(drop)
	r.pos -= drop
	return out
}

// keepHistory discards the first drop samples of buf.
func (r *Resampler) keepHistory(drop int) {
	n := copy(r.buf, r.buf[drop:])
	r.buf = r.buf[:n]
}

// dot returns the inner product of g and w[:len(g)].
func dot(g, w []float32) float32 {
	w = w[:len(g)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(g); i += 4 {
		gg := g[i : i+4 : i+4]
		ww := w[i : i+4 : i+4]
		s0 += gg[0] * ww[0]
		s1 += gg[1] * ww[1]
		s2 += gg[2] * ww[2]
		s3 += gg[3] * ww[3]
	}
	for ; i < len(g); i++ {
		s0 += g[i] * w[i]
	}
	return (s0 + s1) + (s2 + s3)
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
