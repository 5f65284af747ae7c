package prompts

import (
	"sync"
	"testing"
)

// TestSetClipResampledOnce: every player of a Set's clip at another rate
// gets the one conversion made for it, even when they start together;
// each rate has its own, and the clip's own rate is the clip itself.
func TestSetClipResampledOnce(t *testing.T) {
	set, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	c, _ := set.Get(Goodbye)
	if c.Rate != 16000 {
		t.Fatalf("the embedded clip is at %d Hz, want 16000", c.Rate)
	}
	const players = 8
	got := make([][]int16, players)
	var wg sync.WaitGroup
	for i := range players {
		wg.Go(func() {
			p := NewPlayer()
			p.Enqueue(c)
			frame := make([]int16, 8000/50)
			p.ReadFrame(frame, 8000)
			got[i] = p.cur.samplesAt(8000)
		})
	}
	wg.Wait()
	for i := range got {
		if len(got[i]) == 0 || &got[i][0] != &got[0][0] {
			t.Fatalf("player %d resampled the clip again", i)
		}
	}
	// At 48 kHz: three times as many samples, to the end of the last frame.
	frames := (len(c.Samples) + 319) / 320
	if wide := c.samplesAt(48000); len(wide) != frames*960 || &wide[0] == &got[0][0] {
		t.Errorf("48 kHz: %d samples for %d at 16 kHz, want its own conversion of %d", len(wide), len(c.Samples), frames*960)
	}
	if own := c.samplesAt(16000); &own[0] != &c.Samples[0] {
		t.Error("the clip's own rate was converted")
	}
}
