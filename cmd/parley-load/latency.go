package main

import (
	"sync"
	"time"
)

// Bridge-added latency: one talker, the marker, pauses 100 ms every second
// (its frames markerGap.. of each second are silence), and the probe leg
// times each return of that talker's tone, 20 ms frame by 20 ms frame,
// from the send of the first tone frame after the pause to the arrival of
// the first frame in which the tone is heard again. Loopback adds nothing
// measurable, so that is the bridge's jitter buffer, mixing and sending,
// to within one frame (the onset may fall late in a received frame).

const (
	// markerGap is how many 20 ms frames of each second the marker is
	// silent: frames 0..markerGap-1; frame markerGap is the onset.
	markerGap = 5
	// onDBFS and offDBFS are the hysteresis of the onset detector: the
	// marker's frequency is on above onDBFS and off below offDBFS.
	onDBFS  = toneDBFS - 10
	offDBFS = toneDBFS - 16
	// maxLatency pairs an onset heard with one sent at most this long
	// before; the marker's onsets are a second apart.
	maxLatency = 500 * time.Millisecond
)

// markerFrames is toneFrames(freq) with the pause of the marker.
func markerFrames(freq float64) [][]byte {
	frames := toneFrames(freq)
	for i := range markerGap {
		frames[i] = silenceFrames()[0]
	}
	return frames
}

// latencyProbe pairs the marker's onsets sent with those the probe heard.
type latencyProbe struct {
	freq float64

	mu       sync.Mutex
	counting bool        // guarded by mu
	sent     []time.Time // onsets sent; guarded by mu
	heard    []time.Time // onsets heard; guarded by mu
	on       bool        // the marker was heard in the last frame; the probe's receiver only
}

// onsetSent records that the marker sent its onset frame at t.
func (p *latencyProbe) onsetSent(t time.Time) {
	p.mu.Lock()
	if p.counting {
		p.sent = append(p.sent, t)
	}
	p.mu.Unlock()
}

// frameHeard looks for the marker in a frame the probe received at t.
func (p *latencyProbe) frameHeard(t time.Time, payload []byte) {
	level := measureTones(payload, []float64{p.freq})[0].DBFS
	switch {
	case !p.on && level > onDBFS:
		p.on = true
		p.mu.Lock()
		if p.counting {
			p.heard = append(p.heard, t)
		}
		p.mu.Unlock()
	case p.on && level < offDBFS:
		p.on = false
	}
}

// start clears what was recorded and starts recording.
func (p *latencyProbe) start() {
	p.mu.Lock()
	p.counting, p.sent, p.heard = true, nil, nil
	p.mu.Unlock()
}

// latencies stops recording and returns, in ms, the time from each onset
// sent to its arrival.
func (p *latencyProbe) latencies() []float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.counting = false
	var out []float64
	for _, o := range pairOnsets(p.sent, p.heard) {
		out = append(out, o.ms)
	}
	return out
}

// onsetLatency is the latency of the marker's onset sent[index], in ms.
type onsetLatency struct {
	index int
	ms    float64
}

// pairOnsets pairs each onset heard with the onset sent it follows.
func pairOnsets(sent, heard []time.Time) []onsetLatency {
	var out []onsetLatency
	i, matched := 0, -1
	for _, h := range heard {
		for i+1 < len(sent) && !sent[i+1].After(h) {
			i++
		}
		// Each onset sent is paired with the first onset heard after it
		// only: a later one before the next onset sent is the tone
		// dropping out and coming back (a lost or concealed frame), not
		// the marker's return.
		if i < len(sent) && i != matched && !sent[i].After(h) && h.Sub(sent[i]) < maxLatency {
			out = append(out, onsetLatency{index: i, ms: float64(h.Sub(sent[i]).Microseconds()) / 1000})
			matched = i
		}
	}
	return out
}
