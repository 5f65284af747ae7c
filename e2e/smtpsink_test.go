package e2e

import (
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// A real SMTP server for the invitation tests: what parley sends by mail
// arrives here.

// smtpMail is one message the test SMTP server accepted.
type smtpMail struct {
	from string   // MAIL FROM
	to   []string // RCPT TO
	data []byte   // the message as sent
}

// mailSink is a real SMTP server (emersion/go-smtp) on 127.0.0.1:0 that
// hands every message it accepts to mails.
type mailSink struct {
	port  int
	mails chan smtpMail
}

// startMailSink starts a mail sink, closed when the test ends.
func startMailSink(t *testing.T) *mailSink {
	t.Helper()
	m := &mailSink{mails: make(chan smtpMail, 16)}
	srv := smtp.NewServer(sinkBackend{m})
	srv.Domain = "localhost"
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.MaxMessageBytes = 1 << 20
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m.port = l.Addr().(*net.TCPAddr).Port
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	t.Cleanup(func() {
		srv.Close()
		l.Close() // Close misses a listener that Serve has not registered yet
		if err := <-done; err != nil && !errors.Is(err, smtp.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
			t.Errorf("smtp server: %v", err)
		}
	})
	return m
}

// next waits for the next mail.
func (m *mailSink) next(t *testing.T, within time.Duration) smtpMail {
	t.Helper()
	select {
	case got := <-m.mails:
		return got
	case <-time.After(within):
		t.Fatalf("no mail arrived within %v", within)
		return smtpMail{}
	}
}

// sinkBackend makes the sink's sessions.
type sinkBackend struct{ m *mailSink }

// NewSession implements smtp.Backend.
func (b sinkBackend) NewSession(*smtp.Conn) (smtp.Session, error) {
	return &sinkSession{m: b.m}, nil
}

// sinkSession is one SMTP session of the sink.
type sinkSession struct {
	m   *mailSink
	msg smtpMail
}

// Mail implements smtp.Session.
func (s *sinkSession) Mail(from string, _ *smtp.MailOptions) error {
	s.msg = smtpMail{from: from}
	return nil
}

// Rcpt implements smtp.Session.
func (s *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.msg.to = append(s.msg.to, to)
	return nil
}

// Data implements smtp.Session.
func (s *sinkSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.msg.data = data
	select {
	case s.m.mails <- s.msg:
		return nil
	default:
		return errors.New("test mailbox full")
	}
}

// Reset implements smtp.Session.
func (s *sinkSession) Reset() { s.msg = smtpMail{} }

// Logout implements smtp.Session.
func (s *sinkSession) Logout() error { return nil }
