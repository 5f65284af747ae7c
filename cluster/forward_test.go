package cluster

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/parleyhq/parley/internal/testnats"
)

// TestLiveRoom: which API paths carry a room's live state.
func TestLiveRoom(t *testing.T) {
	for _, tt := range []struct {
		path, room string
		live       bool
	}{
		{"/api/v1/rooms/1000/participants", "1000", true},
		{"/api/v1/rooms/1000/participants/p1", "1000", true},
		{"/api/v1/rooms/1000/mute-all", "1000", true},
		{"/api/v1/rooms/1000/promote", "1000", true},
		{"/api/v1/rooms/1000/dial", "1000", true},
		{"/api/v1/rooms/1000", "", false},
		{"/api/v1/rooms/1000/links", "", false},
		{"/api/v1/rooms//participants", "", false},
		{"/api/v1/rooms", "", false},
		{"/api/v1/events", "", false},
	} {
		room, live := liveRoom(tt.path)
		if live != tt.live || (live && room != tt.room) {
			t.Errorf("liveRoom(%q) = %q, %v; want %q, %v", tt.path, room, live, tt.room, tt.live)
		}
	}
}

// TestForward: a live request for a room another node owns is served by
// that node's handler, method, path, query, headers, body and client
// address intact, its answer relayed whole; other requests, and those for
// rooms this node owns or no node does, are served here.
func TestForward(t *testing.T) {
	srv := testnats.Start(t)
	a, b := node(t, srv.URL, "a", nil), node(t, srv.URL, "b", nil)
	a.Serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Seen", r.Method+" "+r.URL.RequestURI()+" "+r.Header.Get("Authorization")+" "+r.RemoteAddr+" "+string(body))
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, "served by a")
	}))
	here := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "served by b") })
	h := b.Forward(here)
	if _, mine, err := a.Claim("1000"); err != nil || !mine {
		t.Fatal(mine, err)
	}
	if _, mine, err := b.Claim("1001"); err != nil || !mine {
		t.Fatal(mine, err)
	}
	for _, tt := range []struct {
		name, method, path, want string
		status                   int
	}{
		{"mute on a's room", "PATCH", "/api/v1/rooms/1000/participants/p1?x=1", "served by a", http.StatusAccepted},
		{"list on a's room", "GET", "/api/v1/rooms/1000/participants", "served by a", http.StatusAccepted},
		{"settings of a's room", "GET", "/api/v1/rooms/1000", "served by b", http.StatusOK},
		{"b's own room", "PATCH", "/api/v1/rooms/1001/participants/p1", "served by b", http.StatusOK},
		{"nobody's room", "GET", "/api/v1/rooms/1002/participants", "served by b", http.StatusOK},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, tt.path, strings.NewReader(`{"muted":true}`))
			req.Header.Set("Authorization", "Bearer tok")
			req.RemoteAddr = "192.0.2.7:4000"
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.status || rec.Body.String() != tt.want {
				t.Fatalf("%d %q; want %d %q", rec.Code, rec.Body.String(), tt.status, tt.want)
			}
			if tt.want == "served by a" {
				want := tt.method + " " + tt.path + " Bearer tok 192.0.2.7:4000 {\"muted\":true}"
				if got := rec.Header().Get("X-Seen"); got != want {
					t.Errorf("a saw %q, want %q", got, want)
				}
				if rec.Header().Get("X-Parley-Node") != "a" {
					t.Errorf("X-Parley-Node %q", rec.Header().Get("X-Parley-Node"))
				}
			}
		})
	}
	// The owner is gone from NATS (its subscription with it): a clear 502.
	a.nc.Close()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/rooms/1000/participants", nil))
	if rec.Code != http.StatusBadGateway || !strings.Contains(rec.Body.String(), "(a) did not answer") {
		t.Fatalf("owner gone: %d %q", rec.Code, rec.Body.String())
	}
}

// TestServeWire: what the owner answers to forwarded requests it cannot
// serve.
func TestServeWire(t *testing.T) {
	c := &Cluster{}
	if res := c.serveWire([]byte("{")); res.Status != http.StatusBadRequest {
		t.Errorf("bad json: %d", res.Status)
	}
	if res := c.serveWire([]byte(`{"method":"GET","url":"/x"}`)); res.Status != http.StatusServiceUnavailable {
		t.Errorf("no handler: %d", res.Status)
	}
	c.Serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write(make([]byte, maxForwardBody+1))
	}))
	if res := c.serveWire([]byte(`{"method":"GET","url":"/x"}`)); res.Status != http.StatusBadGateway {
		t.Errorf("too large: %d", res.Status)
	}
	if res := c.serveWire([]byte(`{"method":"BAD METHOD","url":"/x"}`)); res.Status != http.StatusBadRequest {
		t.Errorf("bad method: %d", res.Status)
	}
}

// FuzzServeWire: whatever a NATS message carries, the owner answers it
// with a status the HTTP handler or the decoder chose, and a decoded
// request reaches the handler with its method, URL and body intact.
func FuzzServeWire(f *testing.F) {
	f.Add([]byte(`{"method":"PATCH","url":"/api/v1/rooms/1000/participants/1?x=1","header":{"Authorization":["Bearer t"]},"body":"eyJtdXRlZCI6dHJ1ZX0=","remote_addr":"192.0.2.1:5"}`))
	c := &Cluster{}
	var seen wireRequest
	c.Serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		seen = wireRequest{Method: r.Method, URL: r.RequestURI, Body: body}
		w.WriteHeader(http.StatusTeapot)
	}))
	f.Fuzz(func(t *testing.T, data []byte) {
		seen = wireRequest{}
		res := c.serveWire(data)
		switch res.Status {
		case http.StatusTeapot:
			var wr wireRequest
			if err := json.Unmarshal(data, &wr); err != nil {
				t.Fatalf("served a request that does not decode: %v", err)
			}
			method := wr.Method
			if method == "" {
				method = http.MethodGet
			}
			if seen.Method != method || seen.URL != wr.URL || !bytes.Equal(seen.Body, wr.Body) {
				t.Fatalf("handler saw %+v, want %+v", seen, wr)
			}
		case http.StatusBadRequest:
		default:
			t.Fatalf("status %d", res.Status)
		}
	})
}
