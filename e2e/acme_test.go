package e2e

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/testcert"
)

// startPebble runs Pebble, Let's Encrypt's ACME test server (Debian's
// pebble), on 127.0.0.1 with its web front end's certificate from ca;
// every authorization is valid without a challenge
// (PEBBLE_VA_ALWAYS_VALID), since the test names are not in DNS. It
// returns the directory URL and a pool trusting the CA Pebble issues from
// (its roots, read from the management interface).
func startPebble(t *testing.T, ca *testcert.CA) (directory string, issued *x509.CertPool) {
	t.Helper()
	if _, err := exec.LookPath("pebble"); err != nil {
		t.Fatal("pebble is not installed; run `make test`, which installs it")
	}
	dir := t.TempDir()
	cert, key := filepath.Join(dir, "wfe.pem"), filepath.Join(dir, "wfe.key")
	ca.Issue(t, cert, key, "localhost", "127.0.0.1")
	wfe, mgmt := fmt.Sprintf("127.0.0.1:%d", freeTCPPort(t)), fmt.Sprintf("127.0.0.1:%d", freeTCPPort(t))
	conf := fmt.Sprintf(`{"pebble": {"listenAddress": %q, "managementListenAddress": %q, "certificate": %q, "privateKey": %q,
  "httpPort": %d, "tlsPort": %d, "ocspResponderURL": "", "externalAccountBindingRequired": false}}`,
		wfe, mgmt, cert, key, freeTCPPort(t), freeTCPPort(t))
	path := filepath.Join(dir, "pebble.json")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("pebble", "-config", path)
	cmd.Env = append(os.Environ(), "PEBBLE_VA_ALWAYS_VALID=1", "PEBBLE_VA_NOSLEEP=1", "PEBBLE_WFE_NONCEREJECT=0")
	d := startDaemon(t, cmd, "")
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.Pool}, DisableKeepAlives: true}, Timeout: 5 * time.Second}
	issued = x509.NewCertPool()
	d.waitReady(t, 15*time.Second, func() bool {
		res, err := client.Get("https://" + mgmt + "/roots/0")
		if err != nil {
			return false
		}
		defer res.Body.Close()
		root, _ := io.ReadAll(res.Body)
		return res.StatusCode == 200 && issued.AppendCertsFromPEM(root)
	})
	return "https://" + wfe + "/dir", issued
}

// TestHTTPSACMEPebble: with http.tls.acme pointed at a local Pebble,
// Parley gets a certificate for parley.test on the first HTTPS handshake
// that asks for that name, serves it (a client that trusts only Pebble's
// root verifies it), keeps it in cache_dir, and refuses names it was not
// configured for. Parley trusts Pebble's API through SSL_CERT_FILE.
func TestHTTPSACMEPebble(t *testing.T) {
	ca := testcert.NewCA(t, "Parley test CA")
	directory, issued := startPebble(t, ca)
	t.Setenv("SSL_CERT_FILE", ca.PEMFile) // inherited by parley serve
	cache := filepath.Join(t.TempDir(), "acme")
	srv := startParley(t, fmt.Sprintf(`
sip:
  listen: [udp://127.0.0.1:0]
rtp:
  ports: 45200-45298
http:
  listen: 127.0.0.1:0
  tls:
    acme:
      domains: [%s]
      email: admin@parley.test
      directory_url: %s
      cache_dir: %s
log:
  format: json
  level: info
`, testHost, directory, cache))

	dial := func(name string) (*tls.Conn, error) {
		d := &net.Dialer{Timeout: 60 * time.Second}
		return tls.DialWithDialer(d, "tcp", srv.http, &tls.Config{RootCAs: issued, ServerName: name})
	}
	start := time.Now()
	conn, err := dial(testHost)
	if err != nil {
		srv.dumpLogs(t)
		t.Fatalf("TLS to Parley as %s: %v", testHost, err)
	}
	leaf := conn.ConnectionState().PeerCertificates[0]
	conn.Close()
	t.Logf("certificate from Pebble in %v: %s, issued by %s, until %s", time.Since(start).Round(time.Millisecond),
		leaf.Subject, leaf.Issuer, leaf.NotAfter.Format(time.RFC3339))
	if !slices.Contains(leaf.DNSNames, testHost) {
		t.Errorf("certificate names %v, want %s", leaf.DNSNames, testHost)
	}
	entries, err := os.ReadDir(cache)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if err != nil || !slices.Contains(names, testHost) {
		t.Errorf("cache_dir holds %v (%v), want the certificate of %s", names, err, testHost)
	}

	// HTTP over it, HSTS included.
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: issued, ServerName: testHost}, DisableKeepAlives: true}, Timeout: 10 * time.Second}
	res, err := client.Get("https://" + srv.http + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Strict-Transport-Security") == "" {
		t.Errorf("GET /healthz over the ACME certificate: %d, HSTS %q; want 200 with HSTS", res.StatusCode, res.Header.Get("Strict-Transport-Security"))
	}

	// A name not in domains gets no certificate.
	if conn, err := dial("other.test"); err == nil {
		conn.Close()
		t.Error("TLS as other.test succeeded, want a refused handshake")
	}
}
