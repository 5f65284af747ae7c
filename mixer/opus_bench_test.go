package mixer

import (
	"fmt"
	"testing"

	"github.com/parleyhq/parley/media"
)

// silentGuest is a browser guest whose packets the audio-level extension
// marks silent: the leg decodes nothing and reports no audio (the webrtc
// receiver's skip path), but still receives the room's mix.
type silentGuest struct{ bytes int }

func (g *silentGuest) ReadAudio([]int16, int) bool { return false }
func (g *silentGuest) Format() media.Format        { return media.Opus }
func (g *silentGuest) WriteAudio(payload []byte)   { g.bytes += len(payload) }

// BenchmarkTickOpusGuests measures a room of N browser guests at 48 kHz
// with real Opus encodes (libopus, complexity 10): 3 talkers, the rest
// silent and skipped by their audio level. The tick encodes 4 times (one
// N-1 mix per talker, one shared by every listener) whatever N is.
// Decoding the 3 talkers (≈ 40 µs each, webrtc's BenchmarkReceive) and
// sending each leg's packet (≈ 0.1 µs, webrtc's BenchmarkSend) are outside
// the mixer and are added in BENCHMARKS.md.
func BenchmarkTickOpusGuests(b *testing.B) {
	const talkers = 3
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			r, err := New(Options{NewEncoder: media.NewEncoderFrom})
			if err != nil {
				b.Fatal(err)
			}
			for i := range n {
				var p Participant = &silentGuest{}
				if i < talkers {
					p = newBenchLeg(media.Opus, true)
				}
				if err := r.Add(fmt.Sprint(i), p); err != nil {
					b.Fatal(err)
				}
			}
			r.Tick()
			if s := r.Stats(); s.Talkers != talkers || s.Encodes != talkers+1 {
				b.Fatalf("%d talkers and %d encodes, want %d and %d", s.Talkers, s.Encodes, talkers, talkers+1)
			}
			b.ReportAllocs()
			for b.Loop() {
				r.Tick()
			}
			nsPerTick := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			b.ReportMetric(float64(tickPeriod.Nanoseconds())/nsPerTick*float64(n), "legs/core")
		})
	}
}
