package resample

// stage is one whole-ratio step of a Resampler: it interpolates by up or
// decimates by down (one of them is 1) with a polyphase FIR filter. Its
// buffer holds the filter's history followed by the current input, so that
// every output is a plain dot product over a contiguous window.
type stage struct {
	up, down int
	// taps is the length of one branch when interpolating, or of the whole
	// filter when decimating.
	taps int
	// coef holds the branches of the prototype one after another, taps each,
	// reversed so that they line up with buf: up branches for interpolation
	// (branch p computes outputs n*up+p from inputs n, n-1, ..., n-taps+1),
	// or the single whole prototype for decimation.
	coef []float32
	// buf holds taps-1 samples of history followed by the current input.
	buf []float32
	// pos is, when decimating, the index in buf of the newest sample of the
	// next output's window.
	pos int
}

// newInterpolator returns a stage that interpolates by up with t taps per
// branch of the prototype h, which has up*t+1 taps and a DC gain of up.
func newInterpolator(up, t int, h []float64) *stage {
	s := &stage{up: up, down: 1, taps: t + 1, coef: make([]float32, up*(t+1))}
	for p := range up {
		g := s.coef[p*(t+1) : (p+1)*(t+1)]
		for k := 0; k <= t; k++ {
			if i := k*up + p; i < len(h) {
				g[t-k] = float32(h[i])
			}
		}
	}
	s.reset()
	return s
}

// newDecimator returns a stage that decimates by down with the prototype h.
func newDecimator(down int, h []float64) *stage {
	s := &stage{up: 1, down: down, taps: len(h), coef: make([]float32, len(h))}
	for k, v := range h {
		s.coef[len(h)-1-k] = float32(v)
	}
	s.reset()
	return s
}

func (s *stage) reset() {
	hist := s.taps - 1
	s.buf = s.buf[:0]
	for range hist {
		s.buf = append(s.buf, 0)
	}
	s.pos = hist
}

// outLen returns how many samples the next call to process produces for n
// input samples.
func (s *stage) outLen(n int) int {
	if s.down > 1 {
		end := len(s.buf) + n // one past the last sample buf would hold
		if s.pos >= end {
			return 0
		}
		return (end - s.pos + s.down - 1) / s.down
	}
	return n * s.up
}

// process filters in, which continues the stream, into out, which must hold
// exactly outLen(len(in)) samples.
//
// Outputs are computed six (or four) at a time so that each coefficient is
// loaded once for six products and six sums run in parallel, which keeps
// the floating-point adder busy instead of waiting on one sum; each sum still
// adds its products in the same order as a single dot product would, so the
// result does not depend on how the stream is cut into calls.
func (s *stage) process(in, out []float32) {
	s.buf = append(s.buf, in...)
	hist := s.taps - 1
	if s.up > 1 {
		up, t := s.up, s.taps
		i := 0
		for ; i+6 <= len(in); i += 6 {
			o := out[i*up : (i+6)*up]
			for p := range up {
				var v [6]float32
				v[0], v[1], v[2], v[3], v[4], v[5] = dot6(s.coef[p*t:(p+1)*t], s.buf[i:], 1)
				for j, x := range v {
					o[j*up+p] = x
				}
			}
		}
		for ; i+4 <= len(in); i += 4 {
			o := out[i*up : (i+4)*up]
			for p := range up {
				s0, s1, s2, s3 := dot4(s.coef[p*t:(p+1)*t], s.buf[i:], 1)
				o[p], o[up+p], o[2*up+p], o[3*up+p] = s0, s1, s2, s3
			}
		}
		for ; i < len(in); i++ {
			o := out[i*up : (i+1)*up]
			for p := range o {
				o[p] = dot(s.coef[p*t:(p+1)*t], s.buf[i:])
			}
		}
		s.keepHistory(len(s.buf) - hist)
		return
	}

	d, i := s.down, 0
	for ; s.pos+5*d < len(s.buf); s.pos += 6 * d {
		o := out[i : i+6]
		o[0], o[1], o[2], o[3], o[4], o[5] = dot6(s.coef, s.buf[s.pos-hist:], d)
		i += 6
	}
	for ; s.pos+3*d < len(s.buf); s.pos += 4 * d {
		out[i], out[i+1], out[i+2], out[i+3] = dot4(s.coef, s.buf[s.pos-hist:], d)
		i += 4
	}
	for ; s.pos < len(s.buf); s.pos += d {
		out[i] = dot(s.coef, s.buf[s.pos-hist:])
		i++
	}
	drop := len(s.buf) - hist
	s.keepHistory(drop)
	s.pos -= drop
}

// keepHistory discards the first drop samples of buf.
func (s *stage) keepHistory(drop int) {
	n := copy(s.buf, s.buf[drop:])
	s.buf = s.buf[:n]
}

// dot returns the inner product of g and w[:len(g)], summed in order.
func dot(g, w []float32) float32 {
	w = w[:len(g)]
	var s float32
	for k, c := range g {
		s += c * w[k]
	}
	return s
}

// dot4 returns the inner products of g with the four windows of w that start
// at 0, stride, 2*stride and 3*stride: the same sums as four calls to dot, in
// one pass over g.
func dot4(g, w []float32, stride int) (s0, s1, s2, s3 float32) {
	n := len(g)
	w0 := w[:n]
	w1 := w[stride:][:n]
	w2 := w[2*stride:][:n]
	w3 := w[3*stride:][:n]
	for k, c := range g {
		s0 += c * w0[k]
		s1 += c * w1[k]
		s2 += c * w2[k]
		s3 += c * w3[k]
	}
	return s0, s1, s2, s3
}

// dot6 is dot4 for six windows. Six is as many as fit: each sum needs a
// register for itself and one for its product, and amd64 has 15 to spare.
func dot6(g, w []float32, stride int) (s0, s1, s2, s3, s4, s5 float32) {
	n := len(g)
	w0 := w[:n]
	w1 := w[stride:][:n]
	w2 := w[2*stride:][:n]
	w3 := w[3*stride:][:n]
	w4 := w[4*stride:][:n]
	w5 := w[5*stride:][:n]
	for k, c := range g {
		s0 += c * w0[k]
		s1 += c * w1[k]
		s2 += c * w2[k]
		s3 += c * w3[k]
		s4 += c * w4[k]
		s5 += c * w5[k]
	}
	return s0, s1, s2, s3, s4, s5
}
