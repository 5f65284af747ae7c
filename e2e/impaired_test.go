package e2e

import (
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The impairment the issue sets for a leg: 5% loss, 30 ms of jitter
// (a delay of 30 ± 30 ms, as netem's "delay 30ms 30ms") and reordering.
var issueImpairment = impairment{loss: 0.05, delay: 30 * time.Millisecond, jitter: 30 * time.Millisecond, reorder: 0.05}

// TestImpairedLegKeepsTone: sipp streams a 1 kHz tone (PCMU) into room
// 1000 through the impairment proxy, which loses 5% of its RTP, delays
// the rest by 30 ± 30 ms and sends 5% at once, ahead of the held ones.
// The RTP Parley sends the baresip phone in the room must carry the tone
// in more than 99% of the 20 ms frames while sipp streams: Parley's jitter
// buffer puts the packets back in order and G.711 concealment covers the
// losses. Not parallel: its 1% bound measures Parley's timing, which a
// core shared with three other calls' tests would blur.
func TestImpairedLegKeepsTone(t *testing.T) {
	const stream = 15 * time.Second
	// No join prompt: it would cover the tone for a second and a half.
	d := newDialogRoomWith(t, roomConfig+"prompts:\n  announce_join_leave: false\n", "impaired", 41980, 24)
	proxy := newImpairProxy(t, d.srv.sipUDP, issueImpairment, 11)
	d.sipTarget = proxy.sip.conn.LocalAddr().String()
	d.replace = map[string]string{
		"PROXY_SIP": fmt.Sprint(proxy.sip.port()),
		"PROXY_RTP": fmt.Sprint(proxy.rtp.port()),
		"STREAM_MS": fmt.Sprint(stream.Milliseconds()),
	}
	// The phone first hears its own "first participant" prompt (1.7 s),
	// which replaces the room's audio for it: sipp calls once it is over.
	time.Sleep(2500 * time.Millisecond)
	capture := startCapture(t, "udp dst portrange 41980-41999") // what the phone is sent
	res := d.runSipp(t, "impaired.xml", 40*time.Second)
	metrics := d.srv.scrape(t)
	packets := capture.stop(t)
	d.phone.wait(t)
	if res.err != nil {
		d.srv.dumpLogs(t)
		t.Fatalf("sipp's call through the proxy failed: %v\n%s\n%s", res.err, res.out, res.errors)
	}
	d.checkNotDropped(t)
	st := proxy.rtp.Stats()
	t.Logf("proxy (%v): %d RTP packets from sipp, %d lost (%.1f%%), %d sent, %d of them after a later one",
		issueImpairment, st.received, st.lost, 100*float64(st.lost)/float64(max(1, st.received)), st.sent, st.overtook)
	t.Logf("parley: %s", metrics)
	if st.received < int(stream.Seconds()*50*9/10) || st.lost == 0 || st.overtook == 0 {
		t.Fatalf("the proxy relayed %+v: the stream did not go through it, or was not impaired", st)
	}

	// Measured in the RTP Parley sends the phone, captured on the wire:
	// a frame Parley did not send counts as missing. (baresip's recording,
	// placed by wall-clock offsets, slides when a loaded machine drops
	// frames; see TestBrowserToPhoneRepeated.)
	answered, ended := d.sippCall(t)
	h := phoneHears(packets, answered.Add(time.Second), ended.Add(-500*time.Millisecond), dialogSippTone)
	missing := h.frames - h.heard
	pct := 100 * float64(missing) / float64(max(1, h.frames))
	t.Logf("the phone is sent sipp's 1 kHz tone in %d of %d 20 ms frames: %d missing (%.2f%%), at %+.1f dB (median); %d packets sent",
		h.heard, h.frames, missing, pct, h.level, h.packets)
	if len(h.without) > 0 {
		t.Logf("packets without the tone, ms into the span: %v", h.without[:min(60, len(h.without))])
	}
	if h.frames < 600 {
		t.Fatalf("only %d frames to check", h.frames)
	}
	if pct >= 1 {
		t.Errorf("the phone misses the tone in %.2f%% of the frames, want under 1%%", pct)
	}
}

// toneInFrame reports whether one 20 ms frame x holds a sine at freq
// within 10 dB of amplitude, stronger than everything else in it: the
// tone's amplitude is at least 70% of what the frame's RMS would give a
// pure sine (a frame of concealment noise or silence fails both).
func toneInFrame(x []float64, rate int, freq, amplitude float64) bool {
	a := newSpectrum(x, rate).amplitude(freq)
	var sq float64
	for _, v := range x {
		sq += v * v
	}
	rmsAmp := math.Sqrt2 * math.Sqrt(sq/float64(len(x)))
	return dB(a/amplitude) > -10 && a >= 0.7*rmsAmp
}

// scrape returns parley's jitter and loss figures from /metrics.
func (s *server) scrape(t *testing.T) string {
	t.Helper()
	res, err := http.Get("http://" + s.http + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	var out []string
	for _, line := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(line, "parley_rtp_packets_lost_total") || strings.HasPrefix(line, "parley_jitter_buffer_delay") {
			out = append(out, line)
		}
	}
	return strings.Join(out, "; ")
}
