package sip

import (
	"bytes"
	"errors"
	"log/slog"
	"net"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// syncBuffer is a log destination safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// failingListener fails Accept with err n times, then hands out conn, then
// reports itself closed.
type failingListener struct {
	err   error
	n     int
	conn  net.Conn
	calls int
}

func (f *failingListener) Accept() (net.Conn, error) {
	f.calls++
	switch {
	case f.calls <= f.n:
		return nil, &net.OpError{Op: "accept", Net: "tcp", Err: f.err}
	case f.conn != nil:
		c := f.conn
		f.conn = nil
		return c, nil
	}
	return nil, net.ErrClosed
}

func (f *failingListener) Close() error { return nil }
func (f *failingListener) Addr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5060}
}

// pipeConn is one end of a net.Pipe with a TCP remote address.
type pipeConn struct{ net.Conn }

func (pipeConn) RemoteAddr() net.Addr { return &net.TCPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 40000} }

func TestLimitListenerSurvivesEMFILE(t *testing.T) {
	for _, errno := range []syscall.Errno{syscall.EMFILE, syscall.ENFILE, syscall.ECONNABORTED} {
		a, b := net.Pipe()
		defer a.Close()
		defer b.Close()
		var logs syncBuffer
		fake := &failingListener{err: errno, n: 6, conn: pipeConn{a}}
		ln := newLimitListener(fake, TCPLimits{}, slog.New(slog.NewTextHandler(&logs, nil)), nil)
		c, err := ln.Accept()
		if err != nil {
			t.Fatalf("%v: Accept = %v; want the connection after the errors", errno, err)
		}
		c.Close()
		if n := strings.Count(logs.String(), "sip tcp accept failed"); n != 1 {
			t.Errorf("%v: %d log lines for 6 failures, want 1:\n%s", errno, n, logs.String())
		}
		if _, err := ln.Accept(); !errors.Is(err, net.ErrClosed) {
			t.Errorf("%v: Accept after close = %v, want net.ErrClosed", errno, err)
		}
	}
}

// TestLimitListenerCloseEndsBackoff: Close ends an Accept that is waiting
// out an EMFILE backoff.
func TestLimitListenerCloseEndsBackoff(t *testing.T) {
	fake := &failingListener{err: syscall.EMFILE, n: 1 << 30}
	ln := newLimitListener(fake, TCPLimits{}, slog.New(slog.DiscardHandler), nil)
	done := make(chan error, 1)
	go func() { _, err := ln.Accept(); done <- err }()
	time.Sleep(20 * time.Millisecond) // let it fail a few times; not an assertion
	ln.Close()
	select {
	case err := <-done:
		if !errors.Is(err, net.ErrClosed) {
			t.Errorf("Accept = %v, want net.ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Accept still retrying after Close")
	}
}

// serveLimited accepts on a loopback listener wrapped in limits and reads
// every connection until it ends, as sipgo does; ended receives the time
// each read loop ended.
func serveLimited(t *testing.T, limits TCPLimits, busy func(string) bool) (addr string, ended chan time.Time) {
	t.Helper()
	raw, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := newLimitListener(raw, limits, slog.New(slog.DiscardHandler), busy)
	ended = make(chan time.Time, 64)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				buf := make([]byte, 512)
				for {
					if _, err := c.Read(buf); err != nil {
						ended <- time.Now()
						return
					}
				}
			}()
		}
	}()
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	return raw.Addr().String(), ended
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp4", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// waitClosed waits up to within for the server to close c (the client
// reads EOF or a reset) and returns how long that took.
func waitClosed(t *testing.T, c net.Conn, within time.Duration) (time.Duration, bool) {
	t.Helper()
	start := time.Now()
	c.SetReadDeadline(start.Add(within))
	buf := make([]byte, 64)
	for {
		_, err := c.Read(buf)
		if err == nil {
			continue
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return time.Since(start), false
		}
		return time.Since(start), true
	}
}

func TestLimitListenerPerIPCap(t *testing.T) {
	addr, ended := serveLimited(t, TCPLimits{MaxConnsPerIP: 2, ReadTimeout: time.Minute}, nil)
	first, second := dial(t, addr), dial(t, addr)
	third := dial(t, addr)
	if _, closed := waitClosed(t, third, 5*time.Second); !closed {
		t.Fatal("third connection from one address still open; want closed at the per-IP cap of 2")
	}
	if _, closed := waitClosed(t, second, 200*time.Millisecond); closed {
		t.Fatal("second connection closed; want open under the cap")
	}
	first.Close()
	<-ended // the server has released the first one
	fourth := dial(t, addr)
	if _, closed := waitClosed(t, fourth, 200*time.Millisecond); closed {
		t.Fatal("a connection after one closed was refused; want admitted")
	}
}

func TestLimitListenerTotalCap(t *testing.T) {
	addr, _ := serveLimited(t, TCPLimits{MaxConns: 1, ReadTimeout: time.Minute}, nil)
	dial(t, addr)
	if _, closed := waitClosed(t, dial(t, addr), 5*time.Second); !closed {
		t.Fatal("second connection still open; want closed at the listener cap of 1")
	}
}

func TestLimitListenerTimeouts(t *testing.T) {
	const read, idle = 300 * time.Millisecond, 900 * time.Millisecond
	const options = "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h\r\nContent-Length: 0\r\n\r\n"
	trickle := func(c net.Conn, data string, every time.Duration, stop <-chan struct{}) {
		for i := 0; i < len(data); i++ {
			select {
			case <-stop:
				return
			case <-time.After(every):
			}
			if _, err := c.Write([]byte{data[i]}); err != nil {
				return
			}
		}
	}
	tests := []struct {
		name   string
		busy   bool
		client func(c net.Conn, stop <-chan struct{})
		min    time.Duration // closed no earlier
		max    time.Duration // and no later; 0: never within 2 s
	}{
		{name: "silent connection", client: func(net.Conn, <-chan struct{}) {}, min: read - 50*time.Millisecond, max: read + time.Second},
		{name: "slowloris first message", client: func(c net.Conn, stop <-chan struct{}) {
			trickle(c, options, 20*time.Millisecond, stop)
		}, min: read - 50*time.Millisecond, max: read + time.Second},
		{name: "slowloris after a message", client: func(c net.Conn, stop <-chan struct{}) {
			c.Write([]byte(options))
			time.Sleep(100 * time.Millisecond)
			trickle(c, options, 20*time.Millisecond, stop)
		}, min: read, max: read + time.Second},
		{name: "idle after a message", client: func(c net.Conn, stop <-chan struct{}) {
			c.Write([]byte(options))
		}, min: idle - 50*time.Millisecond, max: idle + time.Second},
		{name: "CRLF keep-alives keep it open", client: func(c net.Conn, stop <-chan struct{}) {
			c.Write([]byte(options))
			for {
				select {
				case <-stop:
					return
				case <-time.After(idle / 3):
				}
				c.Write([]byte("\r\n\r\n"))
			}
		}},
		{name: "a call's connection is never idle", busy: true, client: func(c net.Conn, stop <-chan struct{}) {
			c.Write([]byte(options))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			addr, _ := serveLimited(t, TCPLimits{ReadTimeout: read, IdleTimeout: idle}, func(string) bool { return tt.busy })
			c := dial(t, addr)
			stop := make(chan struct{})
			defer close(stop)
			go tt.client(c, stop)
			limit := tt.max
			if limit == 0 {
				limit = 2 * time.Second
			}
			took, closed := waitClosed(t, c, limit)
			switch {
			case tt.max == 0 && closed:
				t.Errorf("closed after %v; want open", took)
			case tt.max != 0 && !closed:
				t.Errorf("still open after %v; want closed", took)
			case tt.max != 0 && took < tt.min:
				t.Errorf("closed after %v; want no earlier than %v", took, tt.min)
			}
		})
	}
}

// TestLimitConnReleasesOnce: closing a connection twice (sipgo closes it
// after our timeout did) frees its place once.
func TestLimitConnReleasesOnce(t *testing.T) {
	a, b := net.Pipe()
	defer b.Close()
	ln := newLimitListener(&failingListener{conn: pipeConn{a}}, TCPLimits{}, slog.New(slog.DiscardHandler), nil)
	c, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	c.Close()
	if ln.total != 0 || len(ln.perIP) != 0 {
		t.Errorf("after two closes: total %d, per IP %v; want 0 and empty", ln.total, ln.perIP)
	}
}
