package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/parleyhq/parley/config"
	"github.com/parleyhq/parley/internal/testcert"
)

// TestAppHTTPS starts Parley with http.tls from files and a redirect
// listener: HTTPS serves with HSTS, plain HTTP redirects but for
// /healthz, and a SIGHUP-style reload swaps in a new certificate.
func TestAppHTTPS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "http.pem"), filepath.Join(dir, "http.key")
	first, second := testcert.NewCA(t, "first"), testcert.NewCA(t, "second")
	first.Issue(t, certFile, keyFile, "127.0.0.1")
	yaml := fmt.Sprintf(`sip:
  listen: [udp://127.0.0.1:0]
http:
  listen: 127.0.0.1:0
  redirect_listen: 127.0.0.1:0
  tls:
    cert: %s
    key: %s
    hsts: 24h
webrtc:
  udp_port: 0
  listen_ip: 127.0.0.1
store:
  path: %s
`, certFile, keyFile, filepath.Join(dir, "parley.db"))
	a, _, _ := startTestApp(t, dir, yaml)
	httpsAddr := a.HTTPAddr().String()

	// HTTPS, with the certificate of the files and HSTS.
	get := func(pool *x509.CertPool, url string) *http.Response {
		t.Helper()
		c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, DisableKeepAlives: true},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		res, err := c.Get(url)
		if err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
		res.Body.Close()
		return res
	}
	res := get(first.Pool, "https://"+httpsAddr+"/healthz")
	if res.StatusCode != 200 || res.Header.Get("Strict-Transport-Security") != "max-age=86400" || res.TLS.PeerCertificates[0].Issuer.CommonName != "first" {
		t.Errorf("GET https /healthz: %d, HSTS %q, issuer %q; want 200, max-age=86400, first",
			res.StatusCode, res.Header.Get("Strict-Transport-Security"), res.TLS.PeerCertificates[0].Issuer.CommonName)
	}

	// The redirect listener.
	if a.front.redirectAddr == nil {
		t.Fatal("no redirect listener")
	}
	redirect := a.front.redirectAddr.String()
	_, port, _ := net.SplitHostPort(httpsAddr)
	res = get(nil, "http://"+redirect+"/join/abc?x=1")
	if want := "https://127.0.0.1:" + port + "/join/abc?x=1"; res.StatusCode != http.StatusPermanentRedirect || res.Header.Get("Location") != want {
		t.Errorf("GET http /join/abc?x=1: %d to %q, want 308 to %q", res.StatusCode, res.Header.Get("Location"), want)
	}
	if res = get(nil, "http://"+redirect+"/healthz"); res.StatusCode != 200 {
		t.Errorf("GET http /healthz on the redirect listener: %d, want 200", res.StatusCode)
	}

	// A new pair on disk, then a reload: the new certificate is served.
	second.Issue(t, certFile, keyFile, "127.0.0.1")
	if err := a.front.reloadCert(); err != nil {
		t.Fatal(err)
	}
	if res = get(second.Pool, "https://"+httpsAddr+"/healthz"); res.TLS.PeerCertificates[0].Issuer.CommonName != "second" {
		t.Errorf("after reload the certificate is issued by %q, want second", res.TLS.PeerCertificates[0].Issuer.CommonName)
	}
	// A broken key: the reload fails and the pair in use stays.
	if err := os.WriteFile(keyFile, []byte("broken"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := a.front.reloadCert(); err == nil {
		t.Error("reload of a broken key succeeded")
	}
	if res = get(second.Pool, "https://"+httpsAddr+"/healthz"); res.StatusCode != 200 || res.TLS.PeerCertificates[0].Issuer.CommonName != "second" {
		t.Errorf("after a failed reload: %d with %q, want 200 with second", res.StatusCode, res.TLS.PeerCertificates[0].Issuer.CommonName)
	}
}

// TestRedirectTarget: where the redirect listener sends a request.
func TestRedirectTarget(t *testing.T) {
	for _, tt := range []struct {
		name, public, host, uri string
		port                    int
		want                    string
	}{
		{"the request's host, HTTPS port", "", "meet.example.com", "/join/x?a=b", 8443, "https://meet.example.com:8443/join/x?a=b"},
		{"port 443 left out", "", "meet.example.com:80", "/", 443, "https://meet.example.com/"},
		{"IPv6 host", "", "[2001:db8::1]:80", "/healthz2", 443, "https://[2001:db8::1]/healthz2"},
		{"IPv6 host, other port", "", "[2001:db8::1]", "/", 8443, "https://[2001:db8::1]:8443/"},
		{"public URL wins", "https://meet.example.com:4443/base", "10.0.0.1:80", "/join/x", 443, "https://meet.example.com:4443/join/x"},
		{"http public URL is not a target", "http://meet.example.com", "10.0.0.1", "/", 443, "https://10.0.0.1/"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, err := newHTTPFront(config.HTTP{PublicURL: tt.public, ProxyHeader: "X-Forwarded-For"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			r := httptest.NewRequest("GET", tt.uri, nil)
			r.Host = tt.host
			if got := f.httpsURL(r, tt.port); got != tt.want {
				t.Errorf("httpsURL = %q, want %q", got, tt.want)
			}
		})
	}
}
