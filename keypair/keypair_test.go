package keypair

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/testcert"
)

// writePair writes a certificate for cn signed by ca, and its key, to
// cert and key, with modification time at.
func writePair(t *testing.T, ca *testcert.CA, cert, key, cn string, at time.Time) {
	t.Helper()
	ca.Issue(t, cert, key, cn)
	for _, name := range []string{cert, key} {
		if err := os.Chtimes(name, at, at); err != nil {
			t.Fatal(err)
		}
	}
}

func write(t *testing.T, name string, data []byte, at time.Time) {
	t.Helper()
	if err := os.WriteFile(name, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(name, at, at); err != nil {
		t.Fatal(err)
	}
}

// served returns the common name of the certificate h serves now.
func served(t *testing.T, h *Holder) string {
	t.Helper()
	c, err := h.GetCertificate(nil)
	if err != nil || c == nil || c.Leaf == nil {
		t.Fatalf("GetCertificate = %v, %v", c, err)
	}
	return c.Leaf.Subject.CommonName
}

func TestHolder(t *testing.T) {
	dir := t.TempDir()
	cert, key := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	t0 := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	ca := testcert.NewCA(t, "keypair test CA")
	writePair(t, ca, cert, key, "one.test", t0)
	var logs bytes.Buffer
	h, err := Load(cert, key, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	h.now = func() time.Time { return now }
	if got := served(t, h); got != "one.test" {
		t.Fatalf("serves %s, want one.test", got)
	}

	// A new pair on disk: served once CheckEvery has passed, not before.
	writePair(t, ca, cert, key, "two.test", t0.Add(time.Minute))
	now = now.Add(CheckEvery / 2)
	if got := served(t, h); got != "one.test" {
		t.Errorf("within CheckEvery serves %s, want one.test still", got)
	}
	now = now.Add(CheckEvery)
	if got := served(t, h); got != "two.test" {
		t.Errorf("after a change on disk serves %s, want two.test", got)
	}

	// A key that does not match: Reload fails, the pair in use stays, and
	// the handshake path logs it once.
	other := filepath.Join(dir, "other")
	writePair(t, ca, other+".crt", other+".key", "three.test", t0)
	data, err := os.ReadFile(other + ".crt")
	if err != nil {
		t.Fatal(err)
	}
	write(t, cert, data, t0.Add(2*time.Minute))
	if err := h.Reload(); err == nil || !strings.Contains(err.Error(), cert) {
		t.Errorf("Reload of a mismatched pair = %v, want an error naming %s", err, cert)
	}
	for range 3 {
		now = now.Add(CheckEvery)
		if got := served(t, h); got != "two.test" {
			t.Errorf("after a bad change serves %s, want two.test still", got)
		}
	}
	if n := strings.Count(logs.String(), "not reloaded"); n != 1 {
		t.Errorf("logged the bad pair %d times, want once:\n%s", n, logs.String())
	}

	// Fixed on disk: Reload takes it.
	writePair(t, ca, cert, key, "four.test", t0.Add(3*time.Minute))
	if err := h.Reload(); err != nil {
		t.Fatal(err)
	}
	if got := served(t, h); got != "four.test" {
		t.Errorf("after Reload serves %s, want four.test", got)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	cert, key := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if _, err := Load(cert, key, nil); err == nil || !strings.Contains(err.Error(), cert) {
		t.Errorf("Load of missing files = %v, want an error naming %s", err, cert)
	}
	write(t, cert, []byte("not pem"), time.Now())
	write(t, key, []byte("not pem"), time.Now())
	if _, err := Load(cert, key, nil); err == nil {
		t.Error("Load of junk succeeded")
	}
}
