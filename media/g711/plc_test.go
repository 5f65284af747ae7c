package g711

import (
	"fmt"
	"math"
	"testing"
)

// voiced returns n samples of a vowel-like harmonic signal with fundamental
// f0: five harmonics of falling amplitude.
func voiced(n int, f0, amp float64) []int16 {
	s := make([]int16, n)
	weights := []float64{1, 0.6, 0.4, 0.25, 0.15}
	for i := range s {
		var v float64
		for h, w := range weights {
			v += w * math.Sin(2*math.Pi*f0*float64(h+1)*float64(i)/SampleRate+float64(h))
		}
		s[i] = int16(math.Round(amp / 2.4 * v))
	}
	return s
}

var plcSignals = []struct {
	name string
	pcm  []int16
}{
	{"440Hz", tone(50*FrameSamples, 440, 8000)},
	{"voiced125Hz", voiced(50*FrameSamples, 125, 8000)},
	{"voiced147Hz", voiced(50*FrameSamples, 147, 8000)},
}

// runPLC passes in through a PLC frame by frame, concealing the frames
// whose index is in lost, and returns the output, which lags in by
// PLCDelay samples.
func runPLC(in []int16, lost map[int]bool) []int16 {
	var p PLC
	out := make([]int16, len(in))
	copy(out, in)
	for f := 0; f*FrameSamples < len(in); f++ {
		frame := out[f*FrameSamples : (f+1)*FrameSamples]
		if lost[f] {
			p.Conceal(frame)
		} else {
			p.Receive(frame)
		}
	}
	return out
}

func energy(s []int16) float64 {
	var e float64
	for _, v := range s {
		e += float64(v) * float64(v)
	}
	return e
}

// dominant returns the frequency, to 1 Hz, of the strongest component of s
// between 50 and 3900 Hz, by Goertzel's algorithm on the Hann-windowed s.
func dominant(s []int16) float64 {
	w := make([]float64, len(s))
	for i, v := range s {
		w[i] = float64(v) * (0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/float64(len(s)-1)))
	}
	best, bestPower := 0.0, -1.0
	for f := 50.0; f <= 3900; f++ {
		c := 2 * math.Cos(2*math.Pi*f/SampleRate)
		var s1, s2 float64
		for _, v := range w {
			s1, s2 = v+c*s1-s2, s1
		}
		if p := s1*s1 + s2*s2 - c*s1*s2; p > bestPower {
			best, bestPower = f, p
		}
	}
	return best
}

// maxJump returns the largest difference between neighbouring samples.
func maxJump(s []int16) int {
	m := 0
	for i := 1; i < len(s); i++ {
		m = max(m, int(math.Abs(float64(s[i])-float64(s[i-1]))))
	}
	return m
}

func TestPLCPassThrough(t *testing.T) {
	in := voiced(10*FrameSamples, 125, 8000)
	out := runPLC(in, nil)
	for n := range out {
		want := int16(0)
		if n >= PLCDelay {
			want = in[n-PLCDelay]
		}
		if out[n] != want {
			t.Fatalf("out[%d] = %d, want in[%d] = %d", n, out[n], n-PLCDelay, want)
		}
	}
}

// TestPLCConceals drops one 20 ms frame and checks that its substitute has
// the original's dominant frequency and nearly its energy.
func TestPLCConceals(t *testing.T) {
	const lost = 20
	for _, sig := range plcSignals {
		t.Run(sig.name, func(t *testing.T) {
			out := runPLC(sig.pcm, map[int]bool{lost: true})
			orig := sig.pcm[lost*FrameSamples : (lost+1)*FrameSamples]
			got := out[lost*FrameSamples+PLCDelay : (lost+1)*FrameSamples+PLCDelay]
			ratio := energy(got) / energy(orig)
			fo, fg := dominant(orig), dominant(got)
			t.Logf("substitute: energy %.2f dB, dominant %.0f Hz (original %.0f Hz)", 10*math.Log10(ratio), fg, fo)
			// The second 10 ms fades from 100% to 80%, so about -0.4 dB.
			if ratio < 0.7 || ratio > 1.1 {
				t.Errorf("substitute has %.2f times the original's energy, want 0.7 to 1.1", ratio)
			}
			if math.Abs(fg-fo) > 10 {
				t.Errorf("substitute's dominant frequency is %.0f Hz, want %.0f±10 Hz", fg, fo)
			}
		})
	}
}

// TestPLCFades drops 100 ms and checks the fade of G.711 Appendix I: full
// level for 10 ms, then 20% less per 10 ms, and silence from 60 ms on.
func TestPLCFades(t *testing.T) {
	const first, n = 20, 5
	lost := map[int]bool{}
	for f := first; f < first+n; f++ {
		lost[f] = true
	}
	for _, sig := range plcSignals {
		t.Run(sig.name, func(t *testing.T) {
			out := runPLC(sig.pcm, lost)
			start := first*FrameSamples + PLCDelay
			ref := energy(sig.pcm[first*FrameSamples : first*FrameSamples+plcFrame])
			prev := math.Inf(1)
			for b := range 6 {
				e := energy(out[start+b*plcFrame:start+(b+1)*plcFrame]) / ref
				// Mean square gain over block b: the gain falls linearly
				// from 1-0.2(b-1) to 1-0.2b.
				want := 1.0
				if b > 0 {
					g0, g1 := 1-0.2*float64(b-1), 1-0.2*float64(b)
					want = (g0*g0 + g0*g1 + g1*g1) / 3
				}
				if math.Abs(e-want) > 0.1+0.15*want {
					t.Errorf("10 ms block %d of the loss has relative energy %.3f, want about %.3f", b, e, want)
				}
				if b > 0 && e > prev {
					t.Errorf("10 ms block %d is louder (%.3f) than block %d (%.3f)", b, e, b-1, prev)
				}
				prev = e
			}
			for i, v := range out[start+6*plcFrame : start+n*FrameSamples] {
				if v != 0 {
					t.Fatalf("sample %d ms into the loss is %d, want silence", (6*plcFrame+i)/8, v)
				}
			}
		})
	}
}

// TestPLCMerges checks that the first good frame after a loss is
// cross-faded in: no step between neighbouring samples is much larger than
// the signal's own, and the real signal is back, exactly, soon after.
func TestPLCMerges(t *testing.T) {
	const first = 20
	for _, sig := range plcSignals {
		natural := maxJump(sig.pcm)
		for _, n := range []int{1, 2, 3, 4} {
			t.Run(fmt.Sprintf("%s/lose%dframes", sig.name, n), func(t *testing.T) {
				lost := map[int]bool{}
				for f := first; f < first+n; f++ {
					lost[f] = true
				}
				out := runPLC(sig.pcm, lost)
				resume := (first+n)*FrameSamples + PLCDelay
				jump := maxJump(out[first*FrameSamples : resume+FrameSamples])
				t.Logf("largest step %d around the loss, %d in the signal", jump, natural)
				if float64(jump) > 1.25*float64(natural) {
					t.Errorf("largest step %d, want at most 1.25 × the signal's %d", jump, natural)
				}
				for i := resume + plcFrame; i < len(out); i++ {
					if out[i] != sig.pcm[i-PLCDelay] {
						t.Fatalf("out[%d] = %d, want the received signal %d", i, out[i], sig.pcm[i-PLCDelay])
					}
				}
			})
		}
	}
}

func TestPLCColdStart(t *testing.T) {
	var p PLC
	pcm := make([]int16, FrameSamples)
	for i := range pcm {
		pcm[i] = 1234
	}
	p.Conceal(pcm)
	if e := energy(pcm); e != 0 {
		t.Errorf("concealing with no history gave energy %v, want silence", e)
	}
}
