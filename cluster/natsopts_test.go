package cluster

import (
	"bytes"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/testcert"
	"github.com/parleyhq/parley/internal/testnats"
)

// lockedBuffer is a log sink safe for the NATS client's goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// nodeWith starts a Cluster named name with opts' credentials and CA
// on the server at url, logging into the returned buffer.
func nodeWith(t *testing.T, url, name string, opts Options) (*Cluster, *lockedBuffer) {
	t.Helper()
	logs := &lockedBuffer{}
	opts.Self = Node{Name: name, SIP: name + ".example:5060"}
	opts.URLs, opts.TTL = []string{url}, testTTL
	opts.Logger = slog.New(slog.NewTextHandler(logs, nil))
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c, logs
}

// TestNATSCredentials: against a nats-server that wants a user, a node
// with the right password joins and one with a wrong one never does,
// logs why, and never logs the password.
func TestNATSCredentials(t *testing.T) {
	srv := testnats.StartWith(t, "--user", "parley", "--pass", "right-secret")
	good, _ := nodeWith(t, srv.URL, "good", Options{User: "parley", Password: "right-secret"})
	eventually(t, 5*time.Second, "the node with the password connects", good.nc.IsConnected)
	if _, mine, err := good.Claim("1000"); err != nil || !mine {
		t.Fatalf("Claim with credentials = %v, %v; want the room", mine, err)
	}

	bad, logs := nodeWith(t, srv.URL, "bad", Options{User: "parley", Password: "wrong-secret"})
	eventually(t, 5*time.Second, "the refusal is logged", func() bool {
		return strings.Contains(strings.ToLower(logs.String()), "authorization violation")
	})
	if bad.nc.IsConnected() {
		t.Fatal("the node with a wrong password is connected")
	}
	anon, _ := nodeWith(t, srv.URL, "anon", Options{})
	time.Sleep(300 * time.Millisecond) // a few connection attempts
	if anon.nc.IsConnected() {
		t.Fatal("a node without credentials is connected")
	}
	if strings.Contains(logs.String(), "wrong-secret") {
		t.Fatalf("the password is in the log:\n%s", logs)
	}
}

// TestNATSTLSCA: against a nats-server with a certificate of a private
// CA, a node given that CA joins over tls:// and one without it does not.
func TestNATSTLSCA(t *testing.T) {
	dir := t.TempDir()
	ca := testcert.NewCA(t, "nats test CA")
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	ca.Issue(t, certFile, keyFile, "127.0.0.1")
	srv := testnats.StartWith(t, "--tls", "--tlscert", certFile, "--tlskey", keyFile)
	url := "tls://" + strings.TrimPrefix(srv.URL, "nats://")
	trusted, _ := nodeWith(t, url, "trusted", Options{CAFile: ca.PEMFile})
	eventually(t, 5*time.Second, "the node trusting the CA connects", trusted.nc.IsConnected)
	if _, mine, err := trusted.Claim("1000"); err != nil || !mine {
		t.Fatalf("Claim over TLS = %v, %v; want the room", mine, err)
	}
	stranger, logs := nodeWith(t, url, "stranger", Options{})
	eventually(t, 5*time.Second, "the unknown CA is logged", func() bool {
		return strings.Contains(logs.String(), "certificate")
	})
	if stranger.nc.IsConnected() {
		t.Fatal("a node that does not trust the server's CA is connected")
	}
}
