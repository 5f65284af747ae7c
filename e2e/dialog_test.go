package e2e

import (
	"encoding/binary"
	"fmt"
	"math"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zaf/g711"
)

// The tests of this file change a call's session in mid-dialog with sipp
// while a baresip phone in the same room sends 440 Hz and records what it
// hears: hold and resume (RFC 3264 §8.4), a codec change (§8.3.2), a late
// offer (RFC 3261 §13.2.1) and session timers (RFC 4028). sipp streams a
// 1 kHz tone, so the phone's recording shows that Parley still takes
// sipp's audio into the room; what Parley sends to sipp is captured on the
// loopback interface with dumpcap and decoded.
//
// All of them run in parallel, each on its own parley; the session timer
// test, which holds two calls over three refreshes of a 90 s interval,
// sets the wall time (about 145 s).

const (
	dialogSippTone  = 1000.0 // Hz, what sipp streams
	dialogPhoneTone = 440.0  // Hz, what the baresip phone sends
	dialogAmplitude = 0.25   // peak amplitude of both tones (−12 dBFS)
)

// TestSessionTimer holds two calls with a 90 s session interval (RFC 4028)
// over three refreshes each, at the same time, each on its own parley:
//
//   - refresher=uac: sipp refreshes with a re-INVITE every 45 s, three
//     times. Parley's timer would end the call 60 s after the last refresh
//     (§10); the call must stay up for the whole 135 s.
//   - refresher=uas: Parley must refresh with an UPDATE about every 45 s
//     (half the interval, §10); sipp answers three of them 200 and hangs up.
//
// sipp streams its tone throughout, so the RTP timeout stays away, and the
// phone in each room must still hear it at the end. The two calls run in
// one test rather than in two parallel ones so that they overlap whatever
// -parallel is (it defaults to the number of CPUs, which may be 2).
//
// A Session-Expires of 30 s, below Parley's Min-SE of 90 s, is refused 422
// with Min-SE: 90 (§6).
func TestSessionTimer(t *testing.T) {
	t.Parallel()
	t.Run("too small", func(t *testing.T) {
		srv := startParley(t, roomConfig)
		out, err := runSipp(t, "dialog_timer_small.xml", "1000", srv.sipUDP)
		if err != nil {
			srv.dumpLogs(t)
			t.Fatalf("sipp did not get 422 with Min-SE: 90: %v\n%s", err, out)
		}
		refused := srv.logged("call refused")
		if len(refused) != 1 || fmt.Sprint(refused[0]["status"]) != "422" {
			srv.dumpLogs(t)
			t.Errorf(`want one "call refused" log line with status 422, have %v`, refused)
		}
	})

	uac := newDialogRoom(t, "uac", 41520, 142)
	uas := newDialogRoom(t, "uas", 41560, 142)
	uacSipp := uac.startSipp(t, "dialog_timer_uac.xml", 200*time.Second)
	uasSipp := uas.startSipp(t, "dialog_timer_uas.xml", 200*time.Second)
	uacRes, uasRes := uacSipp.wait(), uasSipp.wait()
	uac.phone.wait(t)
	uas.phone.wait(t)

	t.Run("refresher=uac", func(t *testing.T) {
		if uacRes.err != nil {
			uac.srv.dumpLogs(t)
			t.Fatalf("sipp refresher=uac call failed: %v\n%s\n%s", uacRes.err, uacRes.out, uacRes.errors)
		}
		uac.checkNotDropped(t)
		answered, ended := uac.sippCall(t)
		if held := ended.Sub(answered); held < 130*time.Second {
			t.Errorf("the call lasted %v, want the 135 s of three refreshes", held.Round(time.Second))
		}
		uac.checkHears(t, "at the end", ended.Add(-6*time.Second), ended.Add(-time.Second))
	})

	t.Run("refresher=uas", func(t *testing.T) {
		if uasRes.err != nil {
			uas.srv.dumpLogs(t)
			t.Fatalf("sipp refresher=uas call failed: %v\n%s\n%s", uasRes.err, uasRes.out, uasRes.errors)
		}
		uas.checkNotDropped(t)
		answered, ended := uas.sippCall(t)
		updates := dialogReceived(t, uasRes.trace, "UPDATE")
		if len(updates) != 3 {
			t.Fatalf("sipp received %d UPDATEs, want 3", len(updates))
		}
		last := answered
		for i, m := range updates {
			gap := m.at.Sub(last)
			// The refresher parameter names a role in the transaction that
			// carries it (RFC 4028 §7.4): as the UPDATE's sender and still
			// the refresher, parley must say refresher=uac.
			t.Logf("UPDATE %d came %.1f s after the previous refresh, with Session-Expires: %s",
				i+1, gap.Seconds(), m.header("Session-Expires"))
			if se := m.header("Session-Expires"); !strings.Contains(se, "refresher=uac") {
				t.Errorf("UPDATE %d has Session-Expires: %s, want refresher=uac", i+1, se)
			}
			if gap < 42*time.Second || gap > 48*time.Second {
				t.Errorf("UPDATE %d came %.1f s after the previous refresh, want about 45 s (half of 90 s)", i+1, gap.Seconds())
			}
			last = m.at
		}
		uas.checkHears(t, "at the end", ended.Add(-6*time.Second), ended.Add(-time.Second))
	})
}

// TestHoldResume: sipp puts its call on hold with a=sendonly and resumes it
// with a=sendrecv. Parley must answer recvonly then sendrecv, send sipp no
// RTP while held and the room's audio again after, keep the call up, and
// keep mixing what sipp sends.
func TestHoldResume(t *testing.T) {
	t.Parallel()
	d := newDialogRoom(t, "hold", 41400, 14)
	capture := startDialogCapture(t, d.mediaPort)
	res := d.runSipp(t, "dialog_hold.xml", 40*time.Second)
	packets := capture.stop(t)
	d.phone.wait(t)
	if res.err != nil {
		d.srv.dumpLogs(t)
		t.Fatalf("sipp hold/resume call failed: %v\n%s\n%s", res.err, res.out, res.errors)
	}
	d.checkNotDropped(t)

	held, resumed := d.heldAndResumed(t)
	answered, ended := d.sippCall(t)

	toSipp := dialogToPort(packets, d.mediaPort)
	before := dialogBetween(toSipp, answered.Add(500*time.Millisecond), held.Add(-200*time.Millisecond))
	during := dialogBetween(toSipp, held.Add(100*time.Millisecond), resumed.Add(-50*time.Millisecond))
	after := dialogBetween(toSipp, resumed.Add(500*time.Millisecond), ended.Add(-200*time.Millisecond))
	t.Logf("RTP to sipp: %d packets before hold, %d while held (%.1f s), %d after resume",
		len(before), len(during), resumed.Sub(held).Seconds(), len(after))
	if len(before) == 0 {
		t.Errorf("parley sent sipp no RTP before the hold")
	}
	if len(during) != 0 {
		t.Errorf("parley sent %d RTP packets to sipp while sipp held the call (a=sendonly answered recvonly), want none", len(during))
	}
	dialogCheckPackets(t, "after resume", after, ended.Sub(resumed)-700*time.Millisecond, 0, true)

	// The phone hears sipp's tone once the call is resumed.
	d.checkHears(t, "after resume", resumed.Add(time.Second), ended.Add(-500*time.Millisecond))
}

// TestCodecChange: sipp starts in PCMU and re-INVITEs offering only PCMA.
// Parley must answer PCMA (on a port of its choosing), log the change,
// keep the call, send sipp PCMA from then on, and mix the A-law stream sipp
// then sends to the port of the answer.
//
// sipp 3.6 takes the remote RTP address from every SDP it receives, so its
// rtp_stream follows a new port in the 200 to the re-INVITE; the scenario
// then starts the A-law file with payload type 8.
func TestCodecChange(t *testing.T) {
	t.Parallel()
	d := newDialogRoom(t, "codec", 41440, 14)
	capture := startDialogCapture(t, d.mediaPort)
	res := d.runSipp(t, "dialog_codec.xml", 40*time.Second)
	packets := capture.stop(t)
	d.phone.wait(t)
	if res.err != nil {
		d.srv.dumpLogs(t)
		t.Fatalf("sipp codec change call failed: %v\n%s\n%s", res.err, res.out, res.errors)
	}
	d.checkNotDropped(t)

	changes := d.srv.logged("codec changed")
	if len(changes) != 1 || changes[0]["codec"] != "PCMA/8000" {
		d.srv.dumpLogs(t)
		t.Fatalf(`parley logged "codec changed" %d times (%v), want once with codec PCMA/8000`, len(changes), changes)
	}
	changed := dialogLogTime(t, changes[0])
	answered, ended := d.sippCall(t)

	toSipp := dialogToPort(packets, d.mediaPort)
	before := dialogBetween(toSipp, answered.Add(500*time.Millisecond), changed.Add(-200*time.Millisecond))
	after := dialogBetween(toSipp, changed.Add(500*time.Millisecond), ended.Add(-200*time.Millisecond))
	dialogCheckPackets(t, "before the change", before, changed.Sub(answered)-700*time.Millisecond, 0, false)
	dialogCheckPackets(t, "after the change", after, ended.Sub(changed)-700*time.Millisecond, 8, true)
	if len(before) > 0 && len(after) > 0 {
		t.Logf("parley sends sipp PT %d from port %d, then PT %d from port %d",
			before[0].pt, before[0].src, after[0].pt, after[0].src)
	}
	var late []dialogPacket
	for _, p := range dialogBetween(toSipp, changed.Add(100*time.Millisecond), ended) {
		if p.pt == 0 {
			late = append(late, p)
		}
	}
	if len(late) > 0 {
		t.Errorf("parley still sent %d PCMU packets to sipp after answering PCMA", len(late))
	}

	// sipp now streams A-law to the new port: the phone must still hear it.
	d.checkHears(t, "after the change", changed.Add(time.Second), ended.Add(-500*time.Millisecond))
}

// TestLateOffer: sipp's INVITE has no SDP; Parley offers in the 200 (PCMU
// among its formats), sipp answers PCMU in the ACK and streams its tone for
// 4 s, which the phone must hear.
func TestLateOffer(t *testing.T) {
	t.Parallel()
	d := newDialogRoom(t, "late", 41480, 10)
	res := d.runSipp(t, "dialog_late_offer.xml", 30*time.Second)
	d.phone.wait(t)
	if res.err != nil {
		d.srv.dumpLogs(t)
		t.Fatalf("sipp late-offer call failed: %v\n%s\n%s", res.err, res.out, res.errors)
	}
	d.checkNotDropped(t)
	rec := d.sippAnswered(t)
	if rec["late_offer"] != true || rec["codec"] != "PCMU/8000" {
		t.Errorf(`"call answered" for sipp has late_offer=%v codec=%v, want true and PCMU/8000`, rec["late_offer"], rec["codec"])
	}
	answered, ended := d.sippCall(t)
	d.checkHears(t, "from the ACK's answer on", answered.Add(time.Second), ended.Add(-500*time.Millisecond))
}

// dialogRoom is a parley with room 1000 in which a baresip phone sends
// 440 Hz and records, and the sipp media port of the call under test.
type dialogRoom struct {
	srv       *server
	phone     *phone
	mediaPort int               // sipp's RTP port (-mp): it streams from it and gets RTP on it
	ulaw      string            // 1 kHz raw µ-law for sipp's rtp_stream
	alaw      string            // the same in A-law
	sipTarget string            // where sipp sends its SIP; "" is parley's UDP listener
	replace   map[string]string // more words to replace in scenarios
}

// newDialogRoom starts parley and the phone, which stays in the room for
// seconds and records; it returns once the phone has joined.
func newDialogRoom(t *testing.T, name string, rtpMin, seconds int) *dialogRoom {
	t.Helper()
	return newDialogRoomWith(t, roomConfig, name, rtpMin, seconds)
}

// newDialogRoomWith is newDialogRoom with parley started on config.
func newDialogRoomWith(t *testing.T, config, name string, rtpMin, seconds int) *dialogRoom {
	t.Helper()
	dir := t.TempDir()
	d := &dialogRoom{
		srv:       startParley(t, config),
		mediaPort: dialogFreePort(t),
		ulaw:      filepath.Join(dir, "tone1k.ulaw"),
		alaw:      filepath.Join(dir, "tone1k.alaw"),
	}
	pcm := dialogPCM(dialogSippTone, dialogAmplitude, 10*time.Second)
	if err := os.WriteFile(d.ulaw, g711.EncodeUlaw(pcm), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(d.alaw, g711.EncodeAlaw(pcm), 0o644); err != nil {
		t.Fatal(err)
	}
	wav := filepath.Join(dir, "tone440.wav")
	// The WAV outlasts the call: baresip ends the call when its source ends.
	if err := writeTone(wav, 8000, dialogPhoneTone, dialogAmplitude, seconds+20); err != nil {
		t.Fatal(err)
	}
	d.phone = newPhone(t, name+"-phone", wav, "PCMU/8000/1", rtpMin)
	d.phone.dial(t, "sip:1000@"+d.srv.sipUDP, seconds)
	d.srv.waitLog(t, "call joined", 1, 10*time.Second)
	return d
}

// heldAndResumed returns when parley logged sipp's hold (the session
// updated to recvonly) and then its resume (sendrecv).
func (d *dialogRoom) heldAndResumed(t *testing.T) (held, resumed time.Time) {
	t.Helper()
	for _, rec := range d.srv.logged("session updated") {
		switch rec["direction"] {
		case "recvonly":
			held = dialogLogTime(t, rec)
		case "sendrecv":
			if !held.IsZero() {
				resumed = dialogLogTime(t, rec)
			}
		}
	}
	if held.IsZero() || resumed.IsZero() {
		d.srv.dumpLogs(t)
		t.Fatal(`parley did not log "session updated" with direction recvonly and then sendrecv`)
	}
	return held, resumed
}

// checkNotDropped fails the test if parley hung up any call or sipp's call
// ended otherwise than by sipp's BYE.
func (d *dialogRoom) checkNotDropped(t *testing.T) {
	t.Helper()
	if recs := d.srv.logged("hanging up"); len(recs) > 0 {
		d.srv.dumpLogs(t)
		t.Errorf("parley hung up: %v", recs)
	}
	for _, rec := range d.srv.logged("call ended") {
		if strings.HasPrefix(fmt.Sprint(rec["from"]), "sip:sipp@") && rec["reason"] != "remote hung up" {
			t.Errorf("sipp's call ended with reason %v, want remote hung up", rec["reason"])
		}
	}
}

// sippAnswered returns parley's "call answered" record of sipp's call.
func (d *dialogRoom) sippAnswered(t *testing.T) map[string]any {
	t.Helper()
	for _, rec := range d.srv.logged("call answered") {
		if strings.HasPrefix(fmt.Sprint(rec["from"]), "sip:sipp@") {
			return rec
		}
	}
	d.srv.dumpLogs(t)
	t.Fatal(`no "call answered" log line for sipp's call`)
	return nil
}

// sippCall returns when parley answered sipp's call and when it ended.
func (d *dialogRoom) sippCall(t *testing.T) (answered, ended time.Time) {
	t.Helper()
	answered = dialogLogTime(t, d.sippAnswered(t))
	for _, rec := range d.srv.logged("call ended") {
		if strings.HasPrefix(fmt.Sprint(rec["from"]), "sip:sipp@") {
			return answered, dialogLogTime(t, rec)
		}
	}
	d.srv.dumpLogs(t)
	t.Fatal(`no "call ended" log line for sipp's call`)
	return
}

// checkHears checks that the phone heard sipp's 1 kHz tone, at about the
// level sent and above its own 440 Hz, between from and to. The recording
// is placed in time by the phone's "call answered" log line; the window
// is shrunk by 250 ms at each end for the jitter buffer and that estimate.
func (d *dialogRoom) checkHears(t *testing.T, when string, from, to time.Time) {
	t.Helper()
	var start time.Time
	for _, rec := range d.srv.logged("call answered") {
		if !strings.HasPrefix(fmt.Sprint(rec["from"]), "sip:sipp@") {
			start = dialogLogTime(t, rec)
			break
		}
	}
	if start.IsZero() {
		t.Fatal(`no "call answered" log line for the phone`)
	}
	x, rate, err := readWAV(d.phone.recording(t))
	if err != nil {
		t.Fatal(err)
	}
	lo := int((from.Sub(start) + 250*time.Millisecond).Seconds() * float64(rate))
	hi := int((to.Sub(start) - 250*time.Millisecond).Seconds() * float64(rate))
	if lo < 0 || hi-lo < rate/2 || hi > len(x) {
		t.Fatalf("the recording (%.1f s) does not cover %.1f s to %.1f s after the phone's answer",
			float64(len(x))/float64(rate), float64(lo)/float64(rate), float64(hi)/float64(rate))
	}
	spec := newSpectrum(x[lo:hi], rate)
	peaks := spec.peaks(100, 3900)
	level := dB(spec.amplitude(dialogSippTone) / dialogAmplitude)
	t.Logf("%s (%.1f s to %.1f s) the phone hears %s; %v Hz at %+.1f dB", when,
		float64(lo)/float64(rate), float64(hi)/float64(rate), fmtPeaks(peaks[:min(3, len(peaks))]), dialogSippTone, level)
	if len(peaks) == 0 || math.Abs(peaks[0].freq-dialogSippTone) > 10 || math.Abs(level) > 6 {
		t.Errorf("%s the phone does not hear sipp's %v Hz tone at the sent level", when, dialogSippTone)
	}
}

// dialogPCM returns seconds of a sine as 16-bit little-endian PCM at 8 kHz.
func dialogPCM(freq, amplitude float64, d time.Duration) []byte {
	n := int(d.Seconds() * 8000)
	b := make([]byte, 2*n)
	for i := range n {
		v := amplitude * 32767 * math.Sin(2*math.Pi*freq*float64(i)/8000)
		binary.LittleEndian.PutUint16(b[2*i:], uint16(int16(math.Round(v))))
	}
	return b
}

// dialogFreePort returns an even UDP port on loopback whose three
// neighbours above are also free (sipp binds -mp and -mp+2, RTCP is +1),
// chosen by the kernel and outside the RTP ranges of parley (42000-42998)
// and of the e2e phones (41000-41999).
func dialogFreePort(t *testing.T) int {
	t.Helper()
	for range 100 {
		c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		base := c.LocalAddr().(*net.UDPAddr).Port &^ 1
		c.Close()
		if base >= 41000 && base < 43000 || base+3 > 65535 {
			continue
		}
		free := true
		var held []*net.UDPConn
		for p := base; p < base+4; p++ {
			c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: p})
			if err != nil {
				free = false
				break
			}
			held = append(held, c)
		}
		for _, c := range held {
			c.Close()
		}
		if free {
			return base
		}
	}
	t.Fatal("no four free UDP ports in a row")
	return 0
}

// dialogLogTime reads a log record's time.
func dialogLogTime(t *testing.T, rec map[string]any) time.Time {
	t.Helper()
	at, err := time.Parse(time.RFC3339Nano, fmt.Sprint(rec["time"]))
	if err != nil {
		t.Fatalf("log record time: %v", err)
	}
	return at
}

// dialogCheckPackets checks that the RTP parley sent sipp over span came
// at about 50 packets a second (20 ms frames), all with payload type pt,
// and, if tone, that it carries the phone's 440 Hz tone at about the level
// sent (not while parley still plays sipp its private prompts).
func dialogCheckPackets(t *testing.T, when string, ps []dialogPacket, span time.Duration, pt uint8, tone bool) {
	t.Helper()
	want := int(span.Seconds() * 50)
	if len(ps) < want*8/10 {
		t.Errorf("%s parley sent sipp %d RTP packets in %.1f s, want about %d", when, len(ps), span.Seconds(), want)
		return
	}
	var pcm []byte
	for _, p := range ps {
		if p.pt != pt {
			t.Errorf("%s parley sent sipp payload type %d, want %d", when, p.pt, pt)
			return
		}
		if pt == 8 {
			pcm = append(pcm, g711.DecodeAlaw(p.payload)...)
		} else {
			pcm = append(pcm, g711.DecodeUlaw(p.payload)...)
		}
	}
	if !tone {
		return
	}
	x := make([]float64, len(pcm)/2)
	for i := range x {
		x[i] = float64(int16(binary.LittleEndian.Uint16(pcm[2*i:]))) / 32768
	}
	spec := newSpectrum(x, 8000)
	peaks := spec.peaks(100, 3900)
	level := dB(spec.amplitude(dialogPhoneTone) / dialogAmplitude)
	t.Logf("%s sipp gets %d packets (PT %d) carrying %s; %v Hz at %+.1f dB", when, len(ps), pt,
		fmtPeaks(peaks[:min(3, len(peaks))]), dialogPhoneTone, level)
	if len(peaks) == 0 || math.Abs(peaks[0].freq-dialogPhoneTone) > 10 || math.Abs(level) > 6 {
		t.Errorf("%s the RTP parley sends sipp does not carry the phone's %v Hz tone at the sent level", when, dialogPhoneTone)
	}
}
