package prompts

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/media/resample"
)

// ramp returns a clip of n samples at rate Hz that is different at every
// sample, so that a shifted or dropped sample shows.
func ramp(id string, rate, n int) Clip {
	s := make([]int16, n)
	for i := range s {
		s[i] = int16(i%2000*7 - 7000 + i/2000)
	}
	return Clip{ID: id, Rate: rate, Samples: s}
}

// drain reads frames of 20 ms at rate until the player is idle and returns
// them joined, and how many frames it read.
func drain(t *testing.T, p *Player, rate int) ([]int16, int) {
	t.Helper()
	frame := make([]int16, rate/50)
	var out []int16
	for n := 0; ; n++ {
		if !p.ReadFrame(frame, rate) {
			if slices.ContainsFunc(frame, func(s int16) bool { return s != 0 }) {
				t.Fatal("idle ReadFrame left samples in the frame")
			}
			return out, n
		}
		out = append(out, frame...)
		if n > 100000 {
			t.Fatal("player never went idle")
		}
	}
}

func isClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

func frames(samples, frameLen int) int { return (samples + frameLen - 1) / frameLen }

func TestPlayerSameRateIsSampleExact(t *testing.T) {
	for _, rate := range []int{8000, 16000, 48000} {
		t.Run(fmt.Sprint(rate), func(t *testing.T) {
			c := ramp("a", rate, rate/50*3+17) // not a whole number of frames
			p := NewPlayer()
			p.Enqueue(c)
			out, n := drain(t, p, rate)
			if want := frames(len(c.Samples), rate/50); n != want {
				t.Errorf("%d frames, want %d", n, want)
			}
			if !slices.Equal(out[:len(c.Samples)], c.Samples) {
				t.Error("output differs from the clip")
			}
			if slices.ContainsFunc(out[len(c.Samples):], func(s int16) bool { return s != 0 }) {
				t.Error("the last frame is not padded with silence")
			}
		})
	}
}

// TestPlayerResampled checks every pair of rates against the same
// resampler run over the whole clip at once, less its delay: the player must
// give exactly that, in as many frames as the clip takes at its own rate.
func TestPlayerResampled(t *testing.T) {
	rates := []int{8000, 16000, 48000}
	for _, in := range rates {
		for _, out := range rates {
			if in == out {
				continue
			}
			t.Run(fmt.Sprintf("%d to %d", in, out), func(t *testing.T) {
				c := ramp("a", in, in/50*4+in/1000*3) // 4 frames and 3 ms
				inFrame, outFrame := in/50, out/50
				nFrames := frames(len(c.Samples), inFrame)

				r, err := resample.New(in, out)
				if err != nil {
					t.Fatal(err)
				}
				delayIn := r.Delay() * in / out
				padded := append(slices.Clone(c.Samples), make([]int16, nFrames*inFrame-len(c.Samples)+delayIn)...)
				want := r.Process(padded, nil)[r.Delay():]

				p := NewPlayer()
				p.Enqueue(c)
				got, n := drain(t, p, out)
				if n != nFrames {
					t.Fatalf("%d frames, want %d", n, nFrames)
				}
				if len(got) != nFrames*outFrame || !slices.Equal(got, want[:len(got)]) {
					t.Errorf("output differs from the reference (%d and %d samples)", len(got), len(want))
				}
				// Independently of the reference: output sample j is the
				// input at time j, away from the ramp's jumps, so the
				// filter's delay has been taken out.
				for j := range len(c.Samples) * out / in {
					i := j * in / out
					if j*in%out != 0 || i%2000 < 400 || i%2000 > 1600 || i > len(c.Samples)-400 {
						continue
					}
					if d := int(got[j]) - int(c.Samples[i]); d < -30 || d > 30 {
						t.Fatalf("output %d is %d, input %d is %d", j, got[j], i, c.Samples[i])
					}
				}
			})
		}
	}
}

// TestPlayerResampledSpeech plays a real prompt at every rate and checks
// that it lasts as long, and is about as loud, as the clip itself.
func TestPlayerResampledSpeech(t *testing.T) {
	s, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	c, _ := s.Get(ConferenceEnding)
	for _, rate := range []int{8000, 16000, 48000} {
		p := NewPlayer()
		p.Enqueue(c)
		out, n := drain(t, p, rate)
		got := time.Duration(len(out)) * time.Second / time.Duration(rate)
		if d := got - c.Duration(); d < 0 || d >= 20*time.Millisecond || n != frames(len(c.Samples), 320) {
			t.Errorf("%d Hz: %d frames, %v of audio for a %v clip", rate, n, got, c.Duration())
		}
		// Telephone-band resampling keeps most of the energy of speech.
		if r, want := rms(out[:len(out)*len(c.Samples)/(n*320)]), rms(c.Samples); r < 0.8*want || r > 1.05*want {
			t.Errorf("%d Hz: RMS %.3f, clip's %.3f", rate, r, want)
		}
	}
}

func TestPlayerQueue(t *testing.T) {
	a, b := ramp("a", 16000, 500), ramp("b", 8000, 160*2)
	p := NewPlayer()
	if !p.Idle() || !isClosed(p.Done()) {
		t.Fatal("a new player is not idle")
	}
	p.Enqueue(a, Clip{ID: "empty", Rate: 16000}, Clip{ID: "44k", Rate: 44100, Samples: []int16{1}}, b)
	done := p.Done()
	if p.Idle() || isClosed(done) {
		t.Fatal("idle with clips queued")
	}
	out, n := drain(t, p, 16000)
	// a takes 2 frames; b starts on the frame boundary after it and takes 2.
	if n != 4 {
		t.Fatalf("%d frames, want 4", n)
	}
	if !slices.Equal(out[:500], a.Samples) || slices.ContainsFunc(out[500:640], func(s int16) bool { return s != 0 }) {
		t.Error("first clip wrong or not padded to the frame")
	}
	if !p.Idle() || !isClosed(done) || !isClosed(p.Done()) {
		t.Error("not idle after the last frame")
	}
}

func TestPlayerDoneClosesWithLastFrame(t *testing.T) {
	p := NewPlayer()
	p.Enqueue(ramp("a", 16000, 640))
	done := p.Done()
	frame := make([]int16, 320)
	p.ReadFrame(frame, 16000)
	if isClosed(done) {
		t.Fatal("done after one frame of two")
	}
	if !p.ReadFrame(frame, 16000) || !isClosed(done) {
		t.Fatal("not done after the last frame")
	}
	if p.ReadFrame(frame, 16000) {
		t.Fatal("frame after the end")
	}
}

func TestPlayerClear(t *testing.T) {
	p := NewPlayer()
	p.Enqueue(ramp("a", 16000, 16000), ramp("b", 16000, 16000))
	done := p.Done()
	frame := make([]int16, 160)
	if !p.ReadFrame(frame, 8000) {
		t.Fatal("nothing played")
	}
	p.Clear()
	if !isClosed(done) || !p.Idle() {
		t.Error("not idle after Clear")
	}
	if p.ReadFrame(frame, 8000) {
		t.Error("played after Clear")
	}
	p.Clear() // idempotent
	p.Enqueue(ramp("c", 16000, 320))
	if !p.ReadFrame(frame, 8000) || p.ReadFrame(frame, 8000) {
		t.Error("after Clear, a new clip does not play as one frame")
	}
}

func TestPlayerBadFrames(t *testing.T) {
	p := NewPlayer()
	p.Enqueue(ramp("a", 16000, 320))
	for _, tc := range []struct {
		n, rate int
	}{{320, 44100}, {0, 16000}, {100, 16000}, {320, 0}, {320, -8000}} {
		frame := make([]int16, tc.n)
		for i := range frame {
			frame[i] = 5
		}
		if p.ReadFrame(frame, tc.rate) || slices.ContainsFunc(frame, func(s int16) bool { return s != 0 }) {
			t.Errorf("%d samples at %d Hz: played, or left samples in the frame", tc.n, tc.rate)
		}
	}
	// Nothing was consumed, and frames of other whole-millisecond lengths work.
	frame := make([]int16, 160)
	if !p.ReadFrame(frame, 16000) || !p.ReadFrame(frame, 16000) || p.ReadFrame(frame, 16000) {
		t.Error("10 ms frames do not play the 20 ms clip in two")
	}
}

// TestPlayerRateChange changes the frame rate in the middle of a clip, as
// a re-INVITE to another codec would; the clip keeps its place.
func TestPlayerRateChange(t *testing.T) {
	c := ramp("a", 16000, 320*5)
	p := NewPlayer()
	p.Enqueue(c)
	n := 0
	for i, rate := range []int{16000, 8000, 48000, 16000, 8000, 16000} {
		frame := make([]int16, rate/50)
		if !p.ReadFrame(frame, rate) {
			break
		}
		n++
		if i == 0 && !slices.Equal(frame, c.Samples[:320]) {
			t.Error("first frame wrong")
		}
		if i == 3 && !slices.Equal(frame, c.Samples[960:1280]) {
			t.Error("back at the clip's rate, the frame is not samples 960 to 1280")
		}
	}
	if n != 5 {
		t.Errorf("%d frames, want 5", n)
	}
}

// TestPlayerConcurrent reads on one goroutine while others enqueue and
// clear; run with -race.
func TestPlayerConcurrent(t *testing.T) {
	p := NewPlayer()
	clip := ramp("a", 16000, 700)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		frame := make([]int16, 160)
		for {
			select {
			case <-stop:
				return
			default:
				p.ReadFrame(frame, 8000)
			}
		}
	}()
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				p.Enqueue(clip)
				if (i+g)%7 == 0 {
					p.Clear()
				}
				_ = p.Idle()
				_ = p.Done()
			}
		}()
	}
	time.Sleep(50 * time.Millisecond)
	close(stop)
	wg.Wait()
	p.Clear()
	select {
	case <-p.Done():
	case <-time.After(time.Second):
		t.Fatal("Done not closed after Clear")
	}
}

func TestPlayerReadFrameDoesNotAllocate(t *testing.T) {
	for _, tc := range []struct{ clipRate, rate int }{{16000, 16000}, {16000, 8000}, {16000, 48000}, {8000, 48000}, {48000, 8000}} {
		p := NewPlayer()
		// Warm up: the first clip between two rates makes its resampler.
		p.Enqueue(ramp("warm", tc.clipRate, tc.clipRate/50))
		frame := make([]int16, tc.rate/50)
		p.ReadFrame(frame, tc.rate)
		p.Enqueue(ramp("a", tc.clipRate, tc.clipRate*10))
		allocs := testing.AllocsPerRun(200, func() { p.ReadFrame(frame, tc.rate) })
		if allocs != 0 {
			t.Errorf("%d Hz clip at %d Hz: %.1f allocations per frame", tc.clipRate, tc.rate, allocs)
		}
	}
}

// BenchmarkPlayerReadFrame plays a 16 kHz clip of a Set, at each rate,
// over and over: the cost of a frame once the clip has been played at
// that rate before.
func BenchmarkPlayerReadFrame(b *testing.B) {
	for _, rate := range []int{8000, 16000, 48000} {
		b.Run(fmt.Sprint(rate), func(b *testing.B) {
			c := ramp("a", 16000, 16000*60)
			c.conv = new(conversions) // as a Set's clips have
			p := NewPlayer()
			frame := make([]int16, rate/50)
			b.ReportAllocs()
			for b.Loop() {
				if !p.ReadFrame(frame, rate) {
					p.Enqueue(c)
				}
			}
		})
	}
}
