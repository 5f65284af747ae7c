package metrics

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// newCertExpiry returns parley_tls_cert_expiry_seconds{listener}.
func newCertExpiry() *prometheus.GaugeVec {
	return prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "parley_tls_cert_expiry_seconds",
		Help: "When the certificate a TLS listener serves expires (its NotAfter), as a Unix time in seconds, by listener (http, sip). Alert on parley_tls_cert_expiry_seconds - time().",
	}, []string{"listener"})
}

// SetCertExpiry records when the certificate served on listener expires.
// listener names the listener by its kind, from a fixed set ("http",
// "sip"), never by anything a client sends. Call it whenever a
// certificate is loaded or reloaded; the last call for a listener wins.
// It may be called from any goroutine, before Start and after Close.
func (m *Metrics) SetCertExpiry(listener string, notAfter time.Time) {
	m.certExpiry.WithLabelValues(listener).Set(float64(notAfter.Unix()))
}

// CertLoaded records the expiry of cert's leaf certificate (cert.Leaf, or
// else its first certificate parsed) as SetCertExpiry does. It returns an
// error, and records nothing, for a cert with no certificate or one that
// does not parse.
func (m *Metrics) CertLoaded(listener string, cert *tls.Certificate) error {
	leaf := cert.Leaf
	if leaf == nil {
		if len(cert.Certificate) == 0 {
			return errors.New("metrics: certificate: empty chain")
		}
		var err error
		if leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
			return fmt.Errorf("metrics: certificate: %w", err)
		}
	}
	m.SetCertExpiry(listener, leaf.NotAfter)
	return nil
}
