package main

import (
	"testing"
	"time"
)

func TestLatencyProbe(t *testing.T) {
	p := &latencyProbe{freq: 440}
	p.start()
	tone, silence := toneFrames(440)[0], silenceFrames()[0]
	t0 := time.Unix(1000, 0)
	for s := range 3 { // three onsets a second apart, heard 60 ms after each
		sent := t0.Add(time.Duration(s) * time.Second)
		p.onsetSent(sent)
		p.frameHeard(sent.Add(40*time.Millisecond), silence)
		p.frameHeard(sent.Add(60*time.Millisecond), tone)
		p.frameHeard(sent.Add(80*time.Millisecond), tone) // still on: no new onset
		// A frame lost at 300 ms: the tone comes back at 320 ms, which is
		// no onset of the marker's.
		p.frameHeard(sent.Add(300*time.Millisecond), silence)
		p.frameHeard(sent.Add(320*time.Millisecond), tone)
		p.frameHeard(sent.Add(900*time.Millisecond), silence)
	}
	got := p.latencies()
	if len(got) != 3 {
		t.Fatalf("latencies = %v, want 3", got)
	}
	for _, ms := range got {
		if ms != 60 {
			t.Errorf("latency %v ms, want 60", ms)
		}
	}
	p.frameHeard(t0.Add(5*time.Second), tone) // after latencies: not counted
	if got := p.latencies(); len(got) != 3 {
		t.Errorf("after the window: %v", got)
	}
}
