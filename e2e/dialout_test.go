package e2e

import (
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const dialConfig = `
sip:
  listen: [udp://127.0.0.1:0, tcp://127.0.0.1:0]
  domain: 127.0.0.1
  auth_algorithms: [MD5]   # baresip 1.0 fails when offered two challenges
rtp:
  ports: 42000-42998
http:
  listen: 127.0.0.1:0
log:
  format: json
admin_tokens: ["` + adminToken + `"]
extensions:
  - {number: "2001", name: Alice, password: secret-alice-1}
rooms:
  - number: "1000"
    name: Weekly sync
    caller_id: "+441632960100"
`

// TestDialRegisteredExtension: baresip registers as extension 2001 with its
// password; Parley dials 2001 into room 1000 through the REST API; baresip
// answers by itself and is listed under the extension's name. The INVITE
// must carry the room's caller ID in From and P-Asserted-Identity, and a
// tone from another phone in the room must reach 2001's recording.
func TestDialRegisteredExtension(t *testing.T) {
	t.Parallel()
	srv := startParley(t, dialConfig)
	dir := t.TempDir()
	quiet := filepath.Join(dir, "quiet.wav")
	tone := filepath.Join(dir, "tone440.wav")
	if err := writeTone(quiet, 8000, 0, 0, 30); err != nil {
		t.Fatal(err)
	}
	if err := writeTone(tone, 8000, 440, 0.25, 30); err != nil {
		t.Fatal(err)
	}
	alice := newPhoneAccount(t, "alice", quiet, "PCMU/8000/1", 41100,
		"<sip:2001@"+srv.sipUDP+">;auth_pass=secret-alice-1;regint=300;answermode=auto")
	alice.start(t, 16)
	srv.waitLog(t, "registration added", 1, 10*time.Second)

	bob := newPhone(t, "bob", tone, "PCMA/8000/1", 41140)
	bob.dial(t, "sip:1000@"+srv.sipUDP, 14)
	srv.waitLog(t, "call joined", 1, 10*time.Second)

	id := srv.dial(t, "1000", "2001", map[string]any{"role": "moderator"})
	if d := srv.waitDial(t, "1000", id, 15*time.Second); d.Status != "answered" || d.Role != "moderator" || d.Name != "Alice" {
		t.Fatalf("dial 2001: %+v, want answered as moderator and named Alice, the extension's name", d)
	}
	alice.wait(t)
	bob.wait(t)

	trace := alice.logText()
	for _, want := range []string{"From: \"Weekly sync\" <sip:+441632960100@", "P-Asserted-Identity: <sip:+441632960100@"} {
		if !strings.Contains(trace, want) {
			t.Errorf("the INVITE baresip received lacks %q", want)
		}
	}
	x, rate, err := readWAV(alice.recording(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(x) < 6*rate {
		t.Fatalf("recording is %.1f s, want at least 6 s", float64(len(x))/float64(rate))
	}
	spec := newSpectrum(x[3*rate:6*rate], rate)
	peaks := spec.peaks(100, 3900)
	level := dB(spec.amplitude(440) / 0.25)
	t.Logf("2001 hears %s; 440 Hz at %+.1f dB", fmtPeaks(peaks[:min(3, len(peaks))]), level)
	if len(peaks) == 0 || math.Abs(peaks[0].freq-440) > 10 || math.Abs(level) > 6 {
		t.Errorf("2001 does not hear bob's 440 Hz tone at the sent level")
	}
}
