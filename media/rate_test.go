package media_test

import (
	"slices"
	"testing"

	"github.com/parleyhq/parley/media"
)

func TestRateConverter(t *testing.T) {
	tests := []struct {
		name     string
		in, out  int
		ok       bool
		wantTone bool
	}{
		{"same rate, copied", 8000, 8000, true, true},
		{"8 to 48 kHz", 8000, 48000, true, true},
		{"48 to 8 kHz", 48000, 8000, true, true},
		{"48 to 16 kHz", 48000, 16000, true, true},
		{"no whole ratio", 8000, 44100, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := media.NewRateConverter(tt.in)
			frame := make([]int16, tt.out/50)
			var heard []int16
			for i := range 10 {
				if got := c.Convert(sine(tt.in/50, i*tt.in/50, tt.in, 1000, 8000), frame, tt.out, i == 0); got != tt.ok {
					t.Fatalf("Convert = %v, want %v", got, tt.ok)
				}
				heard = append(heard, frame...)
			}
			if tt.wantTone {
				if share := toneShare(heard[len(heard)/2:], tt.out, 1000); share < 0.95 {
					t.Errorf("1 kHz is %.2f of the output", share)
				}
			}
		})
	}
}

// TestRateConverterFresh checks that audio after a silence starts
// afresh: its first frame is what a new converter makes of it, with no
// tail of the earlier stream in it; without fresh, the tail is kept.
func TestRateConverterFresh(t *testing.T) {
	loud, next := sine(160, 0, 8000, 1000, 8000), sine(160, 0, 8000, 600, 4000)
	first := make([]int16, 960)
	media.NewRateConverter(8000).Convert(next, first, 48000, true)

	c := media.NewRateConverter(8000)
	frame := make([]int16, 960)
	c.Convert(loud, frame, 48000, true)
	c.Convert(next, frame, 48000, true)
	if !slices.Equal(frame, first) {
		t.Error("fresh audio carries the old stream's tail")
	}
	c.Convert(loud, frame, 48000, false)
	c.Convert(next, frame, 48000, false)
	if slices.Equal(frame, first) {
		t.Error("continuing audio lost the stream's history")
	}
	// A change of the room's rate makes a new resampler.
	small := make([]int16, 320)
	if !c.Convert(next, small, 16000, false) || rms(small) == 0 {
		t.Error("no audio after the room's rate changed")
	}
}

// BenchmarkRateConverter is the resampler stage per 20 ms frame, from a
// PCMU leg's 8 kHz to a 48 kHz room and from an Opus leg's 48 kHz to an
// 8 kHz room.
func BenchmarkRateConverter(b *testing.B) {
	for _, r := range []struct {
		name    string
		in, out int
	}{{"8000to48000", 8000, 48000}, {"48000to8000", 48000, 8000}} {
		b.Run(r.name, func(b *testing.B) {
			c := media.NewRateConverter(r.in)
			pcm, frame := sine(r.in/50, 0, r.in, 1000, 8000), make([]int16, r.out/50)
			b.ReportAllocs()
			for b.Loop() {
				c.Convert(pcm, frame, r.out, false)
			}
		})
	}
}
