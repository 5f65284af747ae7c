package e2e

import (
	"strings"
	"testing"
	"time"
)

const guestConfig = `
sip:
  listen: [udp://127.0.0.1:0, tcp://127.0.0.1:0]
  auth_algorithms: [MD5]
rtp:
  ports: 42000-42998
http:
  listen: 127.0.0.1:0
log:
  format: json
extensions:
  - {number: "2001", name: Owner, password: secret-owner-1}
  - {number: "2002", name: Member, password: secret-member-1}
rooms:
  - number: "1000"
    name: Hosted room
    owner: "2001"
    members: ["2002"]
    guest_wait: 3s
`

// TestGuestsAloneAreDropped: a guest (a caller who is neither the owner nor
// a member) alone in a hosted room hears a goodbye and is hung up after
// guest_wait.
func TestGuestsAloneAreDropped(t *testing.T) {
	t.Parallel()
	srv := startParley(t, guestConfig)
	wav := toneFile(t, "guest.wav", 8000, 440, 0.25, 20)
	guest := newPhone(t, "guest", wav, "PCMU/8000/1", 41300)
	start := time.Now()
	guest.dial(t, "sip:1000@"+srv.sipUDP, 15)
	srv.waitLog(t, "call joined", 1, 10*time.Second)
	if j := srv.logged("call joined")[0]; j["guest"] != true {
		t.Fatalf("the caller joined with guest=%v, want a guest", j["guest"])
	}
	srv.waitLog(t, "no host joined: guests dropped", 1, 10*time.Second)
	if d := time.Since(start); d < 3*time.Second {
		t.Errorf("guests dropped after %v, before guest_wait (3 s)", d)
	}
	srv.waitLog(t, "participant left", 1, 10*time.Second)
	guest.wait(t)
	x, rate, err := readWAV(guest.recording(t))
	if err != nil {
		t.Fatal(err)
	}
	if d := float64(len(x)) / float64(rate); d > 10 {
		t.Errorf("the guest's call lasted %.1f s: parley did not hang up (baresip would at 15 s)", d)
	}
	if !strings.Contains(guest.logText(), "terminated") {
		t.Error("baresip does not report its call terminated")
	}
}

// TestGuestStaysWhenAMemberJoins: the member (a registered extension) joins
// within guest_wait, so the guest's call goes on.
func TestGuestStaysWhenAMemberJoins(t *testing.T) {
	t.Parallel()
	srv := startParley(t, guestConfig)
	gw := toneFile(t, "guest.wav", 8000, 440, 0.25, 20)
	mw := toneFile(t, "member.wav", 8000, 1000, 0.25, 20)
	member := newPhoneAccount(t, "member", mw, "PCMU/8000/1", 41340,
		"<sip:2002@"+srv.sipUDP+">;auth_pass=secret-member-1;regint=300")
	member.start(t, 12)
	srv.waitLog(t, "registration added", 1, 10*time.Second)

	guest := newPhone(t, "guest", gw, "PCMU/8000/1", 41380)
	guest.dial(t, "sip:1000@"+srv.sipUDP, 9)
	srv.waitLog(t, "call joined", 1, 10*time.Second)
	if err := member.command(t, "/dial sip:1000@"+srv.sipUDP); err != nil {
		t.Fatal(err)
	}
	srv.waitLog(t, "call joined", 2, 10*time.Second)
	if j := srv.logged("call joined")[1]; j["guest"] != false {
		t.Errorf("the registered member joined with guest=%v, want false", j["guest"])
	}
	guest.wait(t)
	member.wait(t)
	if n := len(srv.logged("no host joined: guests dropped")); n != 0 {
		t.Error("the guest was dropped although a member joined in time")
	}
	x, rate, err := readWAV(guest.recording(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(x) < 8*rate {
		t.Fatalf("the guest's call lasted %.1f s, want the full 9 s", float64(len(x))/float64(rate))
	}
	if l := dB(newSpectrum(x[5*rate:8*rate], rate).amplitude(1000) / 0.25); l < -6 {
		t.Errorf("the guest hears the member's 1000 Hz at %+.1f dB", l)
	}
}
