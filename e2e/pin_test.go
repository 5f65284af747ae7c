package e2e

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zaf/g711"
)

// pinConfig is roomConfig with a PIN and a moderator PIN on room 1000.
const pinConfig = roomConfig + `    pin: "4321"
    moderator_pin: "9999"
`

// TestPINRFC4733 gives the PIN as RFC 4733 telephone events (sipp's
// play_dtmf) about 2 s into the call, while the PIN prompt plays, and
// checks the role the caller joins with.
func TestPINRFC4733(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ name, pin, role string }{
		{"attendee", "4321#", "attendee"},
		{"moderator", "9999#", "moderator"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := startParley(t, pinConfig)
			steps := []sippStep{{pause: 2 * time.Second, dtmf: tt.pin}, {pause: 3 * time.Second}}
			runPinSipp(t, srv, "pin_rfc4733.xml", pinReplace(t, steps, false))
			checkJoined(t, srv, tt.role)
		})
	}
}

// TestPINInfo gives the PIN as SIP INFO requests, one per key, in both
// bodies phones use: application/dtmf-relay ("Signal=4" and "Duration=160"
// lines) and application/dtmf (the key alone). sipp ends each line of a
// body with CRLF, so the first body goes out as "Signal=4\r\nDuration=160\r\n".
func TestPINInfo(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		contentType string
		body        func(key rune) string
	}{
		{"application/dtmf-relay", func(k rune) string { return "Signal=" + string(k) + "\nDuration=160" }},
		{"application/dtmf", func(k rune) string { return string(k) }},
	} {
		t.Run(tt.contentType, func(t *testing.T) {
			t.Parallel()
			srv := startParley(t, pinConfig)
			tone := filepath.Join(t.TempDir(), "tone.ulaw")
			writeUlaw(t, tone, sine(1000, 0.1, 2*time.Second))
			replace := map[string]string{"@TONE@": tone, "@TYPE@": tt.contentType}
			for i, k := range "4321#" {
				replace[fmt.Sprintf("@BODY%d@", i+1)] = tt.body(k)
			}
			runPinSipp(t, srv, "pin_info.xml", replace)
			checkJoined(t, srv, "attendee")
		})
	}
}

// TestPINInband gives the PIN as DTMF tones in the audio of a call that
// negotiated no telephone-event: 2 s of silence while the prompt plays,
// then 4321# at 80 ms a key with 80 ms gaps, then a quiet 1 kHz tone.
func TestPINInband(t *testing.T) {
	t.Parallel()
	srv := startParley(t, pinConfig)
	audio := silence(2 * time.Second)
	level := math.Pow(10, -10.0/20) // −10 dBFS per frequency
	for _, k := range "4321#" {
		audio = append(audio, dtmfTone(k, level, 80*time.Millisecond)...)
		audio = append(audio, silence(80*time.Millisecond)...)
	}
	audio = append(audio, sine(1000, 0.1, 3*time.Second)...)
	path := filepath.Join(t.TempDir(), "pin.ulaw")
	writeUlaw(t, path, audio)
	length := time.Duration(len(audio)) * time.Second / 8000
	runPinSipp(t, srv, "pin_inband.xml", map[string]string{
		"@AUDIO@": path, "@LENGTH@": fmt.Sprint(length.Milliseconds()),
	})
	checkJoined(t, srv, "attendee")
}

// TestPINWrongThreeTimes gives a wrong PIN three times, each after the
// previous wrong-PIN prompt has begun; Parley must say goodbye and hang up
// with BYE, and must not let the caller in.
func TestPINWrongThreeTimes(t *testing.T) {
	t.Parallel()
	srv := startParley(t, pinConfig)
	steps := []sippStep{
		{pause: 2 * time.Second, dtmf: "1111#"},
		{pause: time.Second, dtmf: "1111#"},
		{pause: time.Second, dtmf: "1111#"},
	}
	start := time.Now()
	runPinSipp(t, srv, "pin_rfc4733.xml", pinReplace(t, steps, true))
	t.Logf("Parley hung up %.1f s into the call", time.Since(start).Seconds())
	if n := len(srv.logged("wrong pin")); n != 3 {
		srv.dumpLogs(t)
		t.Errorf(`parley logged "wrong pin" %d times, want 3`, n)
	}
	refused := false
	for _, rec := range srv.logged("call refused") {
		if rec["reason"] == "wrong PIN three times" {
			refused = true
		}
	}
	if !refused {
		srv.dumpLogs(t)
		t.Error(`no "call refused" log with reason "wrong PIN three times"`)
	}
	if j := srv.logged("call joined"); len(j) != 0 {
		t.Errorf("a caller with a wrong PIN joined: %v", j)
	}
}

// TestPINWrongPromptHeard checks what a caller hears when its PIN is
// wrong. The room's prompts are tones (enter_pin 500 Hz, wrong_pin
// 1500 Hz, goodbye 2500 Hz, 1 s each) and the test is the caller's media:
// sipp only signals, offering the test's own UDP port. Each time the PIN
// prompt has finished, the test sends 1111# as RFC 4733 events. The caller
// must hear the PIN prompt, then after each wrong PIN the wrong-PIN prompt,
// followed by the PIN prompt again after the first two and by goodbye after
// the third.
func TestPINWrongPromptHeard(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for id, freq := range map[string]float64{"enter_pin": 500, "wrong_pin": 1500, "goodbye": 2500} {
		if err := writeTone(filepath.Join(dir, id+".wav"), 8000, freq, 0.3, 1); err != nil {
			t.Fatal(err)
		}
	}
	srv := startParley(t, pinConfig+"prompts:\n  dir: "+dir+"\n")
	peer := newRTPPeer(t, map[rune]float64{'E': 500, 'W': 1500, 'G': 2500})
	result := make(chan error, 1)
	var out string
	go func() {
		var err error
		out, err = runSippWith(t, "pin_go_media.xml", map[string]string{"@PORT@": fmt.Sprint(peer.port())}, "1000", srv.sipUDP)
		result <- err
	}()
	since := time.Now()
	for range 3 {
		if !peer.waitHeard('E', since, 10*time.Second) {
			break
		}
		since = time.Now()
		peer.sendDigits("1111#")
	}
	if err := <-result; err != nil {
		srv.dumpLogs(t)
		t.Fatalf("no BYE after three wrong PINs: %v\n%s", err, out)
	}
	if got, want := peer.heard(), "EWEWEWG"; got != want {
		srv.dumpLogs(t)
		t.Errorf("the caller heard the prompts %q, want %q (E enter_pin, W wrong_pin, G goodbye)", got, want)
	}
}

// TestPINKeys joins with the PIN and presses *6 twice: the first mutes the
// caller, the second unmutes.
func TestPINKeys(t *testing.T) {
	t.Parallel()
	srv := startParley(t, pinConfig)
	steps := []sippStep{
		{pause: 2 * time.Second, dtmf: "4321#"},
		{pause: 1500 * time.Millisecond, dtmf: "*6"},
		{pause: 1500 * time.Millisecond, dtmf: "*6"},
		{pause: time.Second},
	}
	runPinSipp(t, srv, "pin_rfc4733.xml", pinReplace(t, steps, false))
	checkJoined(t, srv, "attendee")
	var actions []string
	for _, rec := range srv.logged("phone key") {
		actions = append(actions, fmt.Sprint(rec["action"]))
	}
	var muted []string
	for _, rec := range srv.logged("participant muted") {
		muted = append(muted, fmt.Sprint(rec["muted"]))
	}
	if strings.Join(actions, ",") != "mute,mute" || strings.Join(muted, ",") != "true,false" {
		srv.dumpLogs(t)
		t.Errorf("phone key actions %v and muted %v, want [mute mute] and [true false]", actions, muted)
	}
}

// sippStep is one step of pin_rfc4733.xml: a pause, then optionally DTMF
// digits sent as RFC 4733 events.
type sippStep struct {
	pause time.Duration
	dtmf  string
}

// playDTMFTime is how long sipp 3.6's play_dtmf="DIGITS,100" sends for:
// 20 packets of payload type 97 and a 200 ms pause, then 100 ms of events
// and 100 ms of pause per digit. Another 200 ms is margin.
func playDTMFTime(digits string) time.Duration {
	return 800*time.Millisecond + time.Duration(len(digits))*200*time.Millisecond
}

// pinReplace writes the tone file pin_rfc4733.xml streams and returns the
// replacements that fill in its steps and its ending: its own BYE, or
// waiting for Parley's when waitBye is set. While play_dtmf sends events
// the tone stream pauses, as a phone's would.
func pinReplace(t *testing.T, steps []sippStep, waitBye bool) map[string]string {
	t.Helper()
	tone := filepath.Join(t.TempDir(), "tone.ulaw")
	writeUlaw(t, tone, sine(1000, 0.1, 2*time.Second))
	var b strings.Builder
	for _, s := range steps {
		fmt.Fprintf(&b, "<pause milliseconds=\"%d\"/>\n", s.pause.Milliseconds())
		if s.dtmf == "" {
			continue
		}
		fmt.Fprintf(&b, "<nop><action><exec rtp_stream=\"pause\"/><exec play_dtmf=\"%s,100\"/></action></nop>\n", s.dtmf)
		fmt.Fprintf(&b, "<pause milliseconds=\"%d\"/>\n", playDTMFTime(s.dtmf).Milliseconds())
		b.WriteString("<nop><action><exec rtp_stream=\"resume\"/></action></nop>\n")
	}
	ending := ""
	if waitBye {
		ending = `<nop next="wait"/>`
	}
	return map[string]string{"@TONE@": tone, "@STEPS@": b.String(), "@ENDING@": ending}
}

// runPinSipp runs a pin_*.xml scenario for one call into room 1000 and
// fails the test, with sipp's output, message trace and Parley's log, if
// the scenario fails.
func runPinSipp(t *testing.T, srv *server, scenario string, replace map[string]string) {
	t.Helper()
	trace := filepath.Join(t.TempDir(), "messages.log")
	out, err := runSippWith(t, scenario, replace, "1000", srv.sipUDP,
		"-mi", "127.0.0.1", "-trace_msg", "-message_file", trace)
	if err != nil {
		msgs, _ := os.ReadFile(trace)
		srv.dumpLogs(t)
		t.Fatalf("sipp %s failed: %v\n%s\nSIP trace:\n%s", scenario, err, out, msgs)
	}
}

// checkJoined checks that Parley let exactly one call into the room, with
// the given role.
func checkJoined(t *testing.T, srv *server, role string) {
	t.Helper()
	joined := srv.logged("call joined")
	if len(joined) != 1 || joined[0]["role"] != role {
		srv.dumpLogs(t)
		t.Fatalf(`parley logged "call joined" %d times (%v), want once with role %s`, len(joined), joined, role)
	}
}

// sine returns a sine of freq Hz at peak amplitude amp (0..1), sampled at
// 8 kHz.
func sine(freq, amp float64, d time.Duration) []float64 {
	n := int(d.Seconds() * 8000)
	x := make([]float64, n)
	for i := range x {
		x[i] = amp * math.Sin(2*math.Pi*freq*float64(i)/8000)
	}
	return x
}

// silence returns d of silence sampled at 8 kHz.
func silence(d time.Duration) []float64 { return make([]float64, int(d.Seconds()*8000)) }

// dtmfTone returns the two sines of a DTMF key (ITU-T Q.23), each at peak
// amplitude amp, sampled at 8 kHz.
func dtmfTone(key rune, amp float64, d time.Duration) []float64 {
	const keys = "123A456B789C*0#D"
	i := strings.IndexRune(keys, key)
	row := []float64{697, 770, 852, 941}[i/4]
	col := []float64{1209, 1336, 1477, 1633}[i%4]
	x := sine(row, amp, d)
	for j, v := range sine(col, amp, d) {
		x[j] += v
	}
	return x
}

// writeUlaw writes 8 kHz samples in [-1, 1] as raw µ-law, which is what
// sipp's rtp_stream sends with payload type 0.
func writeUlaw(t *testing.T, path string, x []float64) {
	t.Helper()
	pcm := make([]byte, 2*len(x))
	for i, v := range x {
		s := int16(math.Round(math.Max(-1, math.Min(1, v)) * 32767))
		pcm[2*i], pcm[2*i+1] = byte(s), byte(s>>8)
	}
	if err := os.WriteFile(path, g711.EncodeUlaw(pcm), 0o644); err != nil {
		t.Fatal(err)
	}
}
