// Package testcert makes, for tests, a certificate authority and the
// server certificates it signs, as PEM files, with what clients need to
// trust them: a Go pool, the CA's PEM file (SSL_CERT_FILE), the SPKI hash
// Chromium's --ignore-certificate-errors-spki-list takes.
package testcert

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// CA is a certificate authority valid for a day around its making.
type CA struct {
	// Cert is the CA's certificate.
	Cert *x509.Certificate
	// Pool trusts the CA alone.
	Pool *x509.CertPool
	// PEMFile holds the CA's certificate, in a directory of the test.
	PEMFile string

	key *ecdsa.PrivateKey
}

// NewCA makes a CA named cn; a failure fails the test.
func NewCA(t testing.TB, cn string) *CA {
	t.Helper()
	key := newKey(t)
	tmpl := &x509.Certificate{SerialNumber: serial(), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	ca := &CA{Cert: cert, Pool: x509.NewCertPool(), PEMFile: filepath.Join(t.TempDir(), "ca.pem"), key: key}
	ca.Pool.AddCert(cert)
	writePEM(t, ca.PEMFile, "CERTIFICATE", der)
	return ca
}

// Issue writes a server certificate for names (DNS names or IP addresses;
// the first is also the subject's common name) signed by ca to certFile,
// and its key to keyFile, and returns the base64 SHA-256 of the
// certificate's public key.
func (ca *CA) Issue(t testing.TB, certFile, keyFile string, names ...string) (spki string) {
	t.Helper()
	return ca.IssueUntil(t, certFile, keyFile, time.Now().Add(24*time.Hour), names...)
}

// IssueUntil is Issue with a certificate that expires at notAfter.
func (ca *CA) IssueUntil(t testing.TB, certFile, keyFile string, notAfter time.Time, names ...string) (spki string) {
	t.Helper()
	key := newKey(t)
	tmpl := &x509.Certificate{SerialNumber: serial(), Subject: pkix.Name{CommonName: names[0]},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: notAfter,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	writePEM(t, certFile, "CERTIFICATE", der)
	writePEM(t, keyFile, "EC PRIVATE KEY", kder)
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(pub)
	return base64.StdEncoding.EncodeToString(sum[:])
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// serial returns a random 128-bit serial number (RFC 5280 §4.1.2.2).
func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	return n
}

func writePEM(t testing.TB, name, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(name, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}
