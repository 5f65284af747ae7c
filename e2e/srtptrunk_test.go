package e2e

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// srtpTrunkConfig has rtp.srtp off and one trunk, pstn, over TLS to a
// baresip on 127.0.0.1:%d, whose own srtp is required.
const srtpTrunkConfig = `
sip:
  listen: [udp://127.0.0.1:0, tls://127.0.0.1:0]
  tls: {cert: %s, key: %s}
  domain: 127.0.0.1
rtp:
  ports: 48700-48798
  srtp: "off"
http:
  listen: 127.0.0.1:0
log:
  format: json
  level: info
admin_tokens: ["` + adminToken + `"]
trunks:
  - name: pstn
    proxy: "sip:127.0.0.1:%d;transport=tls"
    srtp: required
    allow: ['^\+44[0-9]{10}$']
rooms:
  - number: "1000"
    name: SRTP trunk room
`

// freeSIPPortPair returns a port P on 127.0.0.1 such that P and P+1 were
// free a moment ago for both TCP and UDP: baresip's SIP takes P and its
// TLS P+1.
func freeSIPPortPair(t *testing.T) int {
	t.Helper()
	for i := 0; i < 50; i++ {
		p := freeTCPPort(t)
		ok := true
		for _, q := range []int{p, p + 1} {
			l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", q))
			if err != nil {
				ok = false
				break
			}
			u, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", q))
			l.Close()
			if err != nil {
				ok = false
				break
			}
			u.Close()
		}
		if ok {
			return p
		}
	}
	t.Fatal("no two free ports in a row")
	return 0
}

// TestSRTPTrunkReinvite: Parley dials out through a trunk whose srtp is
// required while rtp.srtp is off; the far end, a baresip over TLS with
// mediaenc=srtp-mand that answers by itself, holds and resumes the call
// with re-INVITEs (RTP/SAVP with new SDES offers). Each is judged by the
// trunk's policy, the call's own, and taken (sendonly answered recvonly,
// then sendrecv), never refused because rtp.srtp is off.
func TestSRTPTrunkReinvite(t *testing.T) {
	dir := t.TempDir()
	cert, key := writeCert(t, dir)
	// Parley trusts the far end's certificate as a root (Go reads
	// SSL_CERT_FILE for the system roots); baresip serves it.
	t.Setenv("SSL_CERT_FILE", cert)
	certKey, err := os.ReadFile(cert)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM, err := os.ReadFile(key)
	if err != nil {
		t.Fatal(err)
	}
	combined := filepath.Join(dir, "baresip.pem")
	if err := os.WriteFile(combined, append(certKey, keyPEM...), 0o600); err != nil {
		t.Fatal(err)
	}

	sipPort := freeSIPPortPair(t)
	wav := toneFile(t, "callee.wav", 8000, 440, toneAmplitude, 30)
	callee := newPhoneAccount(t, "callee", wav, "PCMU/8000/1", 48900,
		"<sip:+441632960123@127.0.0.1;transport=tls>;regint=0;answermode=auto;mediaenc=srtp-mand")
	cfgPath := filepath.Join(callee.dir, "config")
	cfg, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(cfg), "sip_listen 127.0.0.1:0", fmt.Sprintf("sip_listen 127.0.0.1:%d", sipPort), 1)
	text += fmt.Sprintf("module srtp.so\nsip_certificate %s\nsip_cafile %s\nsip_verify_server no\n", combined, cert)
	if err := os.WriteFile(cfgPath, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	callee.start(t, 30)

	srv := startParley(t, fmt.Sprintf(srtpTrunkConfig, cert, key, sipPort+1))
	var d dialResult
	for i := 0; ; i++ { // baresip may still be starting
		id := srv.dial(t, "1000", "+441632960123", nil)
		if d = srv.waitDial(t, "1000", id, 10*time.Second); d.Status == "answered" || i == 20 {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	if d.Status != "answered" {
		srv.dumpLogs(t)
		t.Fatalf("dial through the SRTP trunk: %+v, want answered; baresip log:\n%s", d, callee.logText())
	}
	if !loggedFields(srv, "call answered", "direction", "out", "srtp", "AES_CM_128_HMAC_SHA1_80") &&
		!loggedFields(srv, "call answered", "direction", "out", "srtp", "AES_CM_128_HMAC_SHA1_32") &&
		!loggedFields(srv, "call answered", "direction", "out", "srtp", "AEAD_AES_128_GCM") {
		srv.dumpLogs(t)
		t.Fatal("the call out was not answered with SRTP")
	}
	for _, step := range []struct{ command, direction string }{{"/hold", "recvonly"}, {"/resume", "sendrecv"}} {
		if err := callee.command(t, step.command); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for !loggedFields(srv, "session updated", "direction", step.direction) {
			if len(srv.logged("re-INVITE refused")) > 0 || time.Now().After(deadline) {
				srv.dumpLogs(t)
				t.Fatalf("%s: parley did not take the re-INVITE (session updated %s); baresip log:\n%s", step.command, step.direction, callee.logText())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	if err := callee.command(t, "/quit"); err != nil {
		t.Fatal(err)
	}
	callee.wait(t)
}
