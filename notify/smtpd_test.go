package notify

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// received is one message the test SMTP server accepted.
type received struct {
	// from and to are the envelope's MAIL FROM and RCPT TO.
	from string
	to   []string
	// data is the message as sent.
	data []byte
	// user is who authenticated, or "".
	user string
	// tls reports whether the session was encrypted.
	tls bool
}

// smtpServer is a real SMTP server (emersion/go-smtp) on 127.0.0.1:0 that
// keeps what it receives.
type smtpServer struct {
	// port is the port it listens on.
	port int
	// mu guards msgs.
	mu   sync.Mutex
	msgs []received
}

// smtpOptions change the test server.
type smtpOptions struct {
	// tls, when set, offers STARTTLS with this config.
	tls *tls.Config
	// users, when set, offers AUTH PLAIN and accepts these passwords.
	users map[string]string
}

// startSMTP starts a test server, stopped when the test ends.
func startSMTP(t *testing.T, o smtpOptions) *smtpServer {
	t.Helper()
	s := &smtpServer{}
	srv := smtp.NewServer(&backend{s: s, o: o})
	srv.Domain = "localhost"
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.MaxMessageBytes = 1 << 20
	srv.TLSConfig = o.tls
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.port = l.Addr().(*net.TCPAddr).Port
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	t.Cleanup(func() {
		srv.Close()
		// Close misses a listener that Serve has not registered yet.
		l.Close()
		if err := <-done; err != nil && !errors.Is(err, smtp.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
			t.Errorf("smtp server: %v", err)
		}
	})
	return s
}

// messages returns what the server has received.
func (s *smtpServer) messages() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.msgs...)
}

// backend makes sessions for the test server.
type backend struct {
	s *smtpServer
	o smtpOptions
}

// NewSession implements smtp.Backend.
func (b *backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{b: b, c: c}, nil
}

// session is one SMTP session of the test server.
type session struct {
	b    *backend
	c    *smtp.Conn
	msg  received
	user string
}

// AuthMechanisms implements smtp.AuthSession: PLAIN when users are set.
func (s *session) AuthMechanisms() []string {
	if s.b.o.users == nil {
		return nil
	}
	return []string{sasl.Plain}
}

// Auth implements smtp.AuthSession.
func (s *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if pw, ok := s.b.o.users[username]; !ok || pw != password {
			return errors.New("bad credentials")
		}
		s.user = username
		return nil
	}), nil
}

// Mail implements smtp.Session.
func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.b.o.users != nil && s.user == "" {
		return smtp.ErrAuthRequired
	}
	s.msg = received{from: from}
	return nil
}

// Rcpt implements smtp.Session.
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.msg.to = append(s.msg.to, to)
	return nil
}

// Data implements smtp.Session.
func (s *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.msg.data = data
	s.msg.user = s.user
	_, s.msg.tls = s.c.TLSConnectionState()
	s.b.s.mu.Lock()
	s.b.s.msgs = append(s.b.s.msgs, s.msg)
	s.b.s.mu.Unlock()
	return nil
}

// Reset implements smtp.Session.
func (s *session) Reset() { s.msg = received{} }

// Logout implements smtp.Session.
func (s *session) Logout() error { return nil }

// selfSigned returns a server TLS config with a fresh certificate for
// 127.0.0.1 and a client config that trusts it.
func selfSigned(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: tls.VersionTLS12}
	client = &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
	return server, client
}
