package api

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/parleyhq/parley/bridge"
)

// TestEventsOutliveHTTPTimeouts: the event stream lives past the HTTP
// server's ReadTimeout, WriteTimeout and IdleTimeout, which apply to
// requests and not to the upgraded WebSocket (regression: a hijacked
// connection keeps the request's deadlines).
func TestEventsOutliveHTTPTimeouts(t *testing.T) {
	e := newStoreEnv(t)
	e.s.events.pingInterval = 20 * time.Millisecond
	const limit = 150 * time.Millisecond
	srv := httptest.NewUnstartedServer(e.s.mux)
	srv.Config.ReadTimeout, srv.Config.WriteTimeout, srv.Config.IdleTimeout = limit, limit, limit
	srv.Start()
	t.Cleanup(srv.Close)
	c, _, err := dialEvents(t, srv.URL, "Bearer "+testToken, "")
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(4 * limit) // not an assertion: the stream must outlive the timeouts
	room, _ := e.bridge.Room("2000")
	if _, err := room.Join(newFakeLeg(), bridge.JoinOptions{Name: "Late", Via: "sip"}); err != nil {
		t.Fatal(err)
	}
	if ev := nextEvent(t, c, bridge.EventJoined); ev.Name != "Late" {
		t.Errorf("joined event %+v", ev)
	}
}
