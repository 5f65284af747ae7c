package api

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/parleyhq/parley/bridge"
)

// dialEvents opens the event stream of srvURL with the given header and
// query.
func dialEvents(t *testing.T, srvURL, auth, query string) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	h := http.Header{}
	if auth != "" {
		h.Set("Authorization", auth)
	}
	c, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srvURL, "http")+"/api/v1/events"+query,
		&websocket.DialOptions{HTTPHeader: h})
	if c != nil {
		t.Cleanup(func() { c.CloseNow() })
	}
	return c, resp, err
}

// nextEvent reads events until one of type typ ("": any) comes, and
// returns it.
func nextEvent(t *testing.T, c *websocket.Conn, typ bridge.EventType) bridge.Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for {
		mt, data, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("waiting for a %s event: %v", typ, err)
		}
		if mt != websocket.MessageText {
			t.Fatalf("message type %v", mt)
		}
		var ev bridge.Event
		if err := json.Unmarshal(data, &ev); err != nil {
			t.Fatalf("event %s: %v", data, err)
		}
		if typ == "" || ev.Type == typ {
			return ev
		}
	}
}

func TestEvents(t *testing.T) {
	e := newStoreEnv(t)
	e.s.events.pingInterval = 10 * time.Millisecond // pings go on while events flow
	admin, _, err := dialEvents(t, e.srv.URL, "Bearer "+testToken, "")
	if err != nil {
		t.Fatal(err)
	}
	roomTok := e.mint(t, "2000", "attendee")
	scoped, _, err := dialEvents(t, e.srv.URL, "", "?token="+roomTok) // as a browser would
	if err != nil {
		t.Fatal(err)
	}

	other, _ := e.bridge.Room("1000")
	if _, err := other.Join(newFakeLeg(), bridge.JoinOptions{Name: "Elsewhere", Via: "sip"}); err != nil {
		t.Fatal(err)
	}
	room, _ := e.bridge.Room("2000")
	p, err := room.Join(newFakeLeg(), bridge.JoinOptions{Name: "Dave", Via: "sip"})
	if err != nil {
		t.Fatal(err)
	}
	ev := nextEvent(t, admin, bridge.EventJoined)
	if ev.Room != "1000" || ev.Name != "Elsewhere" {
		t.Errorf("admin's first joined event: %+v", ev)
	}
	if ev := nextEvent(t, admin, bridge.EventJoined); ev.Room != "2000" || ev.Participant != p.ID || ev.Role != bridge.RoleAttendee {
		t.Errorf("admin's second joined event: %+v", ev)
	}
	// The room token's stream skips room 1000.
	if ev := nextEvent(t, scoped, bridge.EventJoined); ev.Room != "2000" || ev.Name != "Dave" || ev.Via != "sip" {
		t.Errorf("room token's joined event: %+v", ev)
	}

	if code, body := call(t, e.srv, "PATCH", "/api/v1/rooms/2000/participants/"+p.ID, `{"muted": true}`); code != 200 {
		t.Fatalf("mute: %d %s", code, body)
	}
	for _, c := range []*websocket.Conn{admin, scoped} {
		if ev := nextEvent(t, c, bridge.EventMuted); ev.Participant != p.ID || ev.Muted == nil || !*ev.Muted {
			t.Errorf("muted event: %+v", ev)
		}
	}
	if err := admin.Close(websocket.StatusNormalClosure, ""); err != nil {
		t.Errorf("close: %v", err)
	}
}

func TestEventsRefused(t *testing.T) {
	e := newStoreEnv(t)
	tok := e.mint(t, "2000", "moderator")
	for _, tt := range []struct {
		name, auth, query string
		code              int
		field             string
	}{
		{"no token", "", "", 401, "Authorization"},
		{"bad query token", "", "?token=nope", 401, "token"},
		{"room token, other room", "Bearer " + tok, "?room=1000", 403, "room"},
		{"admin, unknown room", "Bearer " + testToken, "?room=9999", 404, "room"},
		{"unknown parameter", "Bearer " + testToken, "?rooms=1000", 400, "rooms"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, resp, err := dialEvents(t, e.srv.URL, tt.auth, tt.query)
			if err == nil || resp == nil || resp.StatusCode != tt.code {
				t.Fatalf("dial: %v, %+v; want %d", err, resp, tt.code)
			}
		})
	}
	// The field is named in the body, as everywhere else.
	code, body := callAs(t, e.srv, "", "GET", "/api/v1/events?token=nope", "")
	if got := decode[Error](t, body); code != 401 || got.Field != "token" {
		t.Errorf("bad ?token=: %d %+v", code, got)
	}
	code, body = call(t, e.srv, "GET", "/api/v1/events", "")
	if got := decode[Error](t, body); code != http.StatusUpgradeRequired || got.Field != "Upgrade" {
		t.Errorf("plain GET: %d %+v", code, got)
	}
}

// TestEventsShutdown: closing Options.Done ends open streams with 1001 and
// their handlers return; so does the end of the request's context.
func TestEventsShutdown(t *testing.T) {
	done := make(chan struct{})
	b := newTestBridge(t, nil)
	s := newServer(Options{Bridge: b, AdminTokens: []string{testToken}, Done: done, Logger: slog.New(slog.DiscardHandler)})
	returned := make(chan struct{}, 2)
	mux := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mux.ServeHTTP(w, r)
		returned <- struct{}{}
	})
	srv := newTestServerWith(t, mux)
	c, _, err := dialEvents(t, srv.URL, "Bearer "+testToken, "")
	if err != nil {
		t.Fatal(err)
	}
	close(done)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, _, err = c.Read(ctx)
	if st := websocket.CloseStatus(err); st != websocket.StatusGoingAway {
		t.Errorf("read after shutdown: %v (status %v), want 1001", err, st)
	}
	select {
	case <-returned:
	case <-time.After(5 * time.Second):
		t.Fatal("the handler did not return on shutdown")
	}

	// The request's context: the server's base context ends.
	base, stop := context.WithCancel(context.Background())
	s2 := newServer(Options{Bridge: b, AdminTokens: []string{testToken}, Logger: slog.New(slog.DiscardHandler)})
	srv2 := newTestServerWith(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s2.mux.ServeHTTP(w, r)
		returned <- struct{}{}
	}), func(hs *http.Server) { hs.BaseContext = func(net.Listener) context.Context { return base } })
	c2, _, err := dialEvents(t, srv2.URL, "Bearer "+testToken, "")
	if err != nil {
		t.Fatal(err)
	}
	stop()
	_, _, err = c2.Read(ctx)
	if st := websocket.CloseStatus(err); st != websocket.StatusGoingAway {
		t.Errorf("read after the request ended: %v (status %v), want 1001", err, st)
	}
	select {
	case <-returned:
	case <-time.After(5 * time.Second):
		t.Fatal("the handler did not return when its request's context ended")
	}
}

// newTestServerWith runs h on a test server after applying configure to
// its http.Server.
func newTestServerWith(t *testing.T, h http.Handler, configure ...func(*http.Server)) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	for _, f := range configure {
		f(srv.Config)
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}
