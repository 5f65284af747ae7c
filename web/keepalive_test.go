package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// keepAliveServer accepts one WebSocket, reads it in the background (so
// that pongs arrive) and runs keepAlive on it; ended gets when keepAlive
// returned.
func keepAliveServer(t *testing.T, interval, timeout time.Duration) (url string, ended chan time.Time) {
	t.Helper()
	ended = make(chan time.Time, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer conn.CloseNow()
		ctx := conn.CloseRead(r.Context())
		keepAlive(ctx, conn, interval, timeout)
		ended <- time.Now()
	}))
	t.Cleanup(srv.Close)
	return "ws" + strings.TrimPrefix(srv.URL, "http"), ended
}

func TestKeepAliveClosesOnMissedPong(t *testing.T) {
	url, ended := keepAliveServer(t, 20*time.Millisecond, 100*time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	// The client never reads, so it never answers a ping.
	start := time.Now()
	select {
	case at := <-ended:
		if took := at.Sub(start); took < 100*time.Millisecond {
			t.Errorf("closed after %v, before the pong timeout", took)
		}
	case <-ctx.Done():
		t.Fatal("a socket whose pongs never come is still open after 5 s")
	}
}

func TestKeepAliveKeepsAnsweringSocket(t *testing.T) {
	url, ended := keepAliveServer(t, 20*time.Millisecond, 100*time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	c.CloseRead(ctx) // the client reads, so it answers pings
	select {
	case <-ended:
		t.Fatal("a socket that answers pings was closed")
	case <-time.After(500 * time.Millisecond): // 25 pings, 5 pong timeouts
	}
}
