package e2e

import (
	"fmt"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// g722Config is a room whose phones and guests may use any default codec.
const g722Config = `
sip:
  listen: [udp://127.0.0.1:0]
  domain: 127.0.0.1
rtp:
  ports: 44000-44998
http:
  listen: 127.0.0.1:0
log:
  format: json
  level: info
admin_tokens: ["` + adminToken + `"]
rooms:
  - number: "1000"
    name: HD room
    guest_access: true
`

// g722Codec is how baresip's account names G.722 (its codec's sample
// rate, not the RTP clock of the SDP).
const g722Codec = "G722/16000/1"

// answeredCodecs returns the codec of every "call answered" log line.
func answeredCodecs(srv *server) []string {
	var out []string
	for _, rec := range srv.logged("call answered") {
		out = append(out, fmt.Sprint(rec["codec"]))
	}
	return out
}

// listen measures a phone's recording from 3 s in to 1 s before its end;
// the recording must be at minRate Hz or more.
func listen(t *testing.T, p *phone, minRate int) *spectrum {
	t.Helper()
	x, rate, err := readWAV(p.recording(t))
	if err != nil {
		t.Fatal(err)
	}
	if rate < minRate {
		t.Fatalf("%s recorded at %d Hz, want at least %d", p.name, rate, minRate)
	}
	if len(x) < 8*rate {
		t.Fatalf("%s: recording is %.1f s long, want at least 8 s; log:\n%s", p.name, float64(len(x))/float64(rate), p.logText())
	}
	return newSpectrum(x[3*rate:len(x)-rate], rate)
}

// TestTwoG722PhonesHearEachOther: two desk phones in G.722 share a 16 kHz
// room, so each hears the other's tone above the 4 kHz of narrowband
// telephony at the level it was sent, and not its own.
func TestTwoG722PhonesHearEachOther(t *testing.T) {
	srv := startParley(t, g722Config)
	phones := []struct {
		name string
		freq float64
	}{{"alice", 5000}, {"bob", 6500}}
	peers := make([]*phone, len(phones))
	for i, ph := range phones {
		wav := toneFile(t, ph.name+".wav", 16000, ph.freq, toneAmplitude, 30)
		peers[i] = newPhone(t, ph.name, wav, g722Codec, 43100+40*i)
		peers[i].dial(t, "sip:1000@"+srv.sipUDP, 12)
	}
	for _, p := range peers {
		p.wait(t)
	}
	if codecs := answeredCodecs(srv); len(codecs) != 2 || codecs[0] != "G722/8000" || codecs[1] != "G722/8000" {
		srv.dumpLogs(t)
		t.Fatalf("parley answered with codecs %v, want G722/8000 twice", codecs)
	}
	for i, ph := range phones {
		other := phones[1-i]
		t.Run(ph.name, func(t *testing.T) {
			spec := listen(t, peers[i], 16000)
			peaks := spec.peaks(100, 7800)
			if len(peaks) == 0 || !nearAny(other.freq, peaks[:1], 10) {
				t.Errorf("dominant tone %v, want the other phone's %v Hz", fmtPeaks(peaks[:min(3, len(peaks))]), other.freq)
			}
			level := dB(spec.amplitude(other.freq) / toneAmplitude)
			t.Logf("hears %v Hz at %+.1f dB relative to what was sent", other.freq, level)
			if math.Abs(level) > 6 {
				t.Errorf("%v Hz arrives at %+.1f dB, want within 6 dB of the sent level", other.freq, level)
			}
			if own := dB(spec.amplitude(ph.freq) / spec.amplitude(other.freq)); own > -30 {
				t.Errorf("hears its own %v Hz at %.1f dB relative to the other's", ph.freq, own)
			}
		})
	}
}

// TestG722PhoneG711PhoneAndBrowser: a browser guest whose microphone says
// 1000 Hz and 6000 Hz together is in a room with a G.722 phone and a PCMU
// phone. The G.722 phone's mix is wideband, so it hears the 6000 Hz (which
// no 8 kHz path can carry) at the level sent, and the 1000 Hz; the PCMU
// phone, fed its own 8 kHz encode, hears the 1000 Hz at the level sent and
// no alias of the 6000 Hz (at 2000 Hz). Each phone also says a tone of its
// own (300 and 500 Hz) so that each hears the other: both are checked.
func TestG722PhoneG711PhoneAndBrowser(t *testing.T) {
	srv := startParley(t, g722Config)
	const amp = 0.15 // two tones summed stay below −10 dBFS peak
	browserWAV := filepath.Join(t.TempDir(), "browser.wav")
	if err := writeTones(browserWAV, 48000, amp, 60, 1000, 6000); err != nil {
		t.Fatal(err)
	}
	link := createLink(t, srv, "1000")
	b := newBrowser(t, browserWAV)
	b.do(t, chromedp.Navigate(link.url(srv)+"?raw=1"))
	pollTone(t, b, "parleyTest.local", 1000, 10*time.Second)
	b.do(t, chromedp.SendKeys("", "Ada Lovelace", byAX("textbox", "name", false)))
	b.clickJoin(t)
	b.waitState(t, "joined", 20*time.Second)

	hd := newPhone(t, "hd", toneFile(t, "hd.wav", 16000, 300, toneAmplitude, 30), g722Codec, 43200)
	nb := newPhone(t, "nb", toneFile(t, "nb.wav", 8000, 500, toneAmplitude, 30), "PCMU/8000/1", 43240)
	hd.dial(t, "sip:1000@"+srv.sipUDP, 12)
	nb.dial(t, "sip:1000@"+srv.sipUDP, 12)
	hd.wait(t)
	nb.wait(t)
	if codecs := answeredCodecs(srv); len(codecs) != 2 {
		srv.dumpLogs(t)
		t.Fatalf("parley answered %d calls (%v), want 2", len(codecs), codecs)
	}
	want := map[string]bool{"G722/8000": true, "PCMU/8000": true}
	for _, c := range answeredCodecs(srv) {
		if !want[c] {
			t.Errorf("a call was answered with %s, want G722/8000 and PCMU/8000", c)
		}
		delete(want, c)
	}

	t.Run("G.722 phone", func(t *testing.T) {
		spec := listen(t, hd, 16000)
		for _, f := range []float64{6000, 1000} {
			level := dB(spec.amplitude(f) / amp)
			t.Logf("hears the browser's %v Hz at %+.1f dB relative to what was sent", f, level)
			if math.Abs(level) > 6 {
				t.Errorf("the browser's %v Hz arrives at %+.1f dB, want within 6 dB", f, level)
			}
		}
		if level := dB(spec.amplitude(500) / toneAmplitude); math.Abs(level) > 6 {
			t.Errorf("the PCMU phone's 500 Hz arrives at %+.1f dB, want within 6 dB", level)
		}
	})
	t.Run("G.711 phone", func(t *testing.T) {
		spec := listen(t, nb, 8000)
		level := dB(spec.amplitude(1000) / amp)
		t.Logf("hears the browser's 1000 Hz at %+.1f dB relative to what was sent", level)
		if math.Abs(level) > 6 {
			t.Errorf("the browser's 1000 Hz arrives at %+.1f dB, want within 6 dB", level)
		}
		if alias := dB(spec.amplitude(2000) / spec.amplitude(1000)); alias > -30 {
			t.Errorf("an alias of 6000 Hz at 2000 Hz is %.1f dB relative to 1000 Hz, want below −30 dB", alias)
		}
		if level := dB(spec.amplitude(300) / toneAmplitude); math.Abs(level) > 6 {
			t.Errorf("the G.722 phone's 300 Hz arrives at %+.1f dB, want within 6 dB", level)
		}
	})
}
