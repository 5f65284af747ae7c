package mixer

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/zaf/g711"

	"github.com/parleyhq/parley/media"
)

// ulawEncoder is a cheap real encoder for benchmarks: G.711 µ-law, one
// g711.EncodeUlawFrame per sample (g711.EncodeUlaw does the same through a
// byte slice it allocates per call). At a room rate above 8 kHz it encodes
// every sample, standing in for a codec of that rate; it does not resample.
type ulawEncoder struct{ f media.Format }

func newULawEncoder(f media.Format, _ int) (media.Encoder, error) { return ulawEncoder{f}, nil }

func (e ulawEncoder) Format() media.Format { return e.f }

func (e ulawEncoder) Encode(pcm []int16, dst []byte) (int, error) {
	if len(dst) < len(pcm) {
		return 0, errors.New("ulaw: dst too short")
	}
	dst = dst[:len(pcm)]
	for i, s := range pcm {
		dst[i] = g711.EncodeUlawFrame(s)
	}
	return len(pcm), nil
}

// benchLeg is a Participant for benchmarks: a talker says a 440 Hz tone at
// -12 dBFS, anyone else low noise (about -60 dBFS) that stays under the
// talker threshold, as a leg with an open microphone in a quiet room does.
// It writes nowhere.
type benchLeg struct {
	format media.Format
	talker bool
	rate   int
	src    []int16 // one second of signal at rate
	pos    int
	bytes  int
}

func newBenchLeg(f media.Format, talker bool) *benchLeg {
	return &benchLeg{format: f, talker: talker}
}

func (l *benchLeg) ReadAudio(frame []int16, rate int) bool {
	if rate != l.rate {
		l.rate, l.pos, l.src = rate, 0, make([]int16, rate)
		seed := uint32(1)
		for i := range l.src {
			if l.talker {
				l.src[i] = int16(8000 * math.Sin(2*math.Pi*440*float64(i)/float64(rate)))
			} else {
				seed = seed*1664525 + 1013904223
				l.src[i] = int16((seed>>16)%64) - 32
			}
		}
	}
	l.pos += copy(frame, l.src[l.pos:])
	if l.pos == len(l.src) {
		l.pos = 0
	}
	return true
}

func (l *benchLeg) Format() media.Format { return l.format }

func (l *benchLeg) WriteAudio(payload []byte) { l.bytes += len(payload) }

// BenchmarkTick measures one 20 ms mix cycle of a room of N legs, 3 of
// which talk. legs/core is how many legs one core could mix in real time
// at this cost: 20 ms / (ns per tick) × N.
//
// The 48 kHz variant measures the mix loop at 48 kHz with µ-law standing in
// for Opus (one µ-law byte per sample), so it excludes Opus encode cost;
// BenchmarkTickOpusGuests measures a room of browser guests with real Opus
// encodes.
func BenchmarkTick(b *testing.B) {
	const talkers = 3
	cases := []struct {
		name    string
		n       int
		formats []media.Format // cycled over the legs
	}{
		{"N=10/PCMU", 10, []media.Format{media.PCMU}},
		{"N=100/PCMU", 100, []media.Format{media.PCMU}},
		{"N=1000/PCMU", 1000, []media.Format{media.PCMU}},
		{"N=100/PCMU+opus-48kHz-ulaw-stand-in", 100, []media.Format{media.PCMU, media.Opus}},
	}
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			r, err := New(Options{NewEncoder: newULawEncoder})
			if err != nil {
				b.Fatal(err)
			}
			for i := range bc.n {
				f := bc.formats[i%len(bc.formats)]
				if err := r.Add(fmt.Sprint(i), newBenchLeg(f, i < talkers)); err != nil {
					b.Fatal(err)
				}
			}
			r.Tick()
			if s := r.Stats(); s.Talkers != talkers {
				b.Fatalf("%d talkers, want %d", s.Talkers, talkers)
			}
			b.ReportAllocs()
			for b.Loop() {
				r.Tick()
			}
			nsPerTick := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			b.ReportMetric(float64(tickPeriod.Nanoseconds())/nsPerTick*float64(bc.n), "legs/core")
		})
	}
}
