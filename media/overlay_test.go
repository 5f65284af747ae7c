package media_test

import (
	"sync/atomic"
	"testing"

	"github.com/parleyhq/parley/media"
)

// fakePrompt is a PromptSource of a number of 20 ms frames of tone.
type fakePrompt struct {
	frames atomic.Int32
	rate   int     // the rate of the last ReadFrame
	tone   []int16 // 20 ms at 48 kHz, made by the first ReadFrame
}

func (p *fakePrompt) Idle() bool { return p.frames.Load() == 0 }

func (p *fakePrompt) ReadFrame(frame []int16, rate int) bool {
	p.rate = rate
	if p.frames.Load() == 0 {
		clear(frame)
		return false
	}
	p.frames.Add(-1)
	if p.tone == nil {
		p.tone = sine(960, 0, 48000, 440, 8000)
	}
	copy(frame, p.tone) // a tone at 48 kHz, another at lower rates: not heard, only encoded
	return true
}

// TestOverlay checks that a prompt replaces the room's payload while it
// plays, and only then, encoded in the leg's format of the moment.
func TestOverlay(t *testing.T) {
	tests := []struct {
		name    string
		initial media.Format // NewOverlay's
		prepare bool
		set     media.Format // SetFormat's after the prompt is queued; zero for none
		want    int          // frames of prompt
		size    int          // of each prompt payload
		rate    int          // at which the prompt is read
	}{
		{"PCMU", media.PCMU, true, media.Format{}, 3, 160, 8000},
		{"Opus", media.Opus, true, media.Format{}, 3, 0, 48000},
		{"not prepared", media.PCMU, false, media.Format{}, 0, 0, 0},
		{"format known later", media.Format{}, true, media.PCMA, 3, 160, 8000},
		{"format changed", media.PCMU, true, media.Opus, 3, 0, 48000},
		{"format changed, never prepared", media.PCMU, false, media.Opus, 3, 0, 48000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := &fakePrompt{}
			o := media.NewOverlay(src, tt.initial)
			if _, ok := o.Next(); ok {
				t.Fatal("a prompt before any was queued")
			}
			if tt.prepare {
				if err := o.Prepare(); err != nil {
					t.Fatal(err)
				}
			}
			src.frames.Store(3)
			if tt.set != (media.Format{}) {
				if err := o.SetFormat(tt.set); err != nil {
					t.Fatal(err)
				}
			}
			got := 0
			for range 6 {
				p, ok := o.Next()
				if !ok {
					continue
				}
				got++
				if len(p) == 0 || tt.size != 0 && len(p) != tt.size {
					t.Errorf("prompt payload of %d bytes, want %d", len(p), tt.size)
				}
			}
			if got != tt.want || got > 0 && src.rate != tt.rate {
				t.Errorf("%d frames of prompt read at %d Hz, want %d at %d Hz", got, src.rate, tt.want, tt.rate)
			}
		})
	}
	if err := media.NewOverlay(&fakePrompt{}, media.Format{Name: "G723", ClockRate: 8000}).Prepare(); err == nil {
		t.Error("an overlay encodes G.729")
	}
}

// BenchmarkOverlay is the overlay stage per 20 ms: idle (the room's
// payload goes on) and playing a prompt in PCMU.
func BenchmarkOverlay(b *testing.B) {
	b.Run("idle", func(b *testing.B) {
		o := media.NewOverlay(&fakePrompt{}, media.PCMU)
		if err := o.Prepare(); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			o.Next()
		}
	})
	b.Run("playing", func(b *testing.B) {
		src := &fakePrompt{}
		o := media.NewOverlay(src, media.PCMU)
		if err := o.Prepare(); err != nil {
			b.Fatal(err)
		}
		src.frames.Store(1 << 30)
		b.ReportAllocs()
		for b.Loop() {
			o.Next()
		}
	})
}
