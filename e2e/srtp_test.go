package e2e

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// srtpConfig listens on UDP and TLS, with the RTP range the capture
// filters on; rtp.srtp is left at its default, optional.
const srtpConfig = `
sip:
  listen: [udp://127.0.0.1:0, tls://127.0.0.1:0]
  tls: {cert: %s, key: %s}
  domain: 127.0.0.1
rtp:
  ports: 48600-48698
http:
  listen: 127.0.0.1:0
log:
  format: json
  level: info
rooms:
  - number: "1000"
    name: SRTP room
admin_tokens: ["` + adminToken + `"]
`

// The baresip phones' RTP ranges (newPhone takes 20 ports from each).
const (
	srtpAliceRTP = 48800
	srtpBobRTP   = 48840
)

// TestSRTPBaresipOverTLS: alice, a baresip over TLS with mediaenc=srtp-mand
// (its srtp module, RTP/SAVP with SDES keys), and bob, a plain PCMU
// baresip over UDP, join room 1000 sending 440 Hz and 1000 Hz. Each must
// hear the other's tone at the level sent: bob hears what Parley
// decrypted from alice, alice hears what Parley encrypted for her.
//
// While they talk, dumpcap (tshark's capture engine) captures the loopback UDP of Parley's RTP range.
// The method for "no plain RTP from the SRTP leg": the payloads (after
// the 12-byte RTP header) of every packet between Parley and alice's
// ports, concatenated, must have a byte entropy above 7.9 bits (what
// AES output has over kilobytes; G.711 of a tone, a few dozen codes in a
// smooth pattern, stays far below), and each packet must be 160 bytes of
// PCMU plus the SRTP tag. The same measure on bob's plain leg must come
// out below 7.5 bits, which shows the method tells the two apart.
func TestSRTPBaresipOverTLS(t *testing.T) {
	for _, tool := range []string{"baresip", "dumpcap"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed; run `make test`, which installs it", tool)
		}
	}
	dir := t.TempDir()
	cert, key := writeCert(t, dir)
	srv := startParley(t, fmt.Sprintf(srtpConfig, cert, key))
	if srv.sipTLS == "" {
		t.Fatal("parley logged no tls listener")
	}
	const amplitude = 0.25
	aliceWAV := toneFile(t, "alice.wav", 8000, 440, amplitude, 20)
	bobWAV := toneFile(t, "bob.wav", 8000, 1000, amplitude, 20)
	alice := newPhoneAccount(t, "alice", aliceWAV, "PCMU/8000/1", srtpAliceRTP,
		"<sip:alice@127.0.0.1;transport=tls>;regint=0;mediaenc=srtp-mand")
	// baresip's srtp module, and trust in Parley's test certificate.
	appendFile(t, filepath.Join(alice.dir, "config"), fmt.Sprintf("module srtp.so\nsip_cafile %s\nsip_verify_server no\n", cert))
	bob := newPhone(t, "bob", bobWAV, "PCMU/8000/1", srtpBobRTP)

	// The SIP trace to the log (no trace file): its messages carry the
	// SDP, whose keys Parley's log must never show.
	if out := parleyCLI(t, srv, "trace", "on", "--source", "127.0.0.1"); !strings.Contains(out, "trace 1 on") {
		t.Fatalf("trace on: %q", out)
	}
	capture := startCapture(t, "udp portrange 48600-48698")

	alice.dial(t, "sip:1000@"+srv.sipTLS+";transport=tls", 10)
	bob.dial(t, "sip:1000@"+srv.sipUDP, 10)
	alice.wait(t)
	bob.wait(t)
	packets := capture.stop(t)

	srv.waitLog(t, "call answered", 2, 5*time.Second)
	var srtpCalls, plainCalls int
	for _, rec := range srv.logged("call answered") {
		switch rec["srtp"] {
		case "AES_CM_128_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_32", "AEAD_AES_128_GCM":
			srtpCalls++
			t.Logf("alice's call: %v", rec["srtp"])
		case "off":
			plainCalls++
		}
	}
	if srtpCalls != 1 || plainCalls != 1 {
		srv.dumpLogs(t)
		t.Fatalf("parley answered %d SRTP and %d plain calls, want 1 and 1; alice's log:\n%s", srtpCalls, plainCalls, alice.logText())
	}
	masked := 0
	srv.logMu.Lock()
	for _, rec := range srv.logs {
		b, _ := json.Marshal(rec)
		if strings.Contains(strings.ReplaceAll(string(b), "inline:***", ""), "inline:") {
			t.Errorf("parley logged an SDES key: %s", b)
		}
		if rec["msg"] == "sip trace" && strings.Contains(string(b), "a=crypto:") {
			masked++
		}
	}
	srv.logMu.Unlock()
	if masked < 2 { // alice's offer and Parley's answer
		t.Errorf("%d traced messages with a=crypto lines, want the offer and the answer", masked)
	}

	for _, c := range []struct {
		p         *phone
		hears     float64
		ownSent   float64
		direction string
	}{{alice, 1000, 440, "alice (SRTP) hears bob"}, {bob, 440, 1000, "bob hears alice (SRTP)"}} {
		t.Run(c.direction, func(t *testing.T) {
			x, rate, err := readWAV(c.p.recording(t))
			if err != nil {
				t.Fatal(err)
			}
			if len(x) < 8*rate {
				t.Fatalf("recording is %.1f s long, want 8 s; log:\n%s", float64(len(x))/float64(rate), c.p.logText())
			}
			spec := newSpectrum(x[3*rate:8*rate], rate)
			peaks := spec.peaks(100, 3900)
			if len(peaks) == 0 || math.Abs(peaks[0].freq-c.hears) > 10 {
				t.Fatalf("dominant tone %v, want %v Hz; log:\n%s", fmtPeaks(peaks[:min(3, len(peaks))]), c.hears, c.p.logText())
			}
			level := dB(spec.amplitude(c.hears) / amplitude)
			t.Logf("hears %v Hz at %+.1f dB relative to what was sent", c.hears, level)
			if math.Abs(level) > 6 {
				t.Errorf("%v Hz arrives at %+.1f dB, want within 6 dB of the sent level", c.hears, level)
			}
		})
	}

	secure, plain := legPayloads(packets)
	if len(secure.payloads) < 100 || len(plain.payloads) < 100 {
		t.Fatalf("captured %d packets of alice's leg and %d of bob's, want at least 100 each", len(secure.payloads), len(plain.payloads))
	}
	hs, hp := entropy(secure.payloads), entropy(plain.payloads)
	t.Logf("payload entropy: SRTP leg %.3f bits/byte over %d packets, plain leg %.3f over %d", hs, len(secure.payloads), hp, len(plain.payloads))
	if hs < 7.9 {
		t.Errorf("SRTP leg's payload entropy %.3f bits/byte, want above 7.9: plain RTP went out", hs)
	}
	if hp > 7.5 {
		t.Errorf("plain leg's payload entropy %.3f bits/byte, want below 7.5: the measure cannot tell", hp)
	}
	for _, n := range secure.sizes {
		if n != 160+10 && n != 160+4 && n != 160+16 {
			t.Errorf("an SRTP leg payload of %d bytes, want 160 and a 4, 10 or 16-byte tag", n)
			break
		}
	}
}

// TestSRTPOfferOverUDPRefused: an RTP/SAVP offer with an SDES key that
// comes over plain UDP gets 488, and Parley logs why.
func TestSRTPOfferOverUDPRefused(t *testing.T) {
	dir := t.TempDir()
	cert, key := writeCert(t, dir)
	srv := startParley(t, fmt.Sprintf(srtpConfig, cert, key))
	r := newRawSIP(t, srv.sipUDP)
	body := strings.Replace(offer("127.0.0.1:48890"), "RTP/AVP", "RTP/SAVP", 1) +
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\n"
	msg, _, _ := r.request("INVITE", body)
	r.send(t, msg)
	if rep := r.final(t, "INVITE", false); rep.code != 488 {
		t.Fatalf("got %d %s, want 488", rep.code, rep.reason)
	}
	srv.waitLog(t, "call refused", 1, 5*time.Second) // the log is read as it comes
	found := false
	for _, rec := range srv.logged("call refused") {
		if reason, _ := rec["reason"].(string); strings.Contains(reason, "cleartext signalling") && rec["status"] == float64(488) {
			found = true
		}
	}
	if !found {
		srv.dumpLogs(t)
		t.Error("no log line saying the SRTP offer came over cleartext signalling")
	}
}

// appendFile appends text to the file at path.
func appendFile(t *testing.T, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
}

// legCapture is what one call leg carried: the RTP payloads (after the
// fixed 12-byte header) and their sizes.
type legCapture struct {
	payloads [][]byte
	sizes    []int
}

// legPayloads sorts the captured RTP (RTCP left out) into alice's leg
// and bob's, by their ports.
func legPayloads(packets []dialogPacket) (alice, bob legCapture) {
	in := func(port, base int) bool { return port >= base && port < base+20 }
	for _, p := range packets {
		if p.pt >= 64 && p.pt <= 95 {
			continue // RTCP multiplexed (RFC 5761)
		}
		var leg *legCapture
		switch {
		case in(p.src, srtpAliceRTP) || in(p.dst, srtpAliceRTP):
			leg = &alice
		case in(p.src, srtpBobRTP) || in(p.dst, srtpBobRTP):
			leg = &bob
		default:
			continue
		}
		leg.payloads = append(leg.payloads, p.payload)
		leg.sizes = append(leg.sizes, len(p.payload))
	}
	return alice, bob
}

// entropy is the Shannon entropy, in bits per byte, of the bytes of
// payloads taken together.
func entropy(payloads [][]byte) float64 {
	var counts [256]int
	total := 0
	for _, p := range payloads {
		for _, c := range p {
			counts[c]++
		}
		total += len(p)
	}
	h := 0.0
	for _, n := range counts {
		if n > 0 {
			p := float64(n) / float64(total)
			h -= p * math.Log2(p)
		}
	}
	return h
}
