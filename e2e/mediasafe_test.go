package e2e

import (
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/netip"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/zaf/g711"
)

// The tests of this file attack a real parley's media as the hardening
// issue found it open: an attacker on another loopback address (the whole
// of 127/8 is local) hijacks calls by spraying RTP at the RTP range,
// reflects the mix at a third party through the SDP's c=, and holds every
// RTP port with INVITEs it never ACKs. See docs/security/mediasafe.md.

// mediasafeConfig is a parley whose RTP range is small, so that an
// attacker can spray all of it; the range is unlike any other test's.
func mediasafeConfig(ports, extra string) string {
	return `
sip:
  listen: [udp://127.0.0.1:0, tcp://127.0.0.1:0]
  domain: 127.0.0.1
` + extra + `
rtp:
  ports: ` + ports + `
http:
  listen: 127.0.0.1:0
log:
  format: json
  level: info
rooms:
  - number: "1000"
    name: Media safety room
`
}

// TestMediaHijack: two baresip phones on 127.0.0.1 talk in a room (440 Hz
// and 1000 Hz) while an attacker on 127.0.0.2 sprays PCMU of a loud
// 2500 Hz at every port of parley's RTP range, from before the phones
// call until after they hang up. Each phone must hear the other's tone at
// the level sent and not the attacker's, and the attacker must receive
// nothing. Before the fix the attacker's first packet latched each call:
// the phones heard 2500 Hz and the attacker got the room's mix.
func TestMediaHijack(t *testing.T) {
	const lo, hi = 47610, 47629 // ten even ports
	srv := startParley(t, mediasafeConfig(fmt.Sprintf("%d-%d", lo, hi), ""))
	var wg sync.WaitGroup // the attacker's goroutines, which end with its socket
	defer wg.Wait()
	att, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 2)})
	if err != nil {
		t.Fatalf("attacker on 127.0.0.2: %v", err)
	}
	defer att.Close()
	var got atomic.Int64 // bytes the attacker received
	wg.Go(func() {
		buf := make([]byte, 2000)
		for {
			n, _, err := att.ReadFromUDP(buf)
			if errors.Is(err, net.ErrClosed) {
				return
			}
			got.Add(int64(n))
		}
	})
	stop := make(chan struct{})
	var sent atomic.Int64
	wg.Go(func() { mediasafeSpray(t, att, lo, hi, stop, &sent) })
	defer func() {
		select {
		case <-stop:
		default:
			close(stop)
		}
	}()
	time.Sleep(300 * time.Millisecond) // the spray is on before anyone calls

	const amplitude = 0.25
	tones := []struct {
		name string
		freq float64
	}{{"alice", 440}, {"bob", 1000}}
	phones := make([]*phone, len(tones))
	for i, tn := range tones {
		wav := filepath.Join(t.TempDir(), tn.name+".wav")
		if err := writeTone(wav, 8000, tn.freq, amplitude, 20); err != nil {
			t.Fatal(err)
		}
		phones[i] = newPhone(t, tn.name, wav, "PCMU/8000/1", 41500+40*i)
		phones[i].dial(t, "sip:1000@"+srv.sipUDP, 10)
	}
	srv.waitLog(t, "call joined", 2, 10*time.Second)
	// RTP is bound to the SIP listen address, not every address: each
	// port of the range can still be bound on 127.0.0.3.
	for p := lo; p <= hi; p += 2 {
		c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 3), Port: p})
		if err != nil {
			t.Errorf("port %d is bound on every address (rtp.listen_ip not applied): %v", p, err)
			continue
		}
		c.Close()
	}
	for _, p := range phones {
		p.wait(t)
	}
	close(stop)
	time.Sleep(100 * time.Millisecond) // the last packets on the wire
	if sent.Load() == 0 {
		t.Fatal("the attacker sent nothing: the test proves nothing")
	}
	t.Logf("the attacker sent %d packets and received %d bytes", sent.Load(), got.Load())
	if n := got.Load(); n != 0 {
		t.Errorf("the attacker received %d bytes of the room's media", n)
	}
	srv.waitLog(t, "rtp dropped by the source check", 2, 5*time.Second)
	for _, rec := range srv.logged("rtp dropped by the source check") {
		t.Logf("parley dropped %v packets of a call's port from the attacker", rec["rtp_ignored"])
		if n, _ := rec["rtp_ignored"].(float64); n == 0 {
			t.Errorf("a call ignored no RTP although the attacker sprayed its port: %v", rec)
		}
	}
	if n := metricValue(t, srv, "parley_rtp_packets_ignored_total"); n == 0 {
		t.Error("parley_rtp_packets_ignored_total is 0 after the spray")
	}

	for i, tn := range tones {
		other := tones[1-i]
		t.Run(tn.name, func(t *testing.T) {
			x, rate, err := readWAV(phones[i].recording(t))
			if err != nil {
				t.Fatal(err)
			}
			if len(x) < 8*rate {
				t.Fatalf("recording is %.1f s long, want at least 8 s", float64(len(x))/float64(rate))
			}
			spec := newSpectrum(x[3*rate:8*rate], rate)
			peaks := spec.peaks(100, 3900)
			level := dB(spec.amplitude(other.freq) / amplitude)
			attack := dB(spec.amplitude(2500) / spec.amplitude(other.freq))
			t.Logf("hears %s; %v Hz at %+.1f dB, the attacker's 2500 Hz at %.1f dB relative",
				fmtPeaks(peaks[:min(3, len(peaks))]), other.freq, level, attack)
			if len(peaks) == 0 || math.Abs(peaks[0].freq-other.freq) > 10 || math.Abs(level) > 6 {
				t.Errorf("does not hear %v Hz at the level sent", other.freq)
			}
			if attack > -30 {
				t.Errorf("hears the attacker's 2500 Hz at %.1f dB relative, want below −30 dB", attack)
			}
		})
	}
}

// mediasafeSpray sends PCMU of a loud 2500 Hz tone to every even port from
// lo to hi on 127.0.0.1, one round every 5 ms, until stop closes.
func mediasafeSpray(t *testing.T, c *net.UDPConn, lo, hi int, stop <-chan struct{}, sent *atomic.Int64) {
	pcm := make([]byte, 2*160)
	for i := range 160 {
		v := int16(0.9 * 32767 * math.Sin(2*math.Pi*2500*float64(i)/8000))
		pcm[2*i], pcm[2*i+1] = byte(v), byte(v>>8)
	}
	pkt := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 0, SSRC: 0xbad}, Payload: g711.EncodeUlaw(pcm)}
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for n := 0; ; n++ {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		pkt.SequenceNumber, pkt.Timestamp = uint16(n), uint32(n*160)
		b, err := pkt.Marshal()
		if err != nil {
			t.Error(err)
			return
		}
		for p := lo; p <= hi; p += 2 {
			if _, err := c.WriteToUDPAddrPort(b, netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(p))); err == nil {
				sent.Add(1)
			}
		}
	}
}

// TestMediaNoReflection: a call from 127.0.0.1 whose SDP c= names a third
// party (a socket on 127.0.0.3) is answered, and the third party receives
// nothing over 3 s; a second call whose c= is the caller's own IP receives
// the room's audio over the same time, so the measurement can see it.
// Before the fix, parley sent the mix to any c= (386× amplification).
func TestMediaNoReflection(t *testing.T) {
	t.Parallel()
	srv := startParley(t, mediasafeConfig("47640-47659", ""))
	victim, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 3)})
	if err != nil {
		t.Fatalf("third party on 127.0.0.3: %v", err)
	}
	defer victim.Close()
	control, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer control.Close()

	caller := newMediasafeUA(t, "127.0.0.1", srv.sipUDP)
	for _, c := range []struct {
		id    string
		media *net.UDPConn
	}{{"reflect", victim}, {"control", control}} {
		caller.invite(t, c.id, c.media.LocalAddr().(*net.UDPAddr).AddrPort())
		res := caller.final(t, 5*time.Second)
		if res[c.id].code != 200 {
			srv.dumpLogs(t)
			t.Fatalf("%s call: %d, want 200", c.id, res[c.id].code)
		}
		caller.ack(t, res[c.id])
	}
	srv.waitLog(t, "call joined", 2, 10*time.Second)
	end := time.Now().Add(3 * time.Second)
	count := func(c *net.UDPConn, total *atomic.Int64, wg *sync.WaitGroup) {
		wg.Go(func() {
			buf := make([]byte, 2000)
			for {
				c.SetReadDeadline(end)
				n, _, err := c.ReadFromUDP(buf)
				if err != nil {
					return
				}
				total.Add(int64(n))
			}
		})
	}
	var toVictim, toControl atomic.Int64
	var wg sync.WaitGroup
	count(victim, &toVictim, &wg)
	count(control, &toControl, &wg)
	wg.Wait()
	t.Logf("over 3 s: the third party received %d bytes, the caller's own address %d", toVictim.Load(), toControl.Load())
	if toControl.Load() == 0 {
		t.Fatal("the control call received nothing either: the test proves nothing")
	}
	if n := toVictim.Load(); n != 0 {
		t.Errorf("parley sent %d bytes to the third party named by c=", n)
	}
}

// TestMediaUnackedBudget: an attacker on 127.0.0.2 sends 30 INVITEs and
// never ACKs the 200s. Only sip.max_unacked_per_source (10) are answered
// 200, the rest 503 with Retry-After; a legitimate sipp call from
// 127.0.0.1 is answered 200 meanwhile; and the attacker's calls end at
// sip.ack_timeout (2 s), their ports freed, so that 10 more INVITEs from it
// are answered again, out of a range of 12 ports. Before the fix, 12 were
// answered, the legitimate caller got 503, and the ports stayed held for
// 32 s.
func TestMediaUnackedBudget(t *testing.T) {
	t.Parallel()
	srv := startParley(t, mediasafeConfig("47670-47693",
		"  max_unacked_per_source: 10\n  ack_timeout: 2s\n"))
	att := newMediasafeUA(t, "127.0.0.2", srv.sipUDP)
	for i := range 30 {
		att.invite(t, fmt.Sprintf("flood-%d", i), netip.MustParseAddrPort("127.0.0.2:9"))
	}
	first := att.final(t, 5*time.Second)
	codes := map[int]int{}
	for id, r := range first {
		codes[r.code]++
		if r.code == 503 && r.header("Retry-After") != "2" {
			t.Errorf("%s: 503 with Retry-After %q, want 2", id, r.header("Retry-After"))
		}
	}
	t.Logf("the flood got %v", codes)
	if len(first) != 30 || codes[200] != 10 || codes[503] != 20 {
		srv.dumpLogs(t)
		t.Fatalf("the flood got %v of %d, want 10×200 and 20×503", codes, len(first))
	}
	// The 503s arrive over UDP before the test's pipe reader has parsed
	// the log line written just before them: wait for it, then count.
	srv.waitLog(t, "call refused", 1, 5*time.Second)
	budgetLines := 0
	for _, rec := range srv.logged("call refused") {
		if rec["reason"] == "too many calls from this source await their ack" {
			budgetLines++
		}
	}
	if budgetLines < 1 || budgetLines > 2 {
		t.Errorf("the 20 refusals were logged in %d lines, want 1 (at most 2): once per 10 s, with a count", budgetLines)
	}
	answeredAt := time.Now()

	if out, err := runSipp(t, "mediasafe_call.xml", "1000", srv.sipUDP); err != nil {
		srv.dumpLogs(t)
		t.Fatalf("the legitimate caller was not answered during the flood: %v\n%s", err, out)
	}

	// The unACKed calls end at the ACK timeout; their ports are free again.
	srv.waitLog(t, "call failed after answer", 10, 8*time.Second)
	for _, rec := range srv.logged("call failed after answer") {
		if !strings.Contains(fmt.Sprint(rec["reason"]), "no ack") {
			t.Errorf("an unACKed call failed for %v, want no ack", rec["reason"])
		}
	}
	t.Logf("the unACKed calls ended %.1f s after their 200", time.Since(answeredAt).Seconds())
	for i := range 10 {
		att.invite(t, fmt.Sprintf("again-%d", i), netip.MustParseAddrPort("127.0.0.2:9"))
	}
	again := att.final(t, 5*time.Second)
	codes = map[int]int{}
	for _, r := range again {
		codes[r.code]++
	}
	if len(again) != 10 || codes[200] != 10 {
		srv.dumpLogs(t)
		t.Fatalf("after the ACK timeout 10 more INVITEs got %v, want 10×200 (ports and budget freed)", codes)
	}
}

// mediasafeUA is a bare SIP user agent on UDP: enough to send INVITEs with
// a chosen SDP address, read their final responses and ACK them.
type mediasafeUA struct {
	conn   *net.UDPConn
	ip     string
	target string
	sent   map[string]string // Call-ID → the INVITE's From tag
	seen   map[string]bool   // Call-IDs with a final response read
}

// newMediasafeUA binds a UDP socket on ip for requests to target.
func newMediasafeUA(t *testing.T, ip, target string) *mediasafeUA {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.ParseIP(ip)})
	if err != nil {
		t.Fatalf("SIP client on %s: %v", ip, err)
	}
	t.Cleanup(func() { c.Close() })
	return &mediasafeUA{conn: c, ip: ip, target: target, sent: map[string]string{}, seen: map[string]bool{}}
}

// invite sends an INVITE with Call-ID id whose SDP offers PCMU at media.
func (u *mediasafeUA) invite(t *testing.T, id string, media netip.AddrPort) {
	t.Helper()
	port := u.conn.LocalAddr().(*net.UDPAddr).Port
	sdp := fmt.Sprintf("v=0\r\no=ms 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\nm=audio %d RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n",
		u.ip, media.Addr(), media.Port())
	tag := "t" + strconv.Itoa(len(u.sent))
	msg := fmt.Sprintf("INVITE sip:1000@%s SIP/2.0\r\n"+
		"Via: SIP/2.0/UDP %s:%d;branch=z9hG4bK-%s;rport\r\n"+
		"Max-Forwards: 70\r\n"+
		"From: <sip:ms@%s>;tag=%s\r\n"+
		"To: <sip:1000@%s>\r\n"+
		"Call-ID: %s\r\n"+
		"CSeq: 1 INVITE\r\n"+
		"Contact: <sip:ms@%s:%d>\r\n"+
		"Content-Type: application/sdp\r\n"+
		"Content-Length: %d\r\n\r\n%s",
		u.target, u.ip, port, id, u.ip, tag, u.target, id, u.ip, port, len(sdp), sdp)
	u.sent[id] = tag
	u.send(t, msg)
}

func (u *mediasafeUA) send(t *testing.T, msg string) {
	t.Helper()
	to, err := net.ResolveUDPAddr("udp", u.target)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := u.conn.WriteToUDP([]byte(msg), to); err != nil {
		t.Fatal(err)
	}
}

// sipResponse is a final response read by final.
type sipResponse struct {
	code    int
	headers []string // "Name: value" lines
}

func (r sipResponse) header(name string) string {
	for _, h := range r.headers {
		if k, v, ok := strings.Cut(h, ":"); ok && strings.EqualFold(strings.TrimSpace(k), name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// final reads until every INVITE sent has a final response not read
// before, or within passes; it returns them by Call-ID. Provisional
// responses, retransmissions and requests (BYE) are skipped.
func (u *mediasafeUA) final(t *testing.T, within time.Duration) map[string]sipResponse {
	t.Helper()
	out := map[string]sipResponse{}
	want := 0
	for id := range u.sent {
		if !u.seen[id] {
			want++
		}
	}
	deadline := time.Now().Add(within)
	buf := make([]byte, 65535)
	for len(out) < want {
		u.conn.SetReadDeadline(deadline)
		n, _, err := u.conn.ReadFromUDP(buf)
		if err != nil {
			t.Logf("final responses: %d of %d within %v", len(out), want, within)
			break
		}
		head, _, _ := strings.Cut(string(buf[:n]), "\r\n\r\n")
		lines := strings.Split(head, "\r\n")
		f := strings.Fields(lines[0])
		if len(f) < 2 || f[0] != "SIP/2.0" {
			continue // a request
		}
		code, _ := strconv.Atoi(f[1])
		r := sipResponse{code: code, headers: lines[1:]}
		id := r.header("Call-ID")
		if code < 200 || u.seen[id] {
			continue
		}
		u.seen[id] = true
		out[id] = r
	}
	return out
}

// ack acknowledges a 2xx (RFC 3261 §13.2.2.4): same Call-ID, From and To
// (with the answer's tag), CSeq 1 ACK, a new branch.
func (u *mediasafeUA) ack(t *testing.T, r sipResponse) {
	t.Helper()
	port := u.conn.LocalAddr().(*net.UDPAddr).Port
	id := r.header("Call-ID")
	msg := fmt.Sprintf("ACK sip:1000@%s SIP/2.0\r\n"+
		"Via: SIP/2.0/UDP %s:%d;branch=z9hG4bK-%s-ack;rport\r\n"+
		"Max-Forwards: 70\r\n"+
		"From: %s\r\n"+
		"To: %s\r\n"+
		"Call-ID: %s\r\n"+
		"CSeq: 1 ACK\r\n"+
		"Content-Length: 0\r\n\r\n",
		u.target, u.ip, port, id, r.header("From"), r.header("To"), id)
	u.send(t, msg)
}

// metricValue reads one unlabelled metric from parley's /metrics.
func metricValue(t *testing.T, srv *server, name string) float64 {
	t.Helper()
	res, err := http.Get("http://" + srv.http + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			return f
		}
	}
	t.Fatalf("/metrics has no %s", name)
	return 0
}
