package main

import (
	"bufio"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"
)

// TestHTTPServerTimeouts: a slow header, a slow body and an idle
// keep-alive connection are each closed by the server after its timeout
// (regression: only ReadHeaderTimeout was set, so a slow body or an idle
// connection was held for ever).
func TestHTTPServerTimeouts(t *testing.T) {
	const limit = 200 * time.Millisecond
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, "ok")
	})
	srv := newHTTPServer(h, httpTimeouts{readHeader: limit, read: limit, write: limit, idle: limit}, slog.New(slog.DiscardHandler))
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	tests := []struct {
		name string
		send string // then nothing more
		read bool   // read one response first
	}{
		{name: "slow header", send: "GET / HTTP/1.1\r\nHost: x\r\n"},
		{name: "slow body", send: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc"},
		{name: "idle keep-alive", send: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", read: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := net.Dial("tcp4", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			start := time.Now()
			io.WriteString(c, tt.send)
			br := bufio.NewReader(c)
			if tt.read {
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					t.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			c.SetReadDeadline(start.Add(10 * limit))
			_, err = io.Copy(io.Discard, br) // until the server closes
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("connection still open after %v", 10*limit)
			}
			if took := time.Since(start); took < limit-20*time.Millisecond {
				t.Errorf("closed after %v, before the %v timeout", took, limit)
			}
		})
	}
}

func TestDefaultHTTPTimeoutsAllSet(t *testing.T) {
	srv := newHTTPServer(http.NotFoundHandler(), defaultHTTPTimeouts(), slog.New(slog.DiscardHandler))
	for name, d := range map[string]time.Duration{"ReadHeaderTimeout": srv.ReadHeaderTimeout,
		"ReadTimeout": srv.ReadTimeout, "WriteTimeout": srv.WriteTimeout, "IdleTimeout": srv.IdleTimeout} {
		if d <= 0 {
			t.Errorf("%s = %v, want a timeout", name, d)
		}
	}
}
