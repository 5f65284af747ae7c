package e2e

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/parleyhq/parley/internal/testcert"
)

// httpsBrowserConfig is browserConfig's room 1000 served over HTTPS with
// the certificate and key files given by the two %s.
const httpsBrowserConfig = `
sip:
  listen: [udp://127.0.0.1:0]
  domain: 127.0.0.1
rtp:
  ports: 45000-45098
http:
  listen: 127.0.0.1:0
  tls:
    cert: %s
    key: %s
log:
  format: json
  level: info
admin_tokens: ["` + adminToken + `"]
rooms:
  - number: "1000"
    name: Browser room
    guest_access: true
`

// testHost is the name the browser tests reach Parley by: not localhost,
// which browsers treat as a secure context even over plain HTTP. Chromium
// resolves it to 127.0.0.1 (resolveTestHost).
const testHost = "parley.test"

// resolveTestHost maps testHost to 127.0.0.1 in Chromium.
func resolveTestHost() chromedp.ExecAllocatorOption {
	return chromedp.Flag("host-resolver-rules", "MAP "+testHost+" 127.0.0.1")
}

// testHostURL is the URL of path on srv's HTTP listener by testHost.
func testHostURL(t *testing.T, scheme string, srv *server, path string) string {
	t.Helper()
	_, port, err := net.SplitHostPort(srv.http)
	if err != nil {
		t.Fatal(err)
	}
	return scheme + "://" + testHost + ":" + port + path
}

// httpsAPI calls the REST API of a Parley serving HTTPS, trusting pool
// and asking for testHost.
type httpsAPI struct {
	srv    *server
	client *http.Client
}

func newHTTPSAPI(t *testing.T, srv *server, pool *x509.CertPool) httpsAPI {
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: testHost}, DisableKeepAlives: true}
	t.Cleanup(tr.CloseIdleConnections)
	return httpsAPI{srv: srv, client: &http.Client{Transport: tr, Timeout: 10 * time.Second}}
}

// call sends body as JSON with the admin token, decodes the answer into
// out, and returns the response.
func (a httpsAPI) call(t *testing.T, method, path string, body, out any) *http.Response {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(method, "https://"+a.srv.http+path, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+adminToken)
	req.Header.Set("Content-Type", "application/json")
	res, err := a.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %d %q: %v", method, path, res.StatusCode, data, err)
		}
	}
	return res
}

// TestBrowserHTTPSGuestHearsPhone is issue 13's HTTPS check: Parley serves
// http.listen over HTTPS with a certificate from a test CA for
// parley.test; a headless Chromium that trusts it (by its public key)
// opens the join page at https://parley.test:PORT, which is a secure
// context, joins room 1000 and hears the baresip phone's 440 Hz. The API
// answers over HTTPS with HSTS.
func TestBrowserHTTPSGuestHearsPhone(t *testing.T) {
	ca := testcert.NewCA(t, "Parley test CA")
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "http.pem"), filepath.Join(dir, "http.key")
	spki := ca.Issue(t, certFile, keyFile, testHost)
	srv := startParley(t, fmt.Sprintf(httpsBrowserConfig, certFile, keyFile))
	if recs := srv.logged("http listening"); len(recs) != 1 || recs[0]["https"] != true {
		t.Fatalf("http listening lines %v, want one with https true", recs)
	}
	api := newHTTPSAPI(t, srv, ca.Pool)
	var l link
	res := api.call(t, "POST", "/api/v1/rooms/1000/links", map[string]any{"kind": "group", "role": "attendee", "description": "E2E"}, &l)
	if res.StatusCode != 201 || l.Token == "" {
		t.Fatalf("create link over HTTPS: status %d, %+v", res.StatusCode, l)
	}
	if hsts := res.Header.Get("Strict-Transport-Security"); hsts != "max-age=31536000" {
		t.Errorf("Strict-Transport-Security %q, want max-age=31536000 (the default year)", hsts)
	}
	phoneWAV := toneFile(t, "phone.wav", 8000, 440, toneAmplitude, 30)
	browserWAV := toneFile(t, "browser.wav", 48000, 1000, toneAmplitude, 30)
	ph := newPhone(t, "phone", phoneWAV, "PCMU/8000/1", 43100)
	ph.dial(t, "sip:1000@"+srv.sipUDP, 25)
	srv.waitLog(t, "call joined", 1, 10*time.Second)

	b := newBrowser(t, browserWAV, resolveTestHost(), chromedp.Flag("ignore-certificate-errors-spki-list", spki))
	b.do(t, chromedp.Navigate(testHostURL(t, "https", srv, "/join/"+l.Token+"?raw=1")))
	if v := b.eval(t, `[location.protocol, location.hostname, window.isSecureContext].join(' ')`); v != "https: parley.test true" {
		t.Fatalf("the page is %q, want https: parley.test true (a secure context)", v)
	}
	pollTone(t, b, "parleyTest.local", 1000, 10*time.Second)
	b.do(t, chromedp.SendKeys("", "Secure Guest", byAX("textbox", "name", false)))
	b.clickJoin(t)
	b.waitState(t, "joined", 20*time.Second)
	heard, level := hearsAt(t, b, 440)
	t.Logf("over HTTPS the page hears %.1f Hz at %+.1f dB relative to what the phone sent", heard.Frequency, level)
	if math.Abs(level) > 6 {
		t.Errorf("the page hears 440 Hz at %+.1f dB, want within 6 dB of the sent level", level)
	}
	b.screenshot(t, "join-https-in-call.png")
	b.do(t, chromedp.Click("", byAX("button", "Leave", true)))
	srv.waitLog(t, "guest call ended", 1, 10*time.Second)
}

// TestBrowserPlainHTTPNeedsHTTPS: the join page opened over plain HTTP by
// a name other than localhost is not a secure context, and says that
// HTTPS is missing (not that the browser cannot join) with Join
// disabled; the same page on 127.0.0.1, a secure context, starts the
// microphone instead.
func TestBrowserPlainHTTPNeedsHTTPS(t *testing.T) {
	srv := startParley(t, browserConfig)
	l := createLink(t, srv, "1000")
	b := newBrowser(t, toneFile(t, "browser.wav", 48000, 1000, toneAmplitude, 30), resolveTestHost())
	b.do(t, chromedp.Navigate(testHostURL(t, "http", srv, "/join/"+l.Token)))
	b.waitText(t, "#alert", "This page was opened without HTTPS", 10*time.Second)
	b.screenshot(t, "join-needs-https.png")
	if v := b.eval(t, `[window.isSecureContext, document.getElementById('join').disabled].join(' ')`); v != "false true" {
		t.Errorf("isSecureContext and Join disabled are %q, want false true", v)
	}
	if text := b.text(t, "main"); strings.Contains(text, "This browser cannot join calls") {
		t.Errorf("the page blames the browser: %q", text)
	}

	b.do(t, chromedp.Navigate(l.url(srv)))
	pollTone(t, b, "parleyTest.local", 1000, 10*time.Second)
	if v := b.eval(t, `[window.isSecureContext, document.getElementById('join').disabled, document.getElementById('alert').hidden].join(' ')`); v != "true false true" {
		t.Errorf("on 127.0.0.1 isSecureContext, Join disabled and alert hidden are %q, want true false true", v)
	}
}
