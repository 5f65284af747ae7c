package sip

import (
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	gosip "github.com/emiago/sipgo/sip"

	"github.com/parleyhq/parley/media"
)

// roomVideo is a room system's H.264 video, added to sdpOffer.
const roomVideo = "m=video 5002 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1\r\n"

var (
	audioPortRE = regexp.MustCompile(`m=audio (\d+) `)
	versionRE   = regexp.MustCompile(`o=parley \d+ (\d+) `)
)

// sdpNumber is the number the first group of re matches in body, or -1.
func sdpNumber(re *regexp.Regexp, body []byte) int {
	m := re.FindSubmatch(body)
	if m == nil {
		return -1
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

// TestCallReinvite drives an answered call (a room system's, with video)
// through re-INVITEs and UPDATEs in memory, through the server's handlers:
// hold (sendonly, inactive) and resume, a codec change (new stream on a
// new port, the old one freed), an offerless re-INVITE (our session as the
// offer), video dropped, hold by UPDATE, a refresh, a refused offer that
// leaves the session as it was, and BYE. Every SDP of ours has the next o=
// version.
func TestCallReinvite(t *testing.T) {
	h := newHarness(t)
	c, release := h.establishCall(t, sdpOffer+roomVideo)
	defer release()
	ports := h.s.opts.Ports
	inUse := ports.InUse()
	sendonly := "\r\nm=audio=>\r\na=sendonly\r\nm=audio"
	pcma := []string{"m=audio 49170 RTP/AVP 0 101=>m=audio 9 RTP/AVP 8 101", "rtpmap:0 PCMU=>rtpmap:8 PCMA"}
	steps := []struct {
		name, method, body string
		code               int
		answer             []string // in our SDP
		sending            bool
		format             media.Format
		newPort            bool // our audio port changed
	}{
		{"hold: sendonly", "INVITE", edited(sendonly) + roomVideo, 200, []string{"a=recvonly", "m=video "}, false, media.PCMU, false},
		{"hold: inactive", "INVITE", edited("\r\nm=audio=>\r\na=inactive\r\nm=audio") + roomVideo, 200, []string{"a=inactive"}, false, media.PCMU, false},
		{"resume", "INVITE", sdpOffer + roomVideo, 200, []string{"a=sendrecv", "H264/90000"}, true, media.PCMU, false},
		{"codec change to PCMA", "INVITE", edited(pcma...) + roomVideo, 200, []string{"a=rtpmap:8 PCMA/8000", "a=sendrecv"}, true, media.PCMA, true},
		{"offerless re-INVITE gets our session", "INVITE", "", 200, []string{"a=rtpmap:8 PCMA/8000", "a=sendrecv"}, true, media.PCMA, false},
		{"video dropped", "INVITE", edited(pcma...) + strings.Replace(roomVideo, "m=video 5002", "m=video 0", 1), 200, []string{"m=video 0 ", "a=rtpmap:8 PCMA/8000"}, true, media.PCMA, false},
		{"hold by UPDATE", "UPDATE", edited(append(pcma, sendonly)...), 200, []string{"a=recvonly"}, false, media.PCMA, false},
		{"refresh by UPDATE without SDP", "UPDATE", "", 200, nil, false, media.PCMA, false},
		{"refused offer leaves the session", "INVITE", edited(append(pcma, "c=IN IP4 127.0.0.1=>c=IN IP4 232.1.1.1")...), 488, nil, false, media.PCMA, false},
		{"BYE", "BYE", "", 200, nil, false, media.PCMA, false},
		{"re-INVITE after the BYE", "INVITE", edited(pcma...), 481, nil, false, media.PCMA, false},
	}
	// Whether video flows both ways after the step: m=video 0 stops it
	// (RFC 3264 §8.2).
	videoFlows := map[string]bool{"resume": true, "offerless re-INVITE gets our session": true, "video dropped": false}
	port, version := c.media.Load().LocalPort(), 0
	for i, st := range steps {
		res := h.send(t, inDialog(st.method, st.body, i+2))
		if res.StatusCode != st.code {
			t.Fatalf("%s: %d %s, want %d", st.name, res.StatusCode, res.Reason, st.code)
		}
		body := res.Body()
		for _, want := range st.answer {
			if !strings.Contains(string(body), want) {
				t.Errorf("%s: answer\n%s\nwant %q", st.name, body, want)
			}
		}
		if len(body) > 0 {
			if v := sdpNumber(versionRE, body); version != 0 && v != version+1 {
				t.Errorf("%s: o= version %d after %d", st.name, v, version)
			} else {
				version = v
			}
			if p := sdpNumber(audioPortRE, body); (p != port) != st.newPort {
				t.Errorf("%s: our audio port %d after %d, want a new one %v", st.name, p, port, st.newPort)
			} else {
				port = p
			}
		}
		if c.dlg.sending() != st.sending {
			t.Errorf("%s: sending %v, want %v", st.name, c.dlg.sending(), st.sending)
		}
		if f := c.Format(); !f.Is(st.format) {
			t.Errorf("%s: media %v, want %v", st.name, f, st.format)
		}
		if n := ports.InUse(); n != inUse {
			t.Errorf("%s: %d ports in use, want %d", st.name, n, inUse)
		}
		if want, ok := videoFlows[st.name]; ok {
			v := c.video.Load()
			if got := v.sends.Load() && v.receives.Load(); got != want {
				t.Errorf("%s: video flows %v, want %v", st.name, got, want)
			}
		}
	}
	select {
	case <-c.Done():
	default:
		t.Error("the call did not end with the BYE")
	}
	if h.log.panics() != 0 {
		t.Errorf("a handler panicked:\n%s", h.log.lastPanic())
	}
}

// TestCallGlare: while our own refresh or re-INVITE is out, an offer from
// the peer gets 491 (RFC 3261 §14.2) and changes nothing; a refresh
// without an offer is still taken; once ours completes, offers are taken
// again.
func TestCallGlare(t *testing.T) {
	h := newHarness(t)
	c, release := h.establishCall(t, sdpOffer)
	defer release()
	hold := edited("\r\nm=audio=>\r\na=inactive\r\nm=audio")
	steps := []struct {
		name         string
		ours         bool // our exchange is in progress
		method, body string
		code         int
		sending      bool
	}{
		{"re-INVITE while ours is out", true, "INVITE", hold, 491, true},
		{"UPDATE with an offer while ours is out", true, "UPDATE", hold, 491, true},
		{"UPDATE refresh while ours is out", true, "UPDATE", "", 200, true},
		{"re-INVITE once ours is done", false, "INVITE", hold, 200, false},
	}
	for i, st := range steps {
		if st.ours {
			if err := c.dlg.begin(); err != nil {
				t.Fatalf("%s: our exchange refused: %v", st.name, err)
			}
		}
		res := h.send(t, inDialog(st.method, st.body, i+2))
		if st.ours {
			c.dlg.finish()
		}
		if res.StatusCode != st.code || c.dlg.sending() != st.sending {
			t.Errorf("%s: %d, sending %v; want %d, %v", st.name, res.StatusCode, c.dlg.sending(), st.code, st.sending)
		}
	}
}

// TestCallByeDuringReinvite: a BYE, and the call's release, racing a
// codec-changing re-INVITE never leave its new stream and port behind.
func TestCallByeDuringReinvite(t *testing.T) {
	h := newHarness(t)
	h.withClient(t) // for the BYE of a call, should the re-INVITE come after the release
	pcma := edited("m=audio 49170 RTP/AVP 0 101=>m=audio 9 RTP/AVP 8 101", "rtpmap:0 PCMU=>rtpmap:8 PCMA")
	for i := range 20 {
		inUse := h.s.opts.Ports.InUse()
		c, release := h.establishCall(t, sdpOffer)
		reinvite := parse(t, inDialog("INVITE", pcma, 2)).(*gosip.Request)
		started := make(chan struct{})
		var wg sync.WaitGroup
		var code int
		wg.Go(func() {
			close(started)
			if res := h.dispatch(reinvite).final(); res != nil {
				code = res.StatusCode
			}
		})
		wg.Go(func() {
			<-started
			h.send(t, inDialog("BYE", "", 3))
			release() // as the call's goroutine does once it sees the end
		})
		wg.Wait()
		switch code {
		case 200, 481, 500: // the re-INVITE first; the BYE first; the BYE's CSeq first (sipgo)
		default:
			t.Errorf("round %d: re-INVITE answered %d", i, code)
		}
		h.waitReleased(t, inUse) // a re-INVITE after the release gets 481 and opens nothing
		select {
		case <-c.Done():
		default:
			t.Fatalf("round %d: the call did not end", i)
		}
	}
}

// ackingTx is a fakeTx that ACKs a 2xx to its INVITE or re-INVITE as a
// caller would, with body (a late offer's answer, or none), through the
// server's ACK handler.
type ackingTx struct {
	fakeTx
	h    *harness
	t    testing.TB
	body string
}

func (tx *ackingTx) Respond(res *gosip.Response) error {
	tx.mu.Lock()
	tx.res = append(tx.res, res)
	tx.mu.Unlock()
	if res.IsSuccess() && tx.req.IsInvite() {
		ack := request("ACK", tx.body, "CSeq: "+itoa(int(tx.req.CSeq().SeqNo))+" ACK",
			"Call-ID: "+tx.req.CallID().Value(), "To: "+res.To().Value())
		go tx.h.dispatch(parse(tx.t, ack).(*gosip.Request))
	}
	return nil
}

// sendAcked sends raw, an INVITE, through the server's INVITE handler and
// ACKs a 2xx with ackBody. It returns the final response.
func (h *harness) sendAcked(t *testing.T, raw, ackBody string) *gosip.Response {
	t.Helper()
	req := parse(t, raw).(*gosip.Request)
	req.SetSource("127.0.0.1:5062")
	req.SetTransport("UDP")
	tx := &ackingTx{fakeTx: fakeTx{req: req}, h: h, t: t, body: ackBody}
	h.routes[gosip.INVITE](req, tx)
	return tx.final()
}

// withClient gives the server a SIP client, for the BYE of a call it
// ends (sent to 127.0.0.1:5062, where no one answers).
func (h *harness) withClient(t *testing.T) {
	t.Helper()
	ua, err := sipgo.NewUA()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ua.Close() })
	if h.s.client, err = sipgo.NewClient(ua); err != nil {
		t.Fatal(err)
	}
}

// answerCall sends raw, an INVITE to room 1000, and ACKs the 2xx with
// ackBody. It returns the final response and the call, if one was
// answered.
func (h *harness) answerCall(t *testing.T, raw, ackBody string) (*gosip.Response, *call) {
	t.Helper()
	h.withClient(t)
	res := h.sendAcked(t, raw, ackBody)
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	for _, c := range h.s.calls {
		return res, c
	}
	return res, nil
}

// waitReleased waits until the server has released every call and its
// ports are back to inUse.
func (h *harness) waitReleased(t *testing.T, inUse int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		h.s.mu.Lock()
		n := len(h.s.calls)
		h.s.mu.Unlock()
		if n == 0 && h.s.opts.Ports.InUse() == inUse {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d calls and %d ports left, want none and %d", n, h.s.opts.Ports.InUse(), inUse)
		}
	}
}

// TestCallLateOffer: an INVITE without SDP is answered with our offer and
// the answer comes in the ACK (RFC 3261 §13.2.1); the call then runs in
// its room until the BYE. An ACK without an answer ends the call at once.
// Either way the call and its ports are released.
func TestCallLateOffer(t *testing.T) {
	answer := strings.Replace(sdpOffer, "m=audio 49170", "m=audio 9", 1)
	tests := []struct {
		name     string
		ack      string
		answered bool
		sending  bool
	}{
		{"answer in the ACK", answer, true, true},
		{"answer puts us on hold", edited("m=audio 49170=>m=audio 9", "\r\nm=audio=>\r\na=sendonly\r\nm=audio"), true, false},
		{"ACK without SDP", "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			inUse := h.s.opts.Ports.InUse()
			res, c := h.answerCall(t, request("INVITE", ""), tt.ack)
			if res == nil || res.StatusCode != 200 || !strings.Contains(string(res.Body()), "m=audio ") {
				t.Fatalf("INVITE without SDP answered %v, want 200 with our offer", res)
			}
			if !tt.answered {
				h.waitReleased(t, inUse)
				if !strings.Contains(h.log.String(), "no sdp answer in ack") {
					t.Errorf("no failure logged:\n%s", h.log)
				}
				return
			}
			if c == nil {
				t.Fatal("no call after the ACK")
			}
			if !c.Format().Is(media.PCMU) || c.dlg.sending() != tt.sending {
				t.Errorf("call in %v, sending %v; want PCMU, %v", c.Format(), c.dlg.sending(), tt.sending)
			}
			bye := request("BYE", "", "CSeq: 2 BYE", "Call-ID: validate-INVITE@127.0.0.1", "To: "+res.To().Value())
			if res := h.send(t, bye); res.StatusCode != 200 {
				t.Fatalf("BYE answered %d", res.StatusCode)
			}
			h.waitReleased(t, inUse)
		})
	}
}

// TestCallSessionTimer: a call in with a session timer (RFC 4028) states
// it in its 2xx and in the 2xx of every refresh, and each refresh by the
// peer, by re-INVITE or UPDATE, puts the expiry a full period away again.
// (The expiry itself is TestDialogSessionTimer's, on a fake clock.)
func TestCallSessionTimer(t *testing.T) {
	h := newHarness(t)
	inUse := h.s.opts.Ports.InUse()
	answer := strings.Replace(sdpOffer, "m=audio 49170", "m=audio 9", 1)
	res, c := h.answerCall(t, request("INVITE", answer, "Session-Expires: 90;refresher=uac", "Supported: timer"), "")
	if res == nil || res.StatusCode != 200 || c == nil {
		t.Fatalf("INVITE answered %v", res)
	}
	defer func() {
		h.send(t, request("BYE", "", "CSeq: 9 BYE", "Call-ID: validate-INVITE@127.0.0.1", "To: "+res.To().Value()))
		h.waitReleased(t, inUse)
	}()
	headers := func(res *gosip.Response) string {
		var b strings.Builder
		for _, name := range []string{"Session-Expires", "Require"} {
			if v := res.GetHeader(name); v != nil {
				b.WriteString(name + ": " + v.Value() + "\n")
			}
		}
		return b.String()
	}
	want := "Session-Expires: 90;refresher=uac\nRequire: timer\n"
	if got := headers(res); got != want {
		t.Errorf("2xx timer headers\n%swant\n%s", got, want)
	}
	expiry := 60 * time.Second // 90 s less min(32 s, 30 s)
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if _, ok := c.dlg.untilDue(time.Now()); ok {
			break // the call's goroutine has started the timer
		}
		if time.Now().After(deadline) {
			t.Fatal("the session timer did not start")
		}
	}
	to := "To: " + res.To().Value()
	for i, send := range []func() *gosip.Response{
		func() *gosip.Response {
			return h.sendAcked(t, request("INVITE", answer, "CSeq: 2 INVITE", "Call-ID: validate-INVITE@127.0.0.1", to), "")
		},
		func() *gosip.Response {
			return h.send(t, request("UPDATE", "", "CSeq: 3 UPDATE", "Call-ID: validate-INVITE@127.0.0.1", to))
		},
	} {
		time.Sleep(300 * time.Millisecond)
		if left, _ := c.dlg.untilDue(time.Now()); left > expiry-250*time.Millisecond {
			t.Fatalf("refresh %d: expiry in %v before it, want less than %v", i, left, expiry-250*time.Millisecond)
		}
		res := send()
		if res.StatusCode != 200 || headers(res) != "Session-Expires: 90;refresher=uac\nRequire: timer\n" {
			t.Errorf("refresh %d: %d with\n%s", i, res.StatusCode, headers(res))
		}
		if left, _ := c.dlg.untilDue(time.Now()); left < expiry-100*time.Millisecond {
			t.Errorf("refresh %d: expiry in %v after it, want %v", i, left, expiry)
		}
	}
}

// TestReinviteAfterEnd: a re-INVITE of a dialog that has ended, or of one
// that never was, gets 481 and opens no port; it is not a new call
// (RFC 3261 §12.2.2).
func TestReinviteAfterEnd(t *testing.T) {
	h := newHarness(t)
	inUse := h.s.opts.Ports.InUse()
	c, release := h.establishCall(t, sdpOffer)
	if res := h.send(t, inDialog("BYE", "", 2)); res.StatusCode != 200 {
		t.Fatalf("BYE answered %d", res.StatusCode)
	}
	release()
	<-c.Done()
	h.waitReleased(t, inUse)
	for _, raw := range []string{
		inDialog("INVITE", sdpOffer, 3),
		inDialog("INVITE", "", 3, "Call-ID: never-was@127.0.0.1"),
	} {
		if res := h.send(t, raw); res.StatusCode != 481 {
			t.Errorf("re-INVITE after the end answered %d, want 481", res.StatusCode)
		}
		if n := h.s.opts.Ports.InUse(); n != inUse {
			t.Errorf("%d ports in use after a re-INVITE of no call, want %d", n, inUse)
		}
	}
}
