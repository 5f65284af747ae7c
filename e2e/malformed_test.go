package e2e

import (
	"context"
	"fmt"
	"math"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// malformedConfig is a room that two phones fill (capacity 2), so that an
// INVITE from the test stays pending while the "conference is full" prompt
// plays, and can be cancelled.
const malformedConfig = `
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
rooms:
  - number: "1000"
    name: Malformed
    capacity: 2
`

// rawSIP is a UDP socket that sends hand-made SIP to parley and reads the
// answers, as an attacker's script would.
type rawSIP struct {
	conn   *net.UDPConn
	to     *net.UDPAddr
	local  string // host:port of conn
	serial int
}

func newRawSIP(t *testing.T, target string) *rawSIP {
	t.Helper()
	to, err := net.ResolveUDPAddr("udp4", target)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &rawSIP{conn: conn, to: to, local: conn.LocalAddr().String()}
}

// sipReply is one response: its status, reason and headers (lower-case
// names, first value).
type sipReply struct {
	code    int
	reason  string
	headers map[string]string
	raw     string
}

// send writes one datagram.
func (r *rawSIP) send(t *testing.T, msg string) {
	t.Helper()
	if _, err := r.conn.WriteToUDP([]byte(msg), r.to); err != nil {
		t.Fatal(err)
	}
}

// read returns the next response within d, or nil.
func (r *rawSIP) read(d time.Duration) *sipReply {
	buf := make([]byte, 65535)
	_ = r.conn.SetReadDeadline(time.Now().Add(d))
	n, _, err := r.conn.ReadFromUDP(buf)
	if err != nil {
		return nil
	}
	raw := string(buf[:n])
	head, _, _ := strings.Cut(raw, "\r\n\r\n")
	lines := strings.Split(head, "\r\n")
	parts := strings.SplitN(lines[0], " ", 3)
	if len(parts) < 3 || parts[0] != "SIP/2.0" {
		return &sipReply{raw: raw}
	}
	code, _ := strconv.Atoi(parts[1])
	rep := &sipReply{code: code, reason: parts[2], headers: map[string]string{}, raw: raw}
	for _, l := range lines[1:] {
		if name, value, ok := strings.Cut(l, ":"); ok {
			name = strings.ToLower(strings.TrimSpace(name))
			if _, seen := rep.headers[name]; !seen {
				rep.headers[name] = strings.TrimSpace(value)
			}
		}
	}
	return rep
}

// final reads responses until one whose CSeq names method is final (or
// provisional when provisional is set), within 5 s.
func (r *rawSIP) final(t *testing.T, method string, provisional bool) *sipReply {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		rep := r.read(time.Until(deadline))
		if rep == nil {
			break
		}
		if !strings.HasSuffix(rep.headers["cseq"], " "+method) {
			continue
		}
		if rep.code >= 200 || (provisional && rep.code > 100) {
			return rep
		}
	}
	t.Fatalf("no answer to %s within 5 s", method)
	return nil
}

// request builds a request of method for room 1000 from this socket; edits
// as in the sip package's tests: "Name: value" replaces or adds, "-Name"
// removes, a line starting with the method replaces the start line.
func (r *rawSIP) request(method, body string, edit ...string) (msg, callID, branch string) {
	r.serial++
	callID = fmt.Sprintf("malformed-%d@127.0.0.1", r.serial)
	branch = fmt.Sprintf("z9hG4bK-malformed-%d", r.serial)
	start := method + " sip:1000@" + r.to.String() + " SIP/2.0"
	headers := [][2]string{
		{"Via", "SIP/2.0/UDP " + r.local + ";branch=" + branch + ";rport"},
		{"Max-Forwards", "70"},
		{"From", "<sip:attacker@" + r.local + ">;tag=atk" + strconv.Itoa(r.serial)},
		{"To", "<sip:1000@" + r.to.String() + ">"},
		{"Call-ID", callID},
		{"CSeq", "1 " + method},
		{"Contact", "<sip:attacker@" + r.local + ">"},
	}
	if body != "" {
		headers = append(headers, [2]string{"Content-Type", "application/sdp"})
	}
	for _, e := range edit {
		if strings.HasPrefix(e, method+" ") {
			start = e
			continue
		}
		if name, ok := strings.CutPrefix(e, "-"); ok {
			for i := range headers {
				if strings.EqualFold(headers[i][0], name) {
					headers = append(headers[:i], headers[i+1:]...)
					break
				}
			}
			continue
		}
		name, value, _ := strings.Cut(e, ":")
		found := false
		for i := range headers {
			if strings.EqualFold(headers[i][0], name) {
				headers[i][1], found = strings.TrimSpace(value), true
			}
		}
		if !found {
			headers = append(headers, [2]string{name, strings.TrimSpace(value)})
		}
	}
	var b strings.Builder
	b.WriteString(start + "\r\n")
	for _, h := range headers {
		b.WriteString(h[0] + ": " + h[1] + "\r\n")
	}
	b.WriteString("Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body)
	return b.String(), callID, branch
}

// offer is a PCMU offer asking for RTP at addr.
func offer(addr string) string {
	host, port, _ := net.SplitHostPort(addr)
	return "v=0\r\no=- 1 1 IN IP4 " + host + "\r\ns=-\r\nc=IN IP4 " + host + "\r\nt=0 0\r\n" +
		"m=audio " + port + " RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
}

// TestMalformedSIPKeepsCallUp: while two baresip phones talk in a room
// (one sends a 1000 Hz tone, the other records), a script sends every
// malformed or unsupported request of the hardening issue from a raw UDP
// socket, then sipvicious's svmap and svwar scan the port, then 50
// datagrams of garbage. Each request gets its RFC 3261 answer, parley
// stays up and logs the garbage at most twice, neither call drops, and the
// listener still hears the tone after the barrage.
func TestMalformedSIPKeepsCallUp(t *testing.T) {
	t.Parallel() // its own Parley; its phones' ports (43000, 43040) are no other test's
	srv := startParley(t, malformedConfig)
	const amplitude = 0.25
	talker := newPhone(t, "talker", toneFile(t, "talker", 8000, 1000, amplitude, 45), "PCMU/8000/1", 43000)
	listener := newPhone(t, "listener", toneFile(t, "listener", 8000, 440, amplitude, 45), "PCMU/8000/1", 43040)
	talker.dial(t, "sip:1000@"+srv.sipUDP, 40)
	listener.dial(t, "sip:1000@"+srv.sipUDP, 40)
	deadline := time.Now().Add(15 * time.Second)
	for len(srv.logged("call joined")) < 2 {
		if time.Now().After(deadline) {
			srv.dumpLogs(t)
			t.Fatal("the two phones did not join within 15 s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	joined := time.Now()

	r := newRawSIP(t, srv.sipUDP)
	media, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer media.Close() // takes the full room's early media
	sdp := offer(media.LocalAddr().String())

	noFrom, _, _ := r.request("INVITE", "", "-From", "-Contact")
	cases := []struct {
		name   string
		msg    string
		method string // the CSeq method of the answer
		code   int
		reason string
		header string // "name: value" the answer must carry
	}{
		{"no From", noFrom, "INVITE", 400, "Missing From header", ""},
		{"Require foobar", first(r.request("INVITE", sdp, "Require: foobar")), "INVITE", 420, "", "unsupported: foobar"},
		{"SIP/7.0", first(r.request("OPTIONS", "", "OPTIONS sip:1000@"+srv.sipUDP+" SIP/7.0")), "OPTIONS", 505, "", ""},
		{"no Call-ID", first(r.request("INVITE", sdp, "-Call-ID")), "INVITE", 400, "Missing Call-ID header", ""},
		{"no To", first(r.request("INVITE", sdp, "-To")), "INVITE", 400, "Missing To header", ""},
		{"no Contact", first(r.request("INVITE", sdp, "-Contact")), "INVITE", 400, "Missing Contact header", ""},
		{"CANCEL of nothing", first(r.request("CANCEL", "")), "CANCEL", 481, "", ""},
		{"Max-Forwards 0", first(r.request("INVITE", sdp, "Max-Forwards: 0")), "INVITE", 483, "", ""},
		{"text body", first(r.request("INVITE", "hello", "Content-Type: text/plain")), "INVITE", 415, "", "accept: application/sdp"},
		{"multicast c=", first(r.request("INVITE", strings.Replace(sdp, "c=IN IP4 127.0.0.1", "c=IN IP4 224.0.0.1/1", 1))), "INVITE", 488, "", ""},
		{"unknown method", first(r.request("FOO", "")), "FOO", 501, "", ""},
		{"BYE of nothing", first(r.request("BYE", "")), "BYE", 481, "", ""},
	}
	for _, tc := range cases {
		r.send(t, tc.msg)
		rep := r.final(t, tc.method, false)
		if rep.code != tc.code || (tc.reason != "" && rep.reason != tc.reason) {
			t.Errorf("%s: got %d %s, want %d %s", tc.name, rep.code, rep.reason, tc.code, tc.reason)
		}
		if name, want, ok := strings.Cut(tc.header, ": "); ok && rep.headers[name] != want {
			t.Errorf("%s: %s %q, want %q", tc.name, name, rep.headers[name], want)
		}
	}

	// An INVITE into the full room is pending while the prompt plays; its
	// CANCEL gets 200 and ends it with 487 (RFC 3261 §9.2).
	invite, callID, branch := r.request("INVITE", sdp)
	r.send(t, invite)
	if rep := r.final(t, "INVITE", true); rep.code != 183 {
		t.Fatalf("INVITE into the full room: %d %s, want 183 first", rep.code, rep.reason)
	}
	cancel := strings.Join([]string{
		"CANCEL sip:1000@" + srv.sipUDP + " SIP/2.0",
		"Via: SIP/2.0/UDP " + r.local + ";branch=" + branch + ";rport",
		"Max-Forwards: 70",
		"From: <sip:attacker@" + r.local + ">;tag=atk" + strconv.Itoa(r.serial),
		"To: <sip:1000@" + srv.sipUDP + ">",
		"Call-ID: " + callID,
		"CSeq: 1 CANCEL",
		"Content-Length: 0", "", ""}, "\r\n")
	r.send(t, cancel)
	if rep := r.final(t, "CANCEL", false); rep.code != 200 {
		t.Errorf("CANCEL of the pending INVITE: %d %s, want 200", rep.code, rep.reason)
	}
	rep := r.final(t, "INVITE", false)
	if rep.code != 487 {
		t.Errorf("the cancelled INVITE ended with %d %s, want 487", rep.code, rep.reason)
	}
	r.send(t, strings.Join([]string{
		"ACK sip:1000@" + srv.sipUDP + " SIP/2.0",
		"Via: SIP/2.0/UDP " + r.local + ";branch=" + branch + ";rport",
		"Max-Forwards: 70",
		"From: <sip:attacker@" + r.local + ">;tag=atk" + strconv.Itoa(r.serial),
		"To: " + rep.headers["to"],
		"Call-ID: " + callID,
		"CSeq: 1 ACK",
		"Content-Length: 0", "", ""}, "\r\n"))

	// sipvicious, as a scanner would run it.
	port := strings.TrimPrefix(srv.sipUDP, "127.0.0.1:")
	for _, args := range [][]string{
		{"svmap", "-p" + port, "127.0.0.1"},
		{"svwar", "-p" + port, "-m", "INVITE", "-e", "998-1003", "127.0.0.1"},
		{"svwar", "-p" + port, "-m", "OPTIONS", "-e", "1000-1010", "127.0.0.1"},
	} {
		ctx, stop := context.WithTimeout(context.Background(), 60*time.Second)
		out, err := exec.CommandContext(ctx, args[0], args[1:]...).CombinedOutput()
		stop()
		t.Logf("%s:\n%s", strings.Join(args, " "), out)
		if err != nil {
			t.Errorf("%s: %v", args[0], err)
		}
		if args[0] == "svmap" && !strings.Contains(string(out), srv.sipUDP) {
			t.Errorf("svmap did not find parley's SIP port")
		}
	}
	// Garbage: each datagram fails to parse; the log says so once per
	// interval, not 50 times with 8 KB each.
	garbage := "GARBAGE " + strings.Repeat("\x01not sip ", 800)
	for range 50 {
		r.send(t, garbage)
	}
	barrage := time.Since(joined)
	t.Logf("the barrage took %v", barrage.Round(time.Millisecond))

	// Parley is up and answers.
	if srv.cmd.ProcessState != nil {
		t.Fatalf("parley exited: %v", srv.cmd.ProcessState)
	}
	r.send(t, first(r.request("OPTIONS", "")))
	if rep := r.final(t, "OPTIONS", false); rep.code != 200 {
		t.Errorf("OPTIONS after the barrage: %d, want 200", rep.code)
	}
	if lines := srv.logged("recovered from panic"); len(lines) > 0 {
		t.Errorf("a handler panicked: %v", lines)
	}
	if lines := srv.logged("failed to parse"); len(lines) > 2 {
		t.Errorf("%d log lines for 50 unparsable datagrams, want at most 2", len(lines))
	}
	if ended := srv.logged("call ended"); len(ended) > 0 {
		srv.dumpLogs(t)
		t.Fatalf("a call ended during the barrage: %v", ended)
	}

	// The listener still hears the talker after the barrage.
	talker.wait(t)
	listener.wait(t)
	x, rate, err := readWAV(listener.recording(t))
	if err != nil {
		t.Fatal(err)
	}
	from, to := int((barrage+3*time.Second).Seconds()*float64(rate)), int((barrage+6*time.Second).Seconds()*float64(rate))
	if to > len(x) {
		t.Fatalf("recording is %.1f s long; the barrage took %v, want 4 s of call after it", float64(len(x))/float64(rate), barrage)
	}
	spec := newSpectrum(x[from:to], rate)
	level := dB(spec.amplitude(1000) / amplitude)
	t.Logf("after the barrage the listener hears 1000 Hz at %+.1f dB relative to what was sent", level)
	if math.Abs(level) > 6 {
		t.Errorf("1000 Hz arrives at %+.1f dB after the barrage, want within 6 dB of the sent level", level)
	}
}

// first is the message of a request built by rawSIP.request.
func first(msg, _, _ string) string { return msg }
