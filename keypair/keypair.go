// Package keypair holds a TLS certificate and its key, read from PEM
// files, for a tls.Config's GetCertificate, and reads them again when
// asked (Reload, on SIGHUP) or when a handshake finds that either file
// changed (checked at most every CheckEvery). A pair that does not load
// (a half-written file, a key that does not match) leaves the pair in use
// in place: a renewal gone wrong never takes HTTPS down.
//
// keypair is a leaf: standard library only.
package keypair

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// CheckEvery is how often, at most, a handshake looks at the files'
// modification times.
const CheckEvery = 5 * time.Second

// Holder is a certificate and key loaded from two files. Its methods are
// safe for concurrent use.
type Holder struct {
	certFile, keyFile string
	log               *slog.Logger
	now               func() time.Time

	cert atomic.Pointer[tls.Certificate]

	mu      sync.Mutex   // guards the fields below and serialises loads
	checked time.Time    // when the modification times were last looked at
	stamp   [2]time.Time // the files' modification times at the last load tried
}

// Load reads the pair from certFile and keyFile (PEM) and returns a
// Holder serving it; log (nil: slog.Default()) receives a line for each
// reload. The error names the files when the pair does not load.
func Load(certFile, keyFile string, log *slog.Logger) (*Holder, error) {
	if log == nil {
		log = slog.Default()
	}
	h := &Holder{certFile: certFile, keyFile: keyFile, log: log, now: time.Now}
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.load(); err != nil {
		return nil, err
	}
	h.checked = h.now()
	return h, nil
}

// GetCertificate returns the pair in use, for tls.Config.GetCertificate;
// it first reloads the files if CheckEvery has passed since it last looked
// and either file's modification time changed since the last load.
func (h *Holder) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	h.mu.Lock()
	if now := h.now(); now.Sub(h.checked) >= CheckEvery {
		h.checked = now
		if stamp := h.stat(); stamp != h.stamp {
			if err := h.load(); err != nil {
				h.stamp = stamp // tried: wait for the next change
				h.log.Error("tls certificate changed on disk but not reloaded: keeping the one in use", "err", err)
			}
		}
	}
	h.mu.Unlock()
	return h.cert.Load(), nil
}

// Reload reads the files again; on error the pair in use stays and the
// error says why.
func (h *Holder) Reload() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.load()
}

// load reads the pair and, if it loads, puts it in use. h.mu is held.
func (h *Holder) load() error {
	stamp := h.stat()
	cert, err := tls.LoadX509KeyPair(h.certFile, h.keyFile)
	if err != nil {
		return fmt.Errorf("tls certificate %s, key %s: %w", h.certFile, h.keyFile, err)
	}
	h.stamp = stamp
	if old := h.cert.Swap(&cert); old != nil {
		h.log.Info("tls certificate reloaded", "cert", h.certFile, "subject", cert.Leaf.Subject.String(),
			"not_after", cert.Leaf.NotAfter.UTC().Format(time.RFC3339))
	}
	return nil
}

// stat returns the files' modification times (zero for a file it cannot
// stat).
func (h *Holder) stat() [2]time.Time {
	var out [2]time.Time
	for i, name := range []string{h.certFile, h.keyFile} {
		if fi, err := os.Stat(name); err == nil {
			out[i] = fi.ModTime()
		}
	}
	return out
}
