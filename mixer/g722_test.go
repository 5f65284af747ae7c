package mixer

import (
	"bytes"
	"fmt"
	"math"
	"sync"
	"testing"

	"github.com/parleyhq/parley/media"
)

// toneLeg is a participant that says a sum of tones, generated at
// whatever rate the room asks for, and keeps what it is sent.
type toneLeg struct {
	format media.Format
	freqs  []float64 // empty: a listener that says nothing
	n      int       // samples said so far
	got    [][]byte
}

func (l *toneLeg) Format() media.Format { return l.format }

func (l *toneLeg) ReadAudio(frame []int16, rate int) bool {
	if len(l.freqs) == 0 {
		return false
	}
	for i := range frame {
		var v float64
		for _, f := range l.freqs {
			v += 6000 * math.Sin(2*math.Pi*f*float64(l.n+i)/float64(rate))
		}
		frame[i] = int16(v)
	}
	l.n += len(frame)
	return true
}

func (l *toneLeg) WriteAudio(payload []byte) { l.got = append(l.got, append([]byte(nil), payload...)) }

// decoded decodes what l was sent with the real decoder of its format.
func (l *toneLeg) decoded(t *testing.T) []int16 {
	t.Helper()
	dec, err := media.NewDecoder(l.format)
	if err != nil {
		t.Fatal(err)
	}
	var out []int16
	pcm := make([]int16, l.format.FrameSamples())
	for _, p := range l.got {
		n, err := dec.Decode(p, pcm)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, pcm[:n]...)
	}
	return out
}

// goertzel is the power of frequency f in s at rate, normalised by length.
func goertzel(s []int16, rate int, f float64) float64 {
	c := 2 * math.Cos(2*math.Pi*f/float64(rate))
	var s1, s2 float64
	for _, v := range s {
		s1, s2 = float64(v)+c*s1-s2, s1
	}
	return (s1*s1 + s2*s2 - c*s1*s2) / float64(len(s)*len(s))
}

// countingCodec is media.NewEncoderFrom that counts encoders by format.
type countingCodec struct {
	mu      sync.Mutex
	created map[string]int
}

func (c *countingCodec) NewEncoder(f media.Format, inputRate int) (media.Encoder, error) {
	c.mu.Lock()
	c.created[f.String()]++
	c.mu.Unlock()
	return media.NewEncoderFrom(f, inputRate)
}

// TestG722Room: a G.722 phone makes the room 16 kHz, so a second G.722
// phone hears a talker's 6 kHz (above the 4 kHz of narrowband) at its
// level, while two G.711 phones share one 8 kHz encode that carries the
// 1 kHz and none of the 6 kHz.
func TestG722Room(t *testing.T) {
	codec := &countingCodec{created: map[string]int{}}
	r, err := New(Options{NewEncoder: codec.NewEncoder})
	if err != nil {
		t.Fatal(err)
	}
	talker := &toneLeg{format: media.G722, freqs: []float64{1000, 6000}}
	hd := &toneLeg{format: media.G722}
	u1, u2 := &toneLeg{format: media.PCMU}, &toneLeg{format: media.PCMU}
	for id, l := range map[string]*toneLeg{"talker": talker, "hd": hd, "u1": u1, "u2": u2} {
		if err := r.Add(id, l); err != nil {
			t.Fatal(err)
		}
	}
	if r.Rate() != 16000 {
		t.Fatalf("room rate %d, want 16000 (G.722's sample rate)", r.Rate())
	}
	for range 50 {
		r.Tick()
	}
	if n := codec.created[media.PCMU.String()]; n != 1 {
		t.Errorf("%d PCMU encoders, want 1 shared by both G.711 phones", n)
	}
	if len(u1.got) != 50 || len(u2.got) != 50 {
		t.Fatalf("G.711 phones got %d and %d payloads, want 50", len(u1.got), len(u2.got))
	}
	for i := range u1.got {
		if !bytes.Equal(u1.got[i], u2.got[i]) || len(u1.got[i]) != 160 {
			t.Fatalf("payload %d: the G.711 phones got different or wrong-size payloads (%d bytes)", i, len(u1.got[i]))
		}
	}

	heard := hd.decoded(t)
	heard = heard[len(heard)/2:] // past the codecs' start
	ref := goertzel(toneSamples(len(heard), 16000, 6000), 16000, 6000)
	if db := 10 * math.Log10(goertzel(heard, 16000, 6000)/ref); math.Abs(db) > 1.5 {
		t.Errorf("G.722 phone hears 6 kHz at %+.1f dB of what was said, want within 1.5 dB", db)
	}
	if db := 10 * math.Log10(goertzel(heard, 16000, 1000)/ref); math.Abs(db) > 1.5 {
		t.Errorf("G.722 phone hears 1 kHz at %+.1f dB, want within 1.5 dB", db)
	}

	narrow := u1.decoded(t)
	narrow = narrow[len(narrow)/2:]
	ref8 := goertzel(toneSamples(len(narrow), 8000, 1000), 8000, 1000)
	if db := 10 * math.Log10(goertzel(narrow, 8000, 1000)/ref8); math.Abs(db) > 1.5 {
		t.Errorf("G.711 phone hears 1 kHz at %+.1f dB, want within 1.5 dB", db)
	}
	// 6 kHz folds to 2 kHz at 8 kHz if the resampler lets it through.
	if db := 10 * math.Log10(goertzel(narrow, 8000, 2000)/ref8); db > -30 {
		t.Errorf("G.711 phone hears the 6 kHz folded to 2 kHz at %+.1f dB, want below -30 dB", db)
	}
}

// toneSamples is a sine of peak 6000, as toneLeg says one tone.
func toneSamples(n, rate int, f float64) []int16 {
	s := make([]int16, n)
	for i := range s {
		s[i] = int16(6000 * math.Sin(2*math.Pi*f*float64(i)/float64(rate)))
	}
	return s
}

// BenchmarkTickG722 measures a 16 kHz room of N desk phones with real
// G.722 encodes (libspandsp), 3 of them talking: the tick encodes 4 times
// (one N-1 mix per talker, one shared by the listeners), plus one PCMU
// encode in the mixed room, where every other leg is a G.711 phone fed by
// an 8 kHz resample of the mix. Decoding the 3 talkers (g722's
// BenchmarkDecode each) happens outside the mixer; BENCHMARKS.md adds it.
func BenchmarkTickG722(b *testing.B) {
	const talkers = 3
	for _, bc := range []struct {
		name    string
		n       int
		formats []media.Format
	}{
		{"N=100/G722", 100, []media.Format{media.G722}},
		{"N=1000/G722", 1000, []media.Format{media.G722}},
		{"N=100/G722+PCMU", 100, []media.Format{media.G722, media.PCMU}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			r, err := New(Options{NewEncoder: media.NewEncoderFrom})
			if err != nil {
				b.Fatal(err)
			}
			for i := range bc.n {
				f := bc.formats[i%len(bc.formats)]
				if i < talkers {
					f = media.G722
				}
				if err := r.Add(fmt.Sprint(i), newBenchLeg(f, i < talkers)); err != nil {
					b.Fatal(err)
				}
			}
			r.Tick()
			if s := r.Stats(); s.Talkers != talkers || r.Rate() != 16000 {
				b.Fatalf("%d talkers at %d Hz, want %d at 16000", s.Talkers, r.Rate(), talkers)
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
