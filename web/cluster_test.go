package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/parleyhq/parley/store"
	"github.com/parleyhq/parley/webrtc"
)

// fakeNodes is a cluster: owners maps a room to the URL of the other node
// that serves it.
type fakeNodes struct {
	owners  map[string]string
	origins []string
}

func (f fakeNodes) NodeFor(room string) string { return f.owners[room] }
func (f fakeNodes) NodeOrigins() []string      { return f.origins }

// newNodeEnv is newGuestEnv on a node of the cluster nodes.
func newNodeEnv(t *testing.T, nodes Nodes) (*env, *fakeGuests) {
	t.Helper()
	e := newEnv(t)
	f := &fakeGuests{script: []webrtc.Message{{Type: webrtc.TypeConfig}}, joins: make(chan webrtc.JoinRequest, 4)}
	h, err := New(Options{Links: e.db, Rooms: e.bridge, Guests: f, Nodes: nodes, Logger: slog.New(slog.DiscardHandler),
		Now: func() time.Time { return e.now }})
	if err != nil {
		t.Fatal(err)
	}
	e.srv = httptest.NewServer(h)
	t.Cleanup(e.srv.Close)
	return e, f
}

// dialFrom opens the join WebSocket of token as a page of origin would;
// it returns the handshake's status when it is refused.
func (e *env) dialFrom(t *testing.T, token, origin string) (*websocket.Conn, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	u := "ws" + strings.TrimPrefix(e.srv.URL, "http") + "/join/" + token + "/ws?name=" + url.QueryEscape("Grace")
	c, resp, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {origin}}})
	if err != nil {
		if resp == nil {
			t.Fatal(err)
		}
		return nil, resp.StatusCode
	}
	t.Cleanup(func() { c.CloseNow() })
	return c, http.StatusSwitchingProtocols
}

// TestJoinSocketSentToNode: a guest whose room another node serves gets
// one "node" message naming that node's socket for the same link, and the
// socket closes normally without a call; a guest of a room served here
// joins here. A page another live node served may open its socket here;
// a page of any other origin may not. The page's policy lets it connect
// to every node.
func TestJoinSocketSentToNode(t *testing.T) {
	nodes := fakeNodes{owners: map[string]string{"2000": "https://node2.example:8443"},
		origins: []string{"https://node2.example:8443", "http://node3.example"}}
	e, f := newNodeEnv(t, nodes)
	there := e.link(t, store.Link{Room: "2000", Kind: store.LinkGroup, Name: "All", Active: true})
	here := e.link(t, store.Link{Room: "2001", Kind: store.LinkGuest, Name: "Ada", Active: true})

	c := e.dialGuest(t, there, "Grace")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var m nodeMessage
	if err := wsjson.Read(ctx, c, &m); err != nil {
		t.Fatal(err)
	}
	if want := (nodeMessage{Type: TypeNode, URL: "https://node2.example:8443/join/" + there + "/ws"}); m != want {
		t.Errorf("got %+v, want %+v", m, want)
	}
	if _, _, err := c.Read(ctx); websocket.CloseStatus(err) != websocket.StatusNormalClosure {
		t.Errorf("closed with %v, want a normal closure", err)
	}

	for _, tt := range []struct {
		origin string
		status int
	}{
		{"http://node3.example", http.StatusSwitchingProtocols},
		{"HTTPS://node2.example:8443", http.StatusSwitchingProtocols},
		{"http://node2.example:8443", http.StatusForbidden}, // not a node's scheme
		{"https://evil.example", http.StatusForbidden},
	} {
		c, status := e.dialFrom(t, here, tt.origin)
		if status != tt.status {
			t.Errorf("from %s: %d, want %d", tt.origin, status, tt.status)
			continue
		}
		if c != nil {
			if m := readMessage(t, c); m.Type != webrtc.TypeConfig {
				t.Errorf("from %s: first message %+v, want config", tt.origin, m)
			}
			if j := <-f.joins; j.Room != "2001" {
				t.Errorf("from %s: joined %+v", tt.origin, j)
			}
			_ = wsjson.Write(context.Background(), c, webrtc.Message{Type: webrtc.TypeLeave})
		}
	}
	select {
	case j := <-f.joins:
		t.Errorf("a guest sent to another node joined here too: %+v", j)
	default:
	}

	_, h, _ := e.get(t, "/join/"+there, "")
	csp := h.Get("Content-Security-Policy")
	for _, host := range []string{strings.TrimPrefix(e.srv.URL, "http://"), "node2.example:8443", "node3.example"} {
		if !strings.Contains(csp, "ws://"+host+" wss://"+host) {
			t.Errorf("the page may not connect to %s: %q", host, csp)
		}
	}
}
