package metrics

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// CertFunc returns the certificate a TLS listener serves now: the
// signature of tls.Config.GetCertificate (*keypair.Holder's, say). It is
// called at each scrape with an empty ClientHelloInfo.
type CertFunc func(*tls.ClientHelloInfo) (*tls.Certificate, error)

// certCollector reports parley_tls_cert_expiry_seconds{listener}: for a
// listener with a CertFunc, the expiry of what it returns at scrape time
// (so a reload shows at once); for the others, the last SetCertExpiry.
type certCollector struct {
	desc *prometheus.Desc

	mu      sync.Mutex
	fixed   map[string]time.Time // guarded by mu
	sources map[string]CertFunc  // guarded by mu
}

var _ prometheus.Collector = (*certCollector)(nil)

func newCertCollector() *certCollector {
	return &certCollector{
		desc: prometheus.NewDesc("parley_tls_cert_expiry_seconds",
			"When the certificate a TLS listener serves expires (its NotAfter), as a Unix time in seconds, by listener (http, sip). Alert on parley_tls_cert_expiry_seconds - time().",
			[]string{"listener"}, nil),
		fixed:   make(map[string]time.Time),
		sources: make(map[string]CertFunc),
	}
}

// Describe implements prometheus.Collector.
func (c *certCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

// Collect implements prometheus.Collector. It calls the CertFuncs without
// holding c.mu; a listener whose CertFunc fails, or gives no certificate
// that parses, is left out of that scrape.
func (c *certCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	expiry := make(map[string]time.Time, len(c.fixed)+len(c.sources))
	for l, t := range c.fixed {
		expiry[l] = t
	}
	sources := make(map[string]CertFunc, len(c.sources))
	for l, f := range c.sources {
		sources[l] = f
	}
	c.mu.Unlock()
	for l, get := range sources {
		delete(expiry, l)
		cert, err := get(&tls.ClientHelloInfo{})
		if err != nil || cert == nil {
			continue
		}
		if leaf, err := leafOf(cert); err == nil {
			expiry[l] = leaf.NotAfter
		}
	}
	listeners := make([]string, 0, len(expiry))
	for l := range expiry {
		listeners = append(listeners, l)
	}
	sort.Strings(listeners)
	for _, l := range listeners {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(expiry[l].Unix()), l)
	}
}

// SetCertExpiry records when the certificate served on listener expires.
// listener names the listener by its kind, from a fixed set ("http",
// "sip"), never by anything a client sends. Call it whenever a
// certificate is loaded or reloaded; the last call for a listener wins,
// unless the listener has a WatchCert, which does. It may be called from
// any goroutine, before Start and after Close.
func (m *Metrics) SetCertExpiry(listener string, notAfter time.Time) {
	m.certs.mu.Lock()
	m.certs.fixed[listener] = notAfter
	m.certs.mu.Unlock()
}

// CertLoaded records the expiry of cert's leaf certificate (cert.Leaf, or
// else its first certificate parsed) as SetCertExpiry does. It returns an
// error, and records nothing, for a cert with no certificate or one that
// does not parse.
func (m *Metrics) CertLoaded(listener string, cert *tls.Certificate) error {
	leaf, err := leafOf(cert)
	if err != nil {
		return err
	}
	m.SetCertExpiry(listener, leaf.NotAfter)
	return nil
}

// WatchCert makes the expiry of listener's certificate be read from get at
// each scrape, so that a certificate reloaded from its files shows at the
// next scrape without anyone calling SetCertExpiry. A later WatchCert for
// the same listener replaces get. It may be called from any goroutine.
func (m *Metrics) WatchCert(listener string, get CertFunc) {
	m.certs.mu.Lock()
	m.certs.sources[listener] = get
	m.certs.mu.Unlock()
}

// leafOf returns cert's leaf: cert.Leaf, or its first certificate parsed.
func leafOf(cert *tls.Certificate) (*x509.Certificate, error) {
	if cert.Leaf != nil {
		return cert.Leaf, nil
	}
	if len(cert.Certificate) == 0 {
		return nil, errors.New("metrics: certificate: empty chain")
	}
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		return nil, fmt.Errorf("metrics: certificate: %w", err)
	}
	return leaf, nil
}
