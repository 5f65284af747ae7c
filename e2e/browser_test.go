package e2e

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

const browserConfig = `
sip:
  listen: [udp://127.0.0.1:0]
  domain: 127.0.0.1
rtp:
  ports: 42000-42998
http:
  listen: 127.0.0.1:0
log:
  format: json
  level: info
admin_tokens: ["` + adminToken + `"]
rooms:
  - number: "1000"
    name: Browser room
    guest_access: true
  - number: "1001"
    name: Small room
    guest_access: true
    capacity: 1
  - number: "1002"
    name: Busy room
    guest_access: true
    quota: 1
`

// toneAmplitude is the peak amplitude (−12 dBFS) of every test tone.
const toneAmplitude = 0.25

// TestBrowserGuestAndPhone is issue 6's audio check with a real browser: a
// headless Chromium guest whose fake microphone plays 1000 Hz joins room
// 1000 by a group link (typing a name into the field labelled "name" and
// pressing the button named "Join"), while a baresip phone sending 440 Hz
// is in the room. The page's analyser must hear 440 Hz and the RTP Parley
// sends the phone must carry 1000 Hz, both near the level they were sent
// at; 1000 Hz must be the dominant tone of the phone's recording.
func TestBrowserGuestAndPhone(t *testing.T) {
	srv := startParley(t, browserConfig)
	phoneWAV := toneFile(t, "phone.wav", 8000, 440, toneAmplitude, 30)
	browserWAV := toneFile(t, "browser.wav", 48000, 1000, toneAmplitude, 30)
	link := createLink(t, srv, "1000")

	capture := startCapture(t, "udp dst portrange 41700-41719") // to the phone
	ph := newPhone(t, "phone", phoneWAV, "PCMU/8000/1", 41700)
	ph.dial(t, "sip:1000@"+srv.sipUDP, 20)
	srv.waitLog(t, "call joined", 1, 10*time.Second)

	b := newBrowser(t, browserWAV)
	b.do(t, chromedp.Navigate(link.url(srv)+"?raw=1"))
	// The microphone runs before joining: the level meter moves.
	local := pollTone(t, b, "parleyTest.local", 1000, 10*time.Second)
	time.Sleep(time.Second) // let the analyser's window fill
	t.Logf("page, before joining: its own microphone at %.1f Hz, %+.1f dB relative to the WAV",
		local.Frequency, dB(amplitude(t, b, "parleyTest.local", 1000)/toneAmplitude))
	if lv := b.eval(t, `document.getElementById('level').value`); lv.(float64) < 0.5 {
		t.Errorf("the level meter shows %v for a −12 dBFS tone", lv)
	}
	b.do(t, chromedp.SendKeys("", "Grace Hopper", byAX("textbox", "name", false)))
	b.screenshot(t, "join-page-before.png")
	b.clickJoin(t)
	b.waitState(t, "joined", 20*time.Second)
	browserJoined := time.Now()

	// The room's audio reaches the page.
	time.Sleep(2 * time.Second)
	heard, level := hearsAt(t, b, 440)
	t.Logf("page hears %.1f Hz at %+.1f dB relative to what the phone sent", heard.Frequency, level)
	if math.Abs(level) > 6 {
		t.Errorf("the page hears 440 Hz at %+.1f dB, want within 6 dB of the sent level", level)
	}
	if text := b.text(t, "#participants"); !strings.Contains(text, "Grace Hopper") {
		t.Errorf("the participant list reads %q, want the guest's name", text)
	}
	b.screenshot(t, "join-page-in-call.png")
	if d := time.Until(browserJoined.Add(7 * time.Second)); d > 0 {
		time.Sleep(d)
	}
	b.do(t, chromedp.Click("", byAX("button", "Leave", true)))
	browserLeft := time.Now()
	if s := b.text(t, "#status"); !strings.Contains(s, "You left the call") {
		t.Errorf("after Leave the status reads %q", s)
	}
	srv.waitLog(t, "participant left", 1, 10*time.Second)
	if len(srv.logged("guest call ended")) != 1 {
		t.Errorf("parley logged %d guest calls ended, want 1", len(srv.logged("guest call ended")))
	}
	ph.wait(t)

	// The browser's tone reaches the phone: in the RTP Parley sends it,
	// captured on the wire and placed by the capture's clock (not in
	// baresip's recording placed by wall-clock offsets, which slides when
	// a starved machine drops frames; see TestBrowserToPhoneRepeated).
	h := phoneHears(capture.stop(t), browserJoined.Add(1500*time.Millisecond), browserLeft.Add(-500*time.Millisecond), 1000)
	if h.frames < 100 {
		t.Fatalf("only %d frames of the browser's call to check", h.frames)
	}
	spec := newSpectrum(h.pcm, 8000)
	peaks := spec.peaks(100, 3900)
	if len(peaks) == 0 || !nearAny(1000, peaks[:1], 10) {
		t.Errorf("the phone's dominant tone is %v, want 1000 Hz", fmtPeaks(peaks[:min(3, len(peaks))]))
	}
	got := dB(spec.amplitude(1000) / toneAmplitude)
	t.Logf("phone is sent the browser's 1000 Hz at %+.1f dB relative to the WAV (peaks %v), in %d of %d frames",
		got, fmtPeaks(peaks[:min(3, len(peaks))]), h.heard, h.frames)
	if math.Abs(got) > 6 || h.share() < 0.9 {
		t.Errorf("the phone is sent 1000 Hz at %+.1f dB in %.0f%% of the frames, want within 6 dB of the sent level in 90%%", got, 100*h.share())
	}
	if own := dB(spec.amplitude(440) / spec.amplitude(1000)); own > -30 {
		t.Errorf("the phone hears its own 440 Hz at %.1f dB relative to the browser's tone", own)
	}
	// And baresip decoded it.
	x, rate, err := readWAV(ph.recording(t))
	if err != nil {
		t.Fatal(err)
	}
	if peaks := newSpectrum(x, rate).peaks(100, 3900); len(peaks) == 0 || !nearAny(1000, peaks[:1], 10) {
		t.Errorf("the dominant tone of the phone's recording is %v, want 1000 Hz", fmtPeaks(peaks[:min(3, len(peaks))]))
	}
}

// TestBrowserLinkExpired: a link that stops admitting while its page is
// open says so when the guest presses Join, and says so again on reload.
func TestBrowserLinkExpired(t *testing.T) {
	srv := startParley(t, browserConfig)
	wav := toneFile(t, "browser.wav", 48000, 1000, toneAmplitude, 30)
	link := createLink(t, srv, "1000")
	b := newBrowser(t, wav)
	b.do(t, chromedp.Navigate(link.url(srv)))
	b.do(t, chromedp.SendKeys("", "Ada", byAX("textbox", "name", false)))
	if code := srv.apiCall(t, "PATCH", "/api/v1/rooms/1000/links/"+link.ID, map[string]any{"expire_now": true}, nil); code != 200 {
		t.Fatalf("expire_now: status %d", code)
	}
	b.clickJoin(t)
	b.waitText(t, "#alert", "This link has expired.", 10*time.Second)
	b.screenshot(t, "join-expired-on-join.png")
	b.do(t, chromedp.Reload())
	b.waitText(t, "main", "This link has expired.", 10*time.Second)
	if n := b.eval(t, `document.querySelectorAll('button').length`); n.(float64) != 0 {
		t.Errorf("the expired link's page shows %v buttons, want none", n)
	}
	b.screenshot(t, "join-expired.png")
}

// TestBrowserRoomFull: a room at its capacity (1, the phone) refuses the
// browser guest, and the page says the room is full.
func TestBrowserRoomFull(t *testing.T) {
	srv := startParley(t, browserConfig)
	phoneWAV := toneFile(t, "phone.wav", 8000, 440, toneAmplitude, 30)
	browserWAV := toneFile(t, "browser.wav", 48000, 1000, toneAmplitude, 30)
	link := createLink(t, srv, "1001")
	ph := newPhone(t, "phone", phoneWAV, "PCMU/8000/1", 41740)
	ph.dial(t, "sip:1001@"+srv.sipUDP, 15)
	srv.waitLog(t, "call joined", 1, 10*time.Second)

	b := newBrowser(t, browserWAV)
	b.do(t, chromedp.Navigate(link.url(srv)))
	b.do(t, chromedp.SendKeys("", "Late Comer", byAX("textbox", "name", false)))
	b.clickJoin(t)
	// The room refuses a guest once its connection is up (Room.Join after
	// ICE): on a busy runner that took over 20 s twice in full runs.
	b.waitText(t, "#alert", "the room is full", 45*time.Second)
	b.screenshot(t, "join-room-full.png")
	if s := b.eval(t, `parleyTest.state()`); s != "idle" {
		t.Errorf("after the refusal the page is %v, want idle (Join again)", s)
	}
}

// TestBrowserSpectatorBanner: in a room whose quota (1) the phone fills,
// the browser guest joins as a listener and the page shows the banner.
func TestBrowserSpectatorBanner(t *testing.T) {
	srv := startParley(t, browserConfig)
	phoneWAV := toneFile(t, "phone.wav", 8000, 440, toneAmplitude, 30)
	browserWAV := toneFile(t, "browser.wav", 48000, 1000, toneAmplitude, 30)
	link := createLink(t, srv, "1002")
	ph := newPhone(t, "phone", phoneWAV, "PCMU/8000/1", 41780)
	ph.dial(t, "sip:1002@"+srv.sipUDP, 15)
	srv.waitLog(t, "call joined", 1, 10*time.Second)

	b := newBrowser(t, browserWAV)
	b.do(t, chromedp.Navigate(link.url(srv)))
	b.do(t, chromedp.SendKeys("", "Listener", byAX("textbox", "name", false)))
	b.clickJoin(t)
	b.waitState(t, "joined", 20*time.Second)
	b.waitText(t, "#banner", "you are joining as a listener", 10*time.Second)
	b.screenshot(t, "join-spectator.png")
}

// link is a link as the API returns it.
type link struct {
	ID    string `json:"id"`
	Token string `json:"token"`
}

func (l link) url(srv *server) string { return "http://" + srv.http + "/join/" + l.Token }

// createLink makes a group link for attendees to room.
func createLink(t *testing.T, srv *server, room string) link {
	t.Helper()
	var l link
	if code := srv.apiCall(t, "POST", "/api/v1/rooms/"+room+"/links",
		map[string]any{"kind": "group", "role": "attendee", "description": "E2E"}, &l); code != 201 || l.Token == "" {
		t.Fatalf("create link: status %d, %+v", code, l)
	}
	return l
}

// tone is what parleyTest's dominantFrequency returns.
type tone struct {
	Frequency float64 `json:"frequency"`
	Amplitude float64 `json:"amplitude"`
	RMS       float64 `json:"rms"`
}

// joinPage is a join page in any browser the tests drive (Chromium, Firefox).
type joinPage interface {
	eval(t *testing.T, expr string) any
	fail(t *testing.T, err error)
}

// pollTone waits until probe (parleyTest.local or .remote) of p hears
// freq (±10 Hz) as its dominant tone, and returns what it heard last.
func pollTone(t *testing.T, p joinPage, probe string, freq float64, within time.Duration) tone {
	t.Helper()
	deadline := time.Now().Add(within)
	var last tone
	for {
		raw, _ := json.Marshal(p.eval(t, fmt.Sprintf(`window.parleyTest && %s.dominantFrequency(100, 4000)`, probe)))
		_ = json.Unmarshal(raw, &last)
		if math.Abs(last.Frequency-freq) <= 10 && last.Amplitude > 0.01 {
			return last
		}
		if time.Now().After(deadline) {
			p.fail(t, fmt.Errorf("%s: dominant tone %.1f Hz (amplitude %.4f), want %v Hz", probe, last.Frequency, last.Amplitude, freq))
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// amplitude returns the amplitude of freq that probe of p hears.
func amplitude(t *testing.T, p joinPage, probe string, freq float64) float64 {
	t.Helper()
	v, _ := p.eval(t, fmt.Sprintf(`%s.amplitude(%v)`, probe, freq)).(float64)
	return v
}

// hearsAt waits until p hears freq from the room and returns it with
// its level in dB relative to toneAmplitude, the median of 5 readings
// 400 ms apart.
func hearsAt(t *testing.T, p joinPage, freq float64) (tone, float64) {
	t.Helper()
	heard := pollTone(t, p, "parleyTest.remote", freq, 8*time.Second)
	var amps []float64
	for range 5 {
		amps = append(amps, amplitude(t, p, "parleyTest.remote", freq))
		time.Sleep(400 * time.Millisecond)
	}
	sort.Float64s(amps)
	return heard, dB(amps[len(amps)/2] / toneAmplitude)
}
