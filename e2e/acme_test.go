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
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/testcert"
)

// pebble is a running Pebble, Let's Encrypt's ACME test server.
type pebble struct {
	directory string         // the ACME directory URL
	issued    *x509.CertPool // trusts the CA Pebble issues from
	d         *daemon
}

// startPebble runs Pebble (Debian's pebble) on 127.0.0.1 with its web
// front end's certificate from ca; every authorization is valid without a
// challenge (PEBBLE_VA_ALWAYS_VALID), since the test names are not in DNS.
// It reads the roots Pebble issues from off its management interface.
func startPebble(t *testing.T, ca *testcert.CA) *pebble {
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
	p := &pebble{directory: "https://" + wfe + "/dir", issued: x509.NewCertPool(), d: startDaemon(t, cmd, "")}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.Pool}, DisableKeepAlives: true}, Timeout: 5 * time.Second}
	p.d.waitReady(t, 15*time.Second, func() bool {
		res, err := client.Get("https://" + mgmt + "/roots/0")
		if err != nil {
			return false
		}
		defer res.Body.Close()
		root, _ := io.ReadAll(res.Body)
		return res.StatusCode == 200 && p.issued.AppendCertsFromPEM(root)
	})
	return p
}

// stuck reports whether Pebble issued more certificates than clients
// fetched. That is the mark of a deadlock in Pebble itself (2.4, and
// upstream still): its order handler holds the order's read lock and takes
// it again in orderForDisplay, so when issuance, finishing in its own
// goroutine, asks for the write lock in between, neither goes on and the
// client's poll of the order never gets an answer.
func (p *pebble) stuck() bool {
	out := p.d.out.String()
	return strings.Count(out, "Issued certificate serial") > strings.Count(out, "/certZ/")
}

// TestHTTPSACMEPebble: with http.tls.acme pointed at a local Pebble,
// Parley gets a certificate for parley.test on the first HTTPS handshake
// that asks for that name, serves it (a client that trusts only Pebble's
// root verifies it), keeps it in cache_dir, and refuses names it was not
// configured for. Parley trusts Pebble's API through SSL_CERT_FILE.
//
// Should Pebble deadlock on the order (see pebble.stuck), the test says so
// and tries once more with a fresh Parley, hence a fresh account and order;
// a second failure fails the test.
func TestHTTPSACMEPebble(t *testing.T) {
	ca := testcert.NewCA(t, "Parley test CA")
	acme := startPebble(t, ca)
	t.Setenv("SSL_CERT_FILE", ca.PEMFile) // inherited by parley serve

	var (
		srv   *server
		cache string
		conn  *tls.Conn
		err   error
	)
	dial := func(name string) (*tls.Conn, error) {
		d := &net.Dialer{Timeout: 30 * time.Second}
		return tls.DialWithDialer(d, "tcp", srv.http, &tls.Config{RootCAs: acme.issued, ServerName: name})
	}
	start := time.Now()
	for attempt := 1; ; attempt++ {
		cache = filepath.Join(t.TempDir(), "acme")
		srv = startParley(t, fmt.Sprintf(`
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
`, testHost, acme.directory, cache))
		start = time.Now()
		conn, err = dial(testHost)
		if err == nil || attempt == 2 || !acme.stuck() {
			break
		}
		t.Logf("TLS to Parley as %s: %v; Pebble issued the certificate and deadlocked before serving it, so once more with a fresh Parley", testHost, err)
		srv.stop(t)
	}
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
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: acme.issued, ServerName: testHost}, DisableKeepAlives: true}, Timeout: 10 * time.Second}
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
