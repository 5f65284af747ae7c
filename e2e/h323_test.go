package e2e

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

// h323Config has Parley take H.323 on loopback, with an open room 1000
// and room 2000 behind PIN 4321.
const h323Config = `
sip:
  listen: [udp://127.0.0.1:0]
  domain: 127.0.0.1
rtp:
  ports: 49000-49398
http:
  listen: 127.0.0.1:0
log:
  format: json
admin_tokens: ["` + adminToken + `"]
rooms:
  - number: "1000"
    name: Weekly sync
  - number: "2000"
    name: Board
    pin: "4321"
`

// h323Modes are the ways the H323Plus peer negotiates media and carries
// H.245: Fast Connect with H.245 tunnelled in H.225.0, Fast Connect with
// H.245 on its own TCP connection (-T), slow start (no -f: TCS, MSD and
// OpenLogicalChannel over tunnelled H.245, or with -T on their own
// connection), and Fast Connect with A-law disabled, so that µ-law is
// what both sides take.
var h323Modes = []struct {
	name  string
	opts  h323PeerOptions
	codec string // what Parley's "call media" line says
}{
	{"fast start, tunnelled", h323PeerOptions{}, "PCMA/8000"},
	{"fast start, separate h245", h323PeerOptions{separateH245: true}, "PCMA/8000"},
	{"slow start", h323PeerOptions{slowStart: true}, "PCMA/8000"},
	{"slow start, separate h245", h323PeerOptions{slowStart: true, separateH245: true}, "PCMA/8000"},
	{"fast start, µ-law only", h323PeerOptions{extra: []string{"-D", "G.711-ALaw-64k"}}, "PCMU/8000"},
}

// checkCodec asserts that Parley's H.323 call took the mode's codec.
func checkCodec(t *testing.T, srv *server, codec string) {
	t.Helper()
	if m := srv.logged("call media"); len(m) != 1 || m[0]["codec"] != codec {
		t.Errorf("call media %v, want one in %s", m, codec)
	}
}

// h323Phone starts a baresip phone that calls room with a 440 Hz tone for
// seconds; it returns once Parley has the phone in the room.
func h323Phone(t *testing.T, srv *server, room string, rtpMin, seconds int) *phone {
	t.Helper()
	tone := toneFile(t, "tone440.wav", 8000, 440, toneAmplitude, seconds+5)
	p := newPhone(t, "bob", tone, "PCMA/8000/1", rtpMin)
	p.dial(t, "sip:"+room+"@"+srv.sipUDP, seconds)
	srv.waitLog(t, "call joined", 1, 10*time.Second)
	return p
}

// checkTone asserts that the recording x holds freq at the level sent
// (within 6 dB) as its strongest tone between from and to seconds.
func checkTone(t *testing.T, who string, x []float64, rate int, from, to, freq float64) {
	t.Helper()
	p, level := peerToneHeard(t, who, x, rate, from, to, freq, toneAmplitude)
	if math.Abs(p.freq-freq) > 10 || math.Abs(level) > 6 {
		t.Errorf("%s does not hear %.0f Hz at the level sent: strongest %.0f Hz, %.0f Hz at %+.1f dB", who, freq, p.freq, freq, level)
	}
}

// TestH323DialOut: a moderator calls the H323Plus room system out through
// the REST API as #h323:@127.0.0.1:PORT; it answers by itself. A baresip
// phone in the room hears its 1000 Hz tone, and it records the phone's
// 440 Hz, in each of the peer's media modes.
func TestH323DialOut(t *testing.T) {
	for i, mode := range h323Modes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel() // each mode has its own Parley, peer and phone ports
			srv := startParley(t, h323Config)
			defer func() {
				if t.Failed() {
					srv.dumpLogs(t)
				}
			}()
			o := mode.opts
			o.tone = 1000
			room := startH323Listener(t, o)
			bob := h323Phone(t, srv, "1000", 49500+40*i, 14)
			id := srv.dial(t, "1000", fmt.Sprintf("#h323:@127.0.0.1:%d", room.port), nil)
			if d := srv.waitDial(t, "1000", id, 15*time.Second); d.Status != "answered" {
				srv.dumpLogs(t)
				t.Fatalf("call out %+v\n%s", d, room.logText())
			}
			checkCodec(t, srv, mode.codec)
			bob.wait(t)
			x, rate, err := readWAV(bob.recording(t))
			if err != nil {
				t.Fatal(err)
			}
			// The room system joins a few seconds in; bob hangs up at 14 s.
			checkTone(t, "the phone", x, rate, 5, 12, 1000)
			srv.stop(t) // hangs up the room system: its recording is complete
			room.waitLog(t, "Call end reason", 10*time.Second)
			x, rate = room.recording(t)
			checkTone(t, "the room system", x, rate, 3, 9, 440)
		})
	}
}

// TestH323DialIn: the H323Plus endpoint calls room 1000 at Parley's H.323
// address and joins the mix: a baresip phone in the room hears its 1000 Hz
// tone and it records the phone's 440 Hz, in each of its media modes.
func TestH323DialIn(t *testing.T) {
	for i, mode := range h323Modes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel() // each mode has its own Parley, peer and phone ports
			srv := startParley(t, h323Config)
			bob := h323Phone(t, srv, "1000", 49700+40*i, 14)
			o := mode.opts
			o.alias, o.tone = "caller", 1000
			caller := startH323Caller(t, o, "1000@"+srv.h323, 9, false)
			if err := caller.wait(t, 30*time.Second); err != nil {
				srv.dumpLogs(t)
				t.Fatalf("the H.323 call did not connect: %v\n%s", err, caller.logText())
			}
			if joined := srv.logged("call joined"); len(joined) != 2 || joined[1]["room"] != "1000" {
				srv.dumpLogs(t)
				t.Fatalf("the H.323 caller did not join room 1000: %v", joined)
			}
			checkCodec(t, srv, mode.codec)
			bob.wait(t)
			x, rate, err := readWAV(bob.recording(t))
			if err != nil {
				t.Fatal(err)
			}
			checkTone(t, "the phone", x, rate, 4, 9, 1000)
			x, rate = caller.recording(t)
			// After the welcome prompt: the count of participants.
			checkTone(t, "the H.323 caller", x, rate, 4, 8, 440)
		})
	}
}

// TestH323DialInPIN: the H323Plus endpoint calls room 2000, which has a
// PIN, in slow start (so it knows Parley's capabilities and sends its
// digits as H.245 UserInputIndication); the PIN typed on its keypad
// (stdin) lets it in, and *6 then mutes it (the phone keys).
func TestH323DialInPIN(t *testing.T) {
	srv := startParley(t, h323Config)
	caller := startH323Caller(t, h323PeerOptions{alias: "caller", slowStart: true}, "2000@"+srv.h323, 30, true)
	srv.waitLog(t, "call media", 1, 15*time.Second)
	caller.sendLine(t, "4321#")
	srv.waitLog(t, "call joined", 1, 15*time.Second)
	joined := srv.logged("call joined")[0]
	if joined["room"] != "2000" {
		t.Errorf("joined %v, want room 2000", joined)
	}
	var viaH245 int
	for _, d := range srv.logged("dtmf received") {
		if d["via"] == "h245" {
			viaH245++
		}
	}
	if viaH245 != 5 {
		srv.dumpLogs(t)
		t.Errorf("%d digits came as UserInputIndication, want the 5 of 4321#", viaH245)
	}
	caller.sendLine(t, "*6")
	srv.waitLog(t, "participant muted", 1, 10*time.Second)
	if k := srv.logged("phone key"); len(k) != 1 || k[0]["action"] != "mute" {
		t.Errorf("phone keys %v, want one mute", k)
	}
	caller.sendLine(t, "H")
	srv.waitLog(t, "call ended", 1, 10*time.Second)
}

// TestH323DialInUnknownRoom: a call to a room that does not exist is
// released at once with cause 1 (unallocated number), and the endpoint
// says it never connected.
func TestH323DialInUnknownRoom(t *testing.T) {
	srv := startParley(t, h323Config)
	caller := startH323Caller(t, h323PeerOptions{alias: "caller"}, "9999@"+srv.h323, 5, false)
	if err := caller.wait(t, 20*time.Second); err == nil {
		t.Fatalf("the call to room 9999 connected\n%s", caller.logText())
	}
	if log := caller.logText(); !strings.Contains(log, "Q.931 cause: 1") {
		t.Errorf("the endpoint's log has no Q.931 cause 1:\n%s", log)
	}
	if r := srv.logged("call refused"); len(r) != 1 || r[0]["room"] != "9999" {
		t.Errorf("parley's refusals %v, want room 9999's", r)
	}
}
