package e2e

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

// Firefox's fake microphone (media.navigator.streams.fake) plays a sine
// of media.navigator.audio.fake_frequency Hz, 1000 by default, at a peak
// of 0.1 (−20 dBFS); it cannot play a file. TestFirefoxGuestAndPhone
// checks both on the page before relying on them.
const (
	firefoxToneFreq      = 1000
	firefoxToneAmplitude = 0.1
)

// TestFirefoxGuestAndPhone is TestBrowserGuestAndPhone with Firefox ESR:
// a Firefox guest joins room 1000 by a group link (typing a name into the
// field labelled "name" and pressing the button "Join") while a baresip
// phone sending 440 Hz is in the room. The page must hear 440 Hz near the
// level the phone sent, and the phone's recording must hold Firefox's
// fake tone near the level Firefox sent it at.
func TestFirefoxGuestAndPhone(t *testing.T) {
	srv := startParley(t, browserConfig)
	phoneWAV := toneFile(t, "phone.wav", 8000, 440, toneAmplitude, 30)
	link := createLink(t, srv, "1000")

	ph := newPhone(t, "phone", phoneWAV, "PCMU/8000/1", 41960)
	ph.dial(t, "sip:1000@"+srv.sipUDP, 18)
	srv.waitLog(t, "call joined", 1, 10*time.Second)
	phoneJoined := time.Now()

	f := newFirefox(t)
	f.navigate(t, link.url(srv)+"?raw=1")
	// The fake microphone runs before joining: the page measures its tone.
	local := pollTone(t, f, "parleyTest.local", firefoxToneFreq, 10*time.Second)
	time.Sleep(time.Second) // let the analyser's window fill
	sent := dB(amplitude(t, f, "parleyTest.local", firefoxToneFreq) / firefoxToneAmplitude)
	t.Logf("page, before joining: its own microphone at %.1f Hz, %+.1f dB relative to %.2f peak",
		local.Frequency, sent, firefoxToneAmplitude)
	if math.Abs(sent) > 1 {
		t.Fatalf("Firefox's fake microphone plays at %+.1f dB relative to %.2f peak: has its tone changed?", sent, firefoxToneAmplitude)
	}
	f.typeInto(t, "name", "Grace Hopper")
	f.screenshot(t, "firefox-join-form.png")
	f.click(t, "Join")
	f.waitState(t, "joined", 20*time.Second)
	joined := time.Now()

	// The room's audio reaches the page.
	time.Sleep(2 * time.Second)
	heard, level := hearsAt(t, f, 440)
	t.Logf("page hears %.1f Hz at %+.1f dB relative to what the phone sent", heard.Frequency, level)
	if math.Abs(level) > 6 {
		t.Errorf("the page hears 440 Hz at %+.1f dB, want within 6 dB of the sent level", level)
	}
	if text := f.text(t, "#participants"); !strings.Contains(text, "Grace Hopper") {
		t.Errorf("the participant list reads %q, want the guest's name", text)
	}
	if d := time.Until(joined.Add(7 * time.Second)); d > 0 {
		time.Sleep(d)
	}
	f.click(t, "Leave")
	left := time.Now()
	if s := f.text(t, "#status"); !strings.Contains(s, "You left the call") {
		t.Errorf("after Leave the status reads %q", s)
	}
	srv.waitLog(t, "participant left", 1, 10*time.Second)
	if n := len(srv.logged("guest call ended")); n != 1 {
		t.Errorf("parley logged %d guest calls ended, want 1", n)
	}
	ph.wait(t)

	// Firefox's tone reaches the phone.
	x, rate, err := readWAV(ph.recording(t))
	if err != nil {
		t.Fatal(err)
	}
	from := int((joined.Sub(phoneJoined) + 1500*time.Millisecond).Seconds() * float64(rate))
	to := min(int((left.Sub(phoneJoined)-500*time.Millisecond).Seconds()*float64(rate)), len(x))
	if to-from < 2*rate {
		t.Fatalf("only %.1f s of the recording overlap Firefox's call (recording %.1f s, samples %d..%d)",
			float64(to-from)/float64(rate), float64(len(x))/float64(rate), from, to)
	}
	spec := newSpectrum(x[from:to], rate)
	peaks := spec.peaks(100, 3900)
	if len(peaks) == 0 || !nearAny(firefoxToneFreq, peaks[:1], 10) {
		t.Errorf("the phone's dominant tone is %v, want %d Hz", fmtPeaks(peaks[:min(3, len(peaks))]), firefoxToneFreq)
	}
	got := dB(spec.amplitude(firefoxToneFreq) / firefoxToneAmplitude)
	t.Logf("phone hears Firefox's %d Hz at %+.1f dB relative to what Firefox sent (peaks %v)",
		firefoxToneFreq, got, fmtPeaks(peaks[:min(3, len(peaks))]))
	if math.Abs(got) > 6 {
		t.Errorf("the phone hears %d Hz at %+.1f dB, want within 6 dB of the sent level", firefoxToneFreq, got)
	}
	if own := dB(spec.amplitude(440) / spec.amplitude(firefoxToneFreq)); own > -30 {
		t.Errorf("the phone hears its own 440 Hz at %.1f dB relative to Firefox's tone", own)
	}
}

// TestFirefoxChromiumVideo: a Chromium guest with its fake camera joins
// room 1000 alone and publishes H.264 (the room's choice while every
// receiver decodes it, so that SIP room systems can too). Two Firefox
// guests join; this Firefox has no H.264 (its OpenH264 plugin is a
// download), so the room asks the Chromium page for VP8, which it sends
// after one more offer. Each page must then decode every other's video
// (frames decoded > 0, and 10 more within 6 s), and no one is dropped.
// When the Firefox guests leave, Chromium is asked for H.264 again. The
// first Firefox page in the call is saved as a screenshot.
func TestFirefoxChromiumVideo(t *testing.T) {
	srv := startParley(t, browserConfig)
	link := createLink(t, srv, "1000")
	t.Cleanup(func() {
		if t.Failed() {
			srv.dumpLogs(t)
		}
	})
	cerf := joinWithCamera(t, srv, link, toneFile(t, "browser.wav", 48000, 440, toneAmplitude, 40), "Chromium Cerf", "")
	if codec := publishedCodec(t, srv, cerf.name); codec != "video/H264" {
		t.Errorf("%s alone publishes %s, want video/H264", cerf.name, codec)
	}
	ada := newFirefox(t).joinWithCamera(t, srv, link, "Firefox Ada")
	bob := newFirefox(t).joinWithCamera(t, srv, link, "Firefox Bob")
	for _, name := range []string{ada.name, bob.name} {
		t.Logf("%s publishes %s", name, publishedCodec(t, srv, name))
	}
	var receivable []string
	ada.evalInto(t, `RTCRtpReceiver.getCapabilities('video').codecs.map((c) => c.mimeType)`, &receivable)
	if slices.ContainsFunc(receivable, func(c string) bool { return strings.EqualFold(c, "video/H264") }) {
		t.Logf("this Firefox decodes H.264 (%v): the room keeps H.264", receivable)
	} else {
		waitCodecChange(t, srv, cerf.name, "video/VP8", 10*time.Second)
		t.Logf("Firefox receives %v: %s was asked for VP8 and sends it", receivable, cerf.name)
	}

	// Every video, every viewer.
	type view struct {
		viewer, sender string
		stats          func() videoStats
	}
	views := []view{
		{cerf.name, ada.name, func() videoStats { return cerf.inbound(t)[ada.id] }},
		{cerf.name, bob.name, func() videoStats { return cerf.inbound(t)[bob.id] }},
		{ada.name, bob.name, func() videoStats { return ada.inbound(t)[bob.id] }},
		{bob.name, ada.name, func() videoStats { return bob.inbound(t)[ada.id] }},
		{ada.name, cerf.name, func() videoStats { return ada.inbound(t)[cerf.id] }},
		{bob.name, cerf.name, func() videoStats { return bob.inbound(t)[cerf.id] }},
	}
	first := make([]videoStats, len(views))
	firstAt := make([]time.Time, len(views))
	deadline := time.Now().Add(10 * time.Second)
	for i, v := range views {
		for first[i] = v.stats(); first[i].FramesDecoded == 0; first[i] = v.stats() {
			if time.Now().After(deadline) {
				t.Fatalf("%s decoded no frame of %s's video within 10 s", v.viewer, v.sender)
			}
			time.Sleep(100 * time.Millisecond)
		}
		firstAt[i] = time.Now()
	}
	// Decoding goes on: 10 frames more (a third of a second at 30 fps) are
	// given up to 6 s, as two cores that run three browsers can be slow.
	start := time.Now()
	time.Sleep(2 * time.Second)
	for i, v := range views {
		later := v.stats()
		for later.FramesDecoded < first[i].FramesDecoded+10 && time.Since(start) < 6*time.Second {
			time.Sleep(200 * time.Millisecond)
			later = v.stats()
		}
		t.Logf("%s receives %s's video: %d frames decoded, %d %.1f s later, %dx%d", v.viewer, v.sender,
			first[i].FramesDecoded, later.FramesDecoded, time.Since(firstAt[i]).Seconds(), later.FrameWidth, later.FrameHeight)
		if later.FramesDecoded < first[i].FramesDecoded+10 || later.FrameWidth == 0 {
			t.Errorf("%s: %s's video is not decoding: %+v, then %+v", v.viewer, v.sender, first[i], later)
		}
	}
	if label := ada.text(t, fmt.Sprintf("#videos [data-participant=%q] .label", bob.id)); label != bob.name {
		t.Errorf("%s labels %s's tile %q", ada.name, bob.name, label)
	}
	ada.screenshot(t, "firefox-video-call.png")

	// A Firefox that cannot decode a video is not offered it, and stays.
	for _, g := range []*firefoxGuest{ada, bob} {
		if s := g.eval(t, `parleyTest.state()`); s != "joined" {
			t.Errorf("%s's page is %v, want joined", g.name, s)
		}
	}
	if ended := srv.logged("guest call ended"); len(ended) > 0 {
		t.Errorf("guest calls ended during the test: %v", ended)
	}

	// The Firefox guests leave: every receiver decodes H.264 again.
	for _, g := range []*firefoxGuest{ada, bob} {
		g.click(t, "Leave")
	}
	switched := waitCodecChange(t, srv, cerf.name, "video/H264", 10*time.Second)
	t.Logf("alone again, %s sends H.264 %v after the Firefox guests left", cerf.name, switched)
}

// waitCodecChange waits until parley logs that the guest called name
// changed the codec it sends to codec, and returns how long it waited.
func waitCodecChange(t *testing.T, srv *server, name, codec string, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		calls := map[any]bool{}
		for _, r := range srv.logged("guest connecting") {
			if r["name"] == name {
				calls[r["call"]] = true
			}
		}
		for _, r := range srv.logged("guest video codec changed") {
			if calls[r["call"]] && r["codec"] == codec {
				return time.Since(start).Round(10 * time.Millisecond)
			}
		}
		if time.Since(start) > within {
			t.Fatalf("%s was not switched to %s within %v", name, codec, within)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// publishedCodec returns the video codec the server logged the guest
// called name as publishing ("guest publishes video").
func publishedCodec(t *testing.T, srv *server, name string) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		calls := map[any]bool{}
		for _, r := range srv.logged("guest connecting") {
			if r["name"] == name {
				calls[r["call"]] = true
			}
		}
		for _, r := range srv.logged("guest publishes video") {
			if calls[r["call"]] {
				codec, _ := r["codec"].(string)
				return codec
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("parley logged no video published by %s", name)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// firefoxGuest is a Firefox guest in the call.
type firefoxGuest struct {
	*firefox
	name, id string
}

// joinWithCamera opens the join page, checks the fake camera comes on by
// itself and joins as name.
func (f *firefox) joinWithCamera(t *testing.T, srv *server, l link, name string) *firefoxGuest {
	t.Helper()
	f.navigate(t, l.url(srv))
	f.poll(t, `!!(window.parleyTest && parleyTest.camera())`, 10*time.Second, "the camera coming on")
	f.typeInto(t, "name", name)
	f.click(t, "Join")
	f.waitState(t, "joined", 20*time.Second)
	id, _ := f.eval(t, `parleyTest.participant()`).(string)
	if id == "" {
		f.fail(t, fmt.Errorf("%s joined without a participant ID", name))
	}
	return &firefoxGuest{firefox: f, name: name, id: id}
}

// waitState waits for parleyTest.state() to be want.
func (f *firefox) waitState(t *testing.T, want string, within time.Duration) {
	t.Helper()
	f.poll(t, fmt.Sprintf(`!!window.parleyTest && parleyTest.state() === %q`, want), within, "state "+want)
}

// text returns the visible text of the element that css selects.
func (f *firefox) text(t *testing.T, css string) string {
	t.Helper()
	v, _ := f.eval(t, fmt.Sprintf(`(document.querySelector(%q) || {}).innerText || ''`, css)).(string)
	return v
}

// pollTone waits until probe (parleyTest.local or .remote) hears freq

// inbound returns the page's inbound video stats by publisher.
func (f *firefox) inbound(t *testing.T) map[string]videoStats {
	t.Helper()
	var list []videoStats
	f.evalInto(t, `parleyTest.inboundVideo()`, &list)
	out := make(map[string]videoStats, len(list))
	for _, s := range list {
		if s.Participant != nil {
			out[*s.Participant] = s
		}
	}
	return out
}
