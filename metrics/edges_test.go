package metrics

import (
	"crypto/tls"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/testcert"
	"github.com/parleyhq/parley/notify"
	"github.com/parleyhq/parley/sip"
	"github.com/parleyhq/parley/webhook"
	"github.com/parleyhq/parley/webrtc"
)

type fakeBindings int

func (f fakeBindings) Bindings() int { return int(f) }

type fakeGuests webrtc.Stats

func (f fakeGuests) Stats() webrtc.Stats { return webrtc.Stats(f) }

type fakeHooks webhook.Stats

func (f fakeHooks) Stats() webhook.Stats { return webhook.Stats(f) }

type fakeSends notify.SendStats

func (f fakeSends) Stats() notify.SendStats { return notify.SendStats(f) }

type fakeStore uint64

func (f fakeStore) Errors() uint64 { return uint64(f) }

// TestEdgeSources checks the metrics read at scrape time from the edges'
// own counters.
func TestEdgeSources(t *testing.T) {
	m := newMetrics(t)
	err := m.Start(Sources{
		Bindings: fakeBindings(3),
		Guests: fakeGuests{Calls: 2, Sessions: map[webrtc.SessionOutcome]uint64{
			webrtc.SessionEnded: 5, webrtc.SessionRefused: 1, webrtc.SessionConnectFailed: 2}},
		Webhooks: fakeHooks{Delivered: 10, Failed: 2, Retried: 4, Dropped: 1},
		Mail:     fakeSends{Sent: 7, Failed: 1},
		Store:    fakeStore(6),
	})
	if err != nil {
		t.Fatal(err)
	}
	f := scrape(t, m.Handler())
	tests := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"parley_registrations_active", nil, 3},
		{"parley_webrtc_sessions_active", nil, 2},
		{"parley_webrtc_sessions_total", map[string]string{"outcome": "ended"}, 5},
		{"parley_webrtc_sessions_total", map[string]string{"outcome": "refused"}, 1},
		{"parley_webrtc_sessions_total", map[string]string{"outcome": "connect_failed"}, 2},
		{"parley_webrtc_sessions_total", map[string]string{"outcome": "failed"}, 0},
		{"parley_webhook_deliveries_total", map[string]string{"result": "delivered"}, 10},
		{"parley_webhook_deliveries_total", map[string]string{"result": "failed"}, 2},
		{"parley_webhook_deliveries_total", map[string]string{"result": "dropped"}, 1},
		{"parley_webhook_deliveries_total", map[string]string{"result": "abandoned"}, 0},
		{"parley_webhook_retries_total", nil, 4},
		{"parley_notifications_total", map[string]string{"channel": "email", "result": "sent"}, 7},
		{"parley_notifications_total", map[string]string{"channel": "email", "result": "failed"}, 1},
		{"parley_notifications_total", map[string]string{"channel": "sms", "result": "sent"}, 0}, // no gateway: 0
		{"parley_store_errors_total", nil, 6},
	}
	for _, tt := range tests {
		wantValue(t, f, tt.name, tt.labels, tt.want)
	}
}

// TestEdgesWithoutSources checks that every edge series exists at 0
// before Start and without sources, so that dashboards and alerts never
// see a gap.
func TestEdgesWithoutSources(t *testing.T) {
	m := newMetrics(t)
	f := scrape(t, m.Handler())
	for _, name := range []string{"parley_registrations_active", "parley_webrtc_sessions_active",
		"parley_webrtc_sessions_total", "parley_webhook_deliveries_total", "parley_webhook_retries_total",
		"parley_notifications_total", "parley_store_errors_total", "parley_registrations_total",
		"parley_sip_requests_total"} {
		fam, ok := f[name]
		if !ok {
			t.Errorf("%s missing", name)
			continue
		}
		for _, s := range fam.GetMetric() {
			if v := s.GetCounter().GetValue() + s.GetGauge().GetValue(); v != 0 {
				t.Errorf("%s%v = %v, want 0", name, s.GetLabel(), v)
			}
		}
	}
}

// TestSIPMessages checks the SIP counters: requests by method (unknown
// methods folded into other), responses by method, class and code, and
// the REGISTER outcomes (a challenge is neither).
func TestSIPMessages(t *testing.T) {
	m := newMetrics(t)
	for _, msg := range []sip.Message{
		{Method: "INVITE"},
		{Method: "INVITE"},
		{Method: "FOO"},
		{Method: "invite"}, // methods are case-sensitive (RFC 3261 §7.1): other
		{Sent: true, Method: "INVITE", Status: 100},
		{Sent: true, Method: "INVITE", Status: 200},
		{Sent: true, Method: "INVITE", Status: 486},
		{Method: "REGISTER"},
		{Sent: true, Method: "REGISTER", Status: 401}, // challenge
		{Sent: true, Method: "REGISTER", Status: 200},
		{Sent: true, Method: "REGISTER", Status: 403},
		{Sent: true, Method: "REGISTER", Status: 401, Credentials: true}, // wrong password
		{Sent: true, Method: "OPTIONS"},
		{Method: "OPTIONS", Status: 200},
		{Method: "REGISTER", Status: 200},      // received: a REGISTER Parley sent, not its registrar's
		{Sent: true, Method: "BYE", Status: 9}, // out of range: other
	} {
		m.SIPMessage(msg)
	}
	f := scrape(t, m.Handler())
	tests := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"parley_sip_requests_total", map[string]string{"direction": "received", "method": "INVITE"}, 2},
		{"parley_sip_requests_total", map[string]string{"direction": "received", "method": "other"}, 2},
		{"parley_sip_requests_total", map[string]string{"direction": "received", "method": "REGISTER"}, 1},
		{"parley_sip_requests_total", map[string]string{"direction": "sent", "method": "OPTIONS"}, 1},
		{"parley_sip_requests_total", map[string]string{"direction": "sent", "method": "INVITE"}, 0},
		{"parley_sip_responses_total", map[string]string{"direction": "sent", "method": "INVITE", "class": "1xx", "code": "100"}, 1},
		{"parley_sip_responses_total", map[string]string{"direction": "sent", "method": "INVITE", "class": "2xx", "code": "200"}, 1},
		{"parley_sip_responses_total", map[string]string{"direction": "sent", "method": "INVITE", "class": "4xx", "code": "486"}, 1},
		{"parley_sip_responses_total", map[string]string{"direction": "sent", "method": "REGISTER", "class": "4xx", "code": "401"}, 2},
		{"parley_sip_responses_total", map[string]string{"direction": "received", "method": "OPTIONS", "class": "2xx", "code": "200"}, 1},
		{"parley_sip_responses_total", map[string]string{"direction": "sent", "method": "BYE", "class": "other", "code": "other"}, 1},
		{"parley_registrations_total", map[string]string{"result": "success"}, 1},
		{"parley_registrations_total", map[string]string{"result": "failure"}, 2},
	}
	for _, tt := range tests {
		wantValue(t, f, tt.name, tt.labels, tt.want)
	}
	if _, ok := value(f, "parley_sip_requests_total", map[string]string{"direction": "received", "method": "FOO"}); ok {
		t.Error("an unknown method got a series of its own")
	}
}

// TestCertExpiry checks the certificate gauge, set directly and from a
// loaded certificate, and that a certificate without a chain is refused.
func TestCertExpiry(t *testing.T) {
	m := newMetrics(t)
	notAfter := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	m.SetCertExpiry("http", notAfter)
	certNotAfter := time.Date(2031, 6, 7, 8, 9, 10, 0, time.UTC)
	cert := selfSigned(t, certNotAfter)
	if err := m.CertLoaded("sip", &cert); err != nil {
		t.Fatal(err)
	}
	cert.Leaf = nil // parsed from the chain instead
	if err := m.CertLoaded("sip", &cert); err != nil {
		t.Fatal(err)
	}
	if err := m.CertLoaded("bad", &tls.Certificate{}); err == nil {
		t.Error("CertLoaded accepted an empty chain")
	}
	if err := m.CertLoaded("bad", &tls.Certificate{Certificate: [][]byte{[]byte("junk")}}); err == nil {
		t.Error("CertLoaded accepted a chain that does not parse")
	}
	f := scrape(t, m.Handler())
	wantValue(t, f, "parley_tls_cert_expiry_seconds", map[string]string{"listener": "http"}, float64(notAfter.Unix()))
	wantValue(t, f, "parley_tls_cert_expiry_seconds", map[string]string{"listener": "sip"}, float64(certNotAfter.Unix()))
	if _, ok := value(f, "parley_tls_cert_expiry_seconds", map[string]string{"listener": "bad"}); ok {
		t.Error("a refused certificate was recorded")
	}
	// A watched listener is read at each scrape: a reload shows at once,
	// and it wins over a value set before; a failing source is left out.
	var mu sync.Mutex
	current := selfSigned(t, certNotAfter)
	m.SetCertExpiry("http", notAfter)
	m.WatchCert("http", func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
		mu.Lock()
		defer mu.Unlock()
		return &current, nil
	})
	m.WatchCert("broken", func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return nil, errors.New("no cert") })
	wantValue(t, scrape(t, m.Handler()), "parley_tls_cert_expiry_seconds", map[string]string{"listener": "http"}, float64(certNotAfter.Unix()))
	renewed := certNotAfter.AddDate(0, 3, 0)
	mu.Lock()
	current = selfSigned(t, renewed)
	mu.Unlock()
	f = scrape(t, m.Handler())
	wantValue(t, f, "parley_tls_cert_expiry_seconds", map[string]string{"listener": "http"}, float64(renewed.Unix()))
	if _, ok := value(f, "parley_tls_cert_expiry_seconds", map[string]string{"listener": "broken"}); ok {
		t.Error("a failing source was reported")
	}
}

// selfSigned returns a certificate for localhost that expires at
// notAfter, as tls.LoadX509KeyPair reads it (Leaf set).
func selfSigned(t *testing.T, notAfter time.Time) tls.Certificate {
	t.Helper()
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	testcert.NewCA(t, "metrics").IssueUntil(t, certFile, keyFile, notAfter, "localhost")
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}
