package main

import (
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/parleyhq/parley/internal/testcert"
)

// TestCertExpiryMetric starts Parley with http.tls and sip.tls from files
// and metrics on a listener of their own: /metrics reports when each
// certificate expires, and the HTTPS one again after a reload swaps in a
// renewed pair.
func TestCertExpiryMetric(t *testing.T) {
	dir := t.TempDir()
	httpCert, httpKey := filepath.Join(dir, "http.pem"), filepath.Join(dir, "http.key")
	sipCert, sipKey := filepath.Join(dir, "sip.pem"), filepath.Join(dir, "sip.key")
	httpExpiry := time.Date(2031, 1, 2, 3, 4, 5, 0, time.UTC)
	sipExpiry := time.Date(2030, 6, 7, 8, 9, 10, 0, time.UTC)
	ca := testcert.NewCA(t, "obs")
	ca.IssueUntil(t, httpCert, httpKey, httpExpiry, "127.0.0.1")
	ca.IssueUntil(t, sipCert, sipKey, sipExpiry, "127.0.0.1")
	yaml := fmt.Sprintf(`sip:
  listen: [udp://127.0.0.1:0, tls://127.0.0.1:0]
  tls: {cert: %s, key: %s}
http:
  listen: 127.0.0.1:0
  tls: {cert: %s, key: %s}
metrics:
  listen: 127.0.0.1:0
webrtc:
  udp_port: 0
  listen_ip: 127.0.0.1
store:
  path: %s
`, sipCert, sipKey, httpCert, httpKey, filepath.Join(dir, "parley.db"))
	a, _, _ := startTestApp(t, dir, yaml)
	want := map[string]time.Time{"http": httpExpiry, "sip": sipExpiry}
	checkExpiry(t, a.MetricsAddr(), want)

	renewed := httpExpiry.AddDate(0, 3, 0)
	ca.IssueUntil(t, httpCert, httpKey, renewed, "127.0.0.1")
	if err := a.front.reloadCert(); err != nil {
		t.Fatal(err)
	}
	want["http"] = renewed
	checkExpiry(t, a.MetricsAddr(), want)
}

// checkExpiry scrapes addr's /metrics and compares
// parley_tls_cert_expiry_seconds with want, by listener.
func checkExpiry(t *testing.T, addr net.Addr, want map[string]time.Time) {
	t.Helper()
	res, err := http.Get("http://" + addr.String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	got := make(map[string]time.Time)
	for _, m := range fams["parley_tls_cert_expiry_seconds"].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "listener" {
				got[l.GetValue()] = time.Unix(int64(m.GetGauge().GetValue()), 0).UTC()
			}
		}
	}
	if len(got) != len(want) {
		t.Errorf("parley_tls_cert_expiry_seconds = %v, want %v", got, want)
	}
	for l, w := range want {
		if !got[l].Equal(w) {
			t.Errorf("parley_tls_cert_expiry_seconds{listener=%q} = %v, want %v", l, got[l], w)
		}
	}
}
