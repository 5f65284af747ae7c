package e2e

import (
	"encoding/binary"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/zaf/g711"
)

// TestBrowserToPhoneRepeated is the audio flake of the hardening issue
// (a phone that, in one run of four, heard a browser guest's tone for 0.8
// of 11 s) repeated: a headless Chromium guest whose fake microphone plays
// 1000 Hz joins room 1000, where a baresip G.711 phone sends 440 Hz, stays
// 4.5 s and leaves, eight times over, each time with a new PeerConnection
// (new SSRC, Chromium's first packets, a new jitter buffer start). In each
// round the RTP that Parley sends the phone, captured on the wire, must
// carry the browser's tone at about the level sent in at least 90% of the
// 20 ms frames from 1.5 s after joining to just before leaving.
//
// What the phone is sent is measured where Parley sends it, with the
// capture's clock, not in baresip's recording placed by wall-clock offsets:
// the recording holds the frames baresip decoded, so when the machine is
// starved (two cores for Chromium, baresip, parley and other tests) and
// frames are dropped on the way, everything after the drop slides earlier
// in the recording and a wall-clock window reads silence after the guest
// left: that, not Parley's media path, was the flake (docs/security/faults.md).
func TestBrowserToPhoneRepeated(t *testing.T) {
	const rounds, inCall = 8, 4500 * time.Millisecond
	// No join and leave announcements: they would be mixed over the tone.
	srv := startParley(t, browserConfig+"prompts:\n  announce_join_leave: false\n")
	phoneWAV := toneFile(t, "phone.wav", 8000, 440, toneAmplitude, 150)
	browserWAV := toneFile(t, "browser.wav", 48000, 1000, toneAmplitude, 150)
	link := createLink(t, srv, "1000")
	const phonePorts = 41100 // to 41119
	capture := startCapture(t, fmt.Sprintf("udp dst portrange %d-%d", phonePorts, phonePorts+19))
	ph := newPhone(t, "phone", phoneWAV, "PCMU/8000/1", phonePorts)
	ph.dial(t, "sip:1000@"+srv.sipUDP, 140)
	srv.waitLog(t, "call joined", 1, 10*time.Second)

	b := newBrowser(t, browserWAV)
	b.do(t, chromedp.Navigate(link.url(srv)+"?raw=1"))
	pollTone(t, b, "parleyTest.local", 1000, 10*time.Second)
	b.do(t, chromedp.SendKeys("", "Grace Hopper", byAX("textbox", "name", false)))
	type span struct{ joined, left time.Time }
	var spans []span
	for i := range rounds {
		b.clickJoin(t)
		b.waitState(t, "joined", 20*time.Second)
		joined := time.Now()
		time.Sleep(inCall)
		b.do(t, chromedp.Click("", byAX("button", "Leave", true)))
		spans = append(spans, span{joined, time.Now()})
		srv.waitLog(t, "participant left", i+1, 10*time.Second)
	}
	packets := capture.stop(t)

	for i, s := range spans {
		h := phoneHears(packets, s.joined.Add(1500*time.Millisecond), s.left.Add(-200*time.Millisecond), 1000)
		t.Logf("round %d: the phone is sent 1000 Hz in %d of %d frames (%.0f%%), at %+.1f dB (median)",
			i+1, h.heard, h.frames, 100*h.share(), h.level)
		if h.share() < 0.9 || h.level < -6 || h.level > 6 {
			t.Errorf("round %d: the phone is sent the browser's tone in %.0f%% of the frames at %+.1f dB, want 90%% within 6 dB",
				i+1, 100*h.share(), h.level)
		}
	}
}

// hearing is what phoneHears found in the RTP sent to a phone.
type hearing struct {
	frames, heard int     // 20 ms frames due in the span; those holding the tone
	packets       int     // packets sent in the span
	without       []int   // when the packets without the tone came, ms into the span
	level         float64 // median level of the tone in those, dB relative to toneAmplitude
	pcm           []float64
}

// share is the part of the frames that held the tone.
func (h hearing) share() float64 { return float64(h.heard) / float64(max(1, h.frames)) }

// phoneHears decodes the PCMU packets captured between from and to and
// counts the 20 ms frames due in that span (one per 20 ms, so that a
// packet never sent counts as a frame without the tone) and those whose
// payload holds freq at within 10 dB of toneAmplitude, stronger than
// anything else (toneInFrame). pcm is the decoded audio, in order.
func phoneHears(ps []dialogPacket, from, to time.Time, freq float64) hearing {
	h := hearing{frames: int(to.Sub(from) / (20 * time.Millisecond))}
	var levels []float64
	for _, p := range dialogBetween(ps, from, to) {
		if p.pt != 0 {
			continue
		}
		raw := g711.DecodeUlaw(p.payload)
		x := make([]float64, len(raw)/2)
		for i := range x {
			x[i] = float64(int16(binary.LittleEndian.Uint16(raw[2*i:]))) / 32768
		}
		h.pcm = append(h.pcm, x...)
		h.packets++
		if len(x) > 0 && toneInFrame(x, 8000, freq, toneAmplitude) {
			h.heard++
			levels = append(levels, dB(newSpectrum(x, 8000).amplitude(freq)/toneAmplitude))
		} else {
			h.without = append(h.without, int(p.at.Sub(from).Milliseconds()))
		}
	}
	h.heard = min(h.heard, h.frames)
	h.level = -100
	if len(levels) > 0 {
		sort.Float64s(levels)
		h.level = levels[len(levels)/2]
	}
	return h
}
