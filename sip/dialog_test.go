package sip

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	gosip "github.com/emiago/sipgo/sip"
)

// t0 is the fake clock's start: the dialog's transitions take the time as
// an argument, so nothing here sleeps.
var t0 = time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)

// edited returns sdpOffer with each "old=>new" replacement applied once.
func edited(edits ...string) string {
	s := sdpOffer
	for _, e := range edits {
		old, repl, _ := strings.Cut(e, "=>")
		s = strings.Replace(s, old, repl, 1)
	}
	return s
}

// agreedDialog is the state of a call answered with sdpOffer at t0, whose
// o= session ID and first version are 7.
func agreedDialog(t *testing.T, timer *sessionTimer) *dialogState {
	t.Helper()
	neg, err := Negotiate([]byte(sdpOffer))
	if err != nil {
		t.Fatal(err)
	}
	d := newDialogState(netip.MustParseAddr("192.0.2.1"), 7, timer, t0)
	d.agree(neg, t0)
	return d
}

// TestDialogOfferAnswer drives one dialog through a sequence of offers in
// the dialog (re-INVITE or UPDATE, RFC 3264 §8): each answer has the next
// o= version (§8), hold is answered per §8.4 and stops what we send, a new
// address re-points the media, and a new codec or telephone-event payload
// type needs a new stream.
func TestDialogOfferAnswer(t *testing.T) {
	d := agreedDialog(t, nil)
	steps := []struct {
		name       string
		offer      string
		newStream  bool
		newRemote  bool
		answer     string // in the answer's SDP
		sending    bool   // our direction lets us send
		peerSends  bool   // our direction says the peer sends (the RTP timeout runs)
		remotePort uint16
	}{
		{"refresh with the same session", sdpOffer, false, false, "a=sendrecv", true, true, 49170},
		{"hold: sendonly", edited("\r\nm=audio=>\r\na=sendonly\r\nm=audio"), false, false, "a=recvonly", false, true, 49170},
		{"hold: inactive", edited("\r\nm=audio=>\r\na=inactive\r\nm=audio"), false, false, "a=inactive", false, false, 49170},
		{"hold: c=0.0.0.0 is no new address", edited("c=IN IP4 127.0.0.1=>c=IN IP4 0.0.0.0"), false, false, "a=inactive", false, false, 49170},
		{"resume: the address is back from 0.0.0.0", sdpOffer, false, true, "a=sendrecv", true, true, 49170},
		{"peer stops sending: recvonly", edited("\r\nm=audio=>\r\na=recvonly\r\nm=audio"), false, false, "a=sendonly", true, false, 49170},
		{"new remote port", edited("m=audio 49170=>m=audio 49180"), false, true, "a=sendrecv", true, true, 49180},
		{"codec change to PCMA", edited("m=audio 49170 RTP/AVP 0 101=>m=audio 49180 RTP/AVP 8 101", "rtpmap:0 PCMU=>rtpmap:8 PCMA"), true, false, "a=rtpmap:8 PCMA/8000", true, true, 49180},
		{"telephone-event moves to 96", edited("m=audio 49170 RTP/AVP 0 101=>m=audio 49180 RTP/AVP 8 96", "rtpmap:0 PCMU=>rtpmap:8 PCMA", "rtpmap:101=>rtpmap:96"), true, false, "a=rtpmap:96 telephone-event/8000", true, true, 49180},
		{"same again: nothing new", edited("m=audio 49170 RTP/AVP 0 101=>m=audio 49180 RTP/AVP 8 96", "rtpmap:0 PCMU=>rtpmap:8 PCMA", "rtpmap:101=>rtpmap:96"), false, false, "a=sendrecv", true, true, 49180},
	}
	for i, st := range steps {
		neg, err := Negotiate([]byte(st.offer))
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		newStream, newRemote := d.reoffer(neg)
		if newStream != st.newStream || newRemote != st.newRemote {
			t.Errorf("%s: reoffer = new stream %v, new remote %v; want %v, %v", st.name, newStream, newRemote, st.newStream, st.newRemote)
		}
		now := t0.Add(time.Duration(i+1) * time.Second)
		body, err := d.answer(neg, 20000, 0, now)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		version := "o=parley 7 " + itoa(8+i) + " "
		if !strings.Contains(string(body), st.answer) || !strings.Contains(string(body), version) {
			t.Errorf("%s: answer\n%s\nwant %q and %q", st.name, body, st.answer, version)
		}
		if d.sending() != st.sending {
			t.Errorf("%s: sending %v, want %v", st.name, d.sending(), st.sending)
		}
		// The RTP timeout runs only while the peer sends, counted from the
		// last change of direction.
		if got := d.rtpTimedOut(now.Add(time.Hour), t0, t0, time.Minute); got != st.peerSends {
			t.Errorf("%s: RTP timeout after an hour of silence %v, want %v", st.name, got, st.peerSends)
		}
		if d.neg.Remote.Port() != st.remotePort {
			t.Errorf("%s: agreed remote %v, want port %d", st.name, d.neg.Remote, st.remotePort)
		}
	}
}

// TestDialogOfferWithoutSDP: a re-INVITE without SDP gets the agreed
// session as our offer, with the next o= version (RFC 3261 §14.2); before
// anything is agreed there is none to give.
func TestDialogOfferWithoutSDP(t *testing.T) {
	fresh := newDialogState(netip.MustParseAddr("192.0.2.1"), 7, nil, t0)
	if _, err := fresh.offer(20000, 0); err == nil {
		t.Error("an offer before any session was agreed")
	}
	d := agreedDialog(t, nil)
	for _, version := range []string{"8", "9"} {
		body, err := d.offer(20000, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"o=parley 7 " + version + " IN IP4 192.0.2.1", "m=audio 20000 RTP/AVP 0 101", "a=sendrecv"} {
			if !strings.Contains(string(body), want) {
				t.Errorf("offer\n%s\nwant %q", body, want)
			}
		}
	}
}

// TestDialogVideoDropped: a re-INVITE that drops the video stream (port 0)
// of a room system's call is answered with the video refused in its place
// (RFC 3264 §8.2), the audio unchanged.
func TestDialogVideoDropped(t *testing.T) {
	video := "m=video 5002 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1\r\n"
	first, err := Negotiate([]byte(sdpOffer + video))
	if err != nil || first.Video == nil {
		t.Fatalf("video offer: %v %+v", err, first)
	}
	d := newDialogState(netip.MustParseAddr("192.0.2.1"), 7, nil, t0)
	body, err := d.answer(first, 20000, 20002, t0)
	if err != nil || !strings.Contains(string(body), "m=video 20002 ") {
		t.Fatalf("first answer %v\n%s", err, body)
	}
	dropped, err := Negotiate([]byte(sdpOffer + strings.Replace(video, "m=video 5002", "m=video 0", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if dropped.Video != nil {
		t.Fatalf("a video stream with port 0 was negotiated: %+v", dropped.Video)
	}
	if newStream, newRemote := d.reoffer(dropped); newStream || newRemote {
		t.Errorf("dropping video changed the audio: new stream %v, new remote %v", newStream, newRemote)
	}
	body, err = d.answer(dropped, 20000, 20002, t0.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"m=audio 20000 ", "m=video 0 ", "a=sendrecv"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("answer\n%s\nwant %q", body, want)
		}
	}
}

// TestDialogGlare: one offer/answer exchange at a time (RFC 3261 §14.1):
// a second is refused with 491 while one is in progress, and any is
// refused with 481 once a BYE has ended the dialog, even one that began
// before and wants to put new media in place (BYE during a re-INVITE).
func TestDialogGlare(t *testing.T) {
	d := agreedDialog(t, nil)
	installed := 0
	install := func() { installed++ }
	steps := []struct {
		name      string
		do        func() error
		err       error
		installed int
	}{
		{"first offer", d.begin, nil, 0},
		{"second offer while the first is pending: glare", d.begin, errGlare, 0},
		{"first exchange puts new media in place", func() error { d.install(install); return nil }, nil, 1},
		{"first completes", func() error { d.finish(); return nil }, nil, 1},
		{"an offer after the first completed", d.begin, nil, 1},
		{"BYE during it", func() error {
			if !d.end() {
				return errors.New("end was not the first")
			}
			return nil
		}, nil, 1},
		{"its new media comes too late", func() error {
			if d.install(install) {
				return errors.New("installed after the end")
			}
			return nil
		}, nil, 1},
		{"it completes", func() error { d.finish(); return nil }, nil, 1},
		{"an offer after the BYE", d.begin, errDialogEnded, 1},
	}
	for _, st := range steps {
		if err := st.do(); !errors.Is(err, st.err) {
			t.Fatalf("%s: err %v, want %v", st.name, err, st.err)
		}
		if installed != st.installed {
			t.Fatalf("%s: media installed %d times, want %d", st.name, installed, st.installed)
		}
	}
	for err, want := range map[error]int{errGlare: gosip.StatusRequestPending, errDialogEnded: gosip.StatusCallTransactionDoesNotExists} {
		if code, _ := statusOf(err); code != want {
			t.Errorf("statusOf(%v) = %d, want %d", err, code, want)
		}
	}
}

// TestDialogEndAndHangup: the call ends once, whoever ends it, and Done
// closes then; we send one BYE at most, even after the peer's.
func TestDialogEndAndHangup(t *testing.T) {
	d := agreedDialog(t, nil)
	select {
	case <-d.Done():
		t.Fatal("done before the end")
	default:
	}
	if !d.end() || d.end() {
		t.Error("end is not true exactly once")
	}
	select {
	case <-d.Done():
	default:
		t.Fatal("not done after the end")
	}
	if !d.hangup() || d.hangup() {
		t.Error("hangup is not true exactly once")
	}
}

// TestDialogLateOffer: an INVITE without SDP is answered with our offer,
// and the answer comes in the ACK (RFC 3261 §13.2.1, RFC 3264 §5); an ACK
// without a usable answer fails the call.
func TestDialogLateOffer(t *testing.T) {
	tests := []struct {
		name    string
		ack     string
		ok      bool
		sending bool
	}{
		{"answer in the ACK", sdpOffer, true, true},
		{"answer puts us on hold", edited("\r\nm=audio=>\r\na=sendonly\r\nm=audio"), true, false},
		{"ACK without SDP", "", false, false},
		{"ACK with a bad answer", "v=0\r\n", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDialogState(netip.MustParseAddr("192.0.2.1"), 7, nil, t0)
			if _, err := d.offer(20000, 0); err == nil {
				t.Fatal("a session before the answer")
			}
			d.acked([]byte(tt.ack))
			neg, err := d.lateAnswer(DefaultCodecs())
			if (err == nil) != tt.ok {
				t.Fatalf("lateAnswer err %v, want ok %v", err, tt.ok)
			}
			if !tt.ok {
				return
			}
			d.agree(neg, t0)
			if d.sending() != tt.sending {
				t.Errorf("sending %v, want %v", d.sending(), tt.sending)
			}
			if _, err := d.offer(20000, 0); err != nil {
				t.Errorf("no session after the answer: %v", err)
			}
		})
	}
}

// TestDialogSessionTimer runs the RFC 4028 §10 session timer on a fake
// clock: the refresher refreshes every half interval; the other side ends
// the call when no refresh came for the interval less min(32 s, a third),
// counted from the last refresh.
func TestDialogSessionTimer(t *testing.T) {
	type step struct {
		at      time.Duration // on the fake clock, from t0
		refresh bool          // the peer refreshes at this time, else the timer fires
		want    sessionEvent
		next    time.Duration // then the next deadline is this far from at; 0: none
	}
	tests := []struct {
		name  string
		timer *sessionTimer
		first time.Duration // until the first deadline; 0: no timer
		steps []step
	}{
		{"no timer", nil, 0, []step{{at: time.Hour, want: sessionWait}}},
		{"we refresh every 45 s of 90", &sessionTimer{interval: 90 * time.Second, weRefresh: true}, 45 * time.Second, []step{
			{at: 44 * time.Second, want: sessionWait, next: time.Second},
			{at: 45 * time.Second, want: sessionRefresh, next: 45 * time.Second},
			{at: 60 * time.Second, refresh: true, next: 30 * time.Second}, // the peer's refresh moves nothing of ours
			{at: 90 * time.Second, want: sessionRefresh, next: 45 * time.Second},
		}},
		{"the peer refreshes within 60 s of 90", &sessionTimer{interval: 90 * time.Second}, 60 * time.Second, []step{
			{at: 50 * time.Second, refresh: true, next: 60 * time.Second},
			{at: 60 * time.Second, want: sessionWait, next: 50 * time.Second}, // the old deadline: re-armed
			{at: 109 * time.Second, want: sessionWait, next: time.Second},
			{at: 110 * time.Second, want: sessionExpired},
			{at: 111 * time.Second, want: sessionWait}, // expired once, then stopped
		}},
		{"a long interval expires 32 s early", &sessionTimer{interval: 1800 * time.Second}, 1768 * time.Second, []step{
			{at: 1767 * time.Second, want: sessionWait, next: time.Second},
			{at: 1768 * time.Second, want: sessionExpired},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := agreedDialog(t, tt.timer)
			d.refreshed(t0) // before the timer starts: nothing
			if _, ok := d.untilDue(t0); ok {
				t.Fatal("a deadline before the timer started")
			}
			first, ok := d.startTimer(t0)
			if ok != (tt.first > 0) || first != tt.first {
				t.Fatalf("first deadline in %v (%v), want %v", first, ok, tt.first)
			}
			for _, st := range tt.steps {
				now := t0.Add(st.at)
				if st.refresh {
					d.refreshed(now)
				} else if got := d.sessionDue(now); got != st.want {
					t.Fatalf("at %v: %v, want %v", st.at, got, st.want)
				}
				next, ok := d.untilDue(now)
				if ok != (st.next > 0) || next != st.next {
					t.Fatalf("at %v: next deadline in %v (%v), want %v", st.at, next, ok, st.next)
				}
			}
		})
	}
}

// TestDialogRTPTimeout: no RTP for the timeout ends the call, but not while
// the peer is on hold (it need not send) nor before the timeout has passed
// since it resumed or since the call started.
func TestDialogRTPTimeout(t *testing.T) {
	const timeout = 10 * time.Second
	tests := []struct {
		name      string
		dir       Direction
		directed  time.Duration // when the direction was set, from t0
		lastRTP   time.Duration // from t0
		now       time.Duration
		timeout   time.Duration
		timedOuts bool
	}{
		{"silent for the timeout", SendRecv, 0, 5 * time.Second, 15 * time.Second, timeout, true},
		{"just under", SendRecv, 0, 5 * time.Second, 15*time.Second - time.Millisecond, timeout, false},
		{"no timeout set", SendRecv, 0, 0, time.Hour, 0, false},
		{"peer held: inactive", Inactive, 0, 0, time.Hour, timeout, false},
		{"we are recvonly: the peer sends", RecvOnly, 0, 0, time.Hour, timeout, true},
		{"peer held: sendonly", SendOnly, 0, 0, time.Hour, timeout, false},
		{"resumed recently", SendRecv, 55 * time.Second, 0, time.Minute, timeout, false},
		{"resumed long ago", SendRecv, 40 * time.Second, 0, time.Minute, timeout, true},
		{"RTP before the call started counts from the start", SendRecv, 0, -time.Hour, 9 * time.Second, timeout, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDialogState(netip.MustParseAddr("192.0.2.1"), 7, nil, t0)
			d.agree(&Negotiation{Direction: tt.dir}, t0.Add(tt.directed))
			if got := d.rtpTimedOut(t0.Add(tt.now), t0, t0.Add(tt.lastRTP), tt.timeout); got != tt.timedOuts {
				t.Errorf("timed out %v, want %v", got, tt.timedOuts)
			}
		})
	}
}
