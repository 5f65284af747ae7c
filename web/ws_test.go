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

// fakeGuests records the join requests and plays a short call: it sends
// the messages in script, then waits for the browser's "leave".
type fakeGuests struct {
	script []webrtc.Message
	joins  chan webrtc.JoinRequest
}

func (f *fakeGuests) Handle(ctx context.Context, conn webrtc.Signaller, join webrtc.JoinRequest) error {
	f.joins <- join
	for _, m := range f.script {
		if err := conn.WriteJSON(ctx, m); err != nil {
			return err
		}
	}
	for {
		var m webrtc.Message
		if err := conn.ReadJSON(ctx, &m); err != nil || m.Type == webrtc.TypeLeave {
			return err
		}
	}
}

// newGuestEnv is newEnv with a fake WebRTC server behind the page.
func newGuestEnv(t *testing.T, script ...webrtc.Message) (*env, *fakeGuests) {
	t.Helper()
	e := newEnv(t)
	f := &fakeGuests{script: script, joins: make(chan webrtc.JoinRequest, 4)}
	h, err := New(Options{Links: e.db, Rooms: e.bridge, Guests: f, Logger: slog.New(slog.DiscardHandler),
		Now: func() time.Time { return e.now }})
	if err != nil {
		t.Fatal(err)
	}
	e.srv = httptest.NewServer(h)
	t.Cleanup(e.srv.Close)
	return e, f
}

// dialGuest opens the join WebSocket of token with name.
func (e *env) dialGuest(t *testing.T, token, name string) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	u := "ws" + strings.TrimPrefix(e.srv.URL, "http") + "/join/" + token + "/ws?name=" + url.QueryEscape(name)
	c, _, err := websocket.Dial(ctx, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.CloseNow() })
	return c
}

func readMessage(t *testing.T, c *websocket.Conn) webrtc.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var m webrtc.Message
	if err := wsjson.Read(ctx, c, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestJoinSocket(t *testing.T) {
	e, f := newGuestEnv(t,
		webrtc.Message{Type: webrtc.TypeConfig},
		webrtc.Message{Type: webrtc.TypeBanner, Text: "The room is full: you are joining as a listener."})
	group := e.link(t, store.Link{Room: "2000", Kind: store.LinkGroup, Name: "All", Role: "presenter", Active: true})
	guest := e.link(t, store.Link{Room: "2001", Kind: store.LinkGuest, Name: "Ada", Language: "fr", Active: true})

	c := e.dialGuest(t, group, "  Grace  ")
	if m := readMessage(t, c); m.Type != webrtc.TypeConfig {
		t.Errorf("first message %+v, want config", m)
	}
	if m := readMessage(t, c); m.Text != "The room is full: you are joining as a listener." {
		t.Errorf("banner %q", m.Text)
	}
	j := <-f.joins
	l, _ := e.db.LinkByToken(context.Background(), group)
	if want := (webrtc.JoinRequest{Room: "2000", Name: "Grace", Role: "presenter", LinkID: l.ID, Source: "group_link"}); j != want {
		t.Errorf("join request %+v, want %+v", j, want)
	}
	_ = wsjson.Write(context.Background(), c, webrtc.Message{Type: webrtc.TypeLeave})

	// A guest link admits to a room with guest access off, fills in its
	// guest's name, and speaks the guest's language.
	c = e.dialGuest(t, guest, "")
	readMessage(t, c)
	if m := readMessage(t, c); m.Text != "La salle est pleine : vous la rejoignez en tant qu'auditeur." {
		t.Errorf("French banner %q", m.Text)
	}
	if j := <-f.joins; j.Name != "Ada" || j.Source != "guest_link" || j.Room != "2001" {
		t.Errorf("guest link join request %+v", j)
	}
}

func TestJoinSocketRefused(t *testing.T) {
	e, f := newGuestEnv(t)
	at := func(d time.Duration) *time.Time { v := e.now.Add(d); return &v }
	expired := e.link(t, store.Link{Room: "2000", Kind: store.LinkGroup, Name: "Late", Active: true, ValidUntil: at(-time.Minute)})
	closed := e.link(t, store.Link{Room: "2001", Kind: store.LinkGroup, Name: "Closed", Active: true})
	group := e.link(t, store.Link{Room: "2000", Kind: store.LinkGroup, Name: "All", Active: true})
	for _, tc := range []struct{ name, token, guest, want string }{
		{"expired", expired, "Grace", "This link has expired."},
		{"guest access off", closed, "Grace", "This room does not admit guests."},
		{"unknown", "AAAAAAAAAAAAAAAAAAAAAAAA", "Grace", "This link is not valid."},
		{"no name", group, "   ", "Enter your name"},
		{"control characters", group, "Gr\x07ce", "Enter your name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := e.dialGuest(t, tc.token, tc.guest)
			if m := readMessage(t, c); m.Type != webrtc.TypeError || m.Error != tc.want {
				t.Errorf("got %+v, want the error %q", m, tc.want)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if _, _, err := c.Read(ctx); websocket.CloseStatus(err) != websocket.StatusPolicyViolation {
				t.Errorf("closed with %v, want policy violation", err)
			}
		})
	}
	select {
	case j := <-f.joins:
		t.Errorf("a refused guest reached the WebRTC server: %+v", j)
	default:
	}
	// Without a WebSocket handshake the answer is the page's status.
	resp, err := e.srv.Client().Get(e.srv.URL + "/join/" + expired + "/ws?name=Grace")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusGone {
		t.Errorf("plain GET of an expired link's socket: %d, want 410", resp.StatusCode)
	}
}

func TestJoinPageApp(t *testing.T) {
	e, _ := newGuestEnv(t)
	group := e.link(t, store.Link{Room: "2000", Kind: store.LinkGroup, Name: "All", Active: true})
	code, h, page := e.get(t, "/join/"+group, "")
	if code != 200 || !labelled(page, "Join") {
		t.Fatalf("%d\n%s", code, page)
	}
	for _, s := range []string{`<script src="/join/join.js?v=`, `<script id="parley-text" type="application/json">{`,
		`"in_call":"You are in the call."`, `<select id="microphone"`, `<meter id="level"`, `<select id="camera"`,
		`<video id="preview"`, `<ul id="videos"`, `"camera_stop":"Stop camera"`, `"video_of":"Video of {{name}}"`,
		`<ul id="participants" aria-label="Participants">`, `"role_spectator":"Listener"`, `"talking":"Talking"`} {
		if !strings.Contains(page, s) {
			t.Errorf("page lacks %s", s)
		}
	}
	csp := h.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") ||
		!strings.Contains(csp, "ws://"+strings.TrimPrefix(e.srv.URL, "http://")) {
		t.Errorf("CSP %q", csp)
	}
	for name, ct := range map[string]string{"join.js": "text/javascript; charset=utf-8", "join.css": "text/css; charset=utf-8"} {
		code, h, body := e.get(t, "/join/"+name, "")
		if code != 200 || h.Get("Content-Type") != ct || h.Get("ETag") == "" || len(body) < 100 {
			t.Errorf("%s: %d %q %q", name, code, h.Get("Content-Type"), h.Get("ETag"))
		}
	}
	// Without the script, the form says joining needs it.
	resp, err := e.srv.Client().PostForm(e.srv.URL+"/join/"+group, url.Values{"name": {"Grace"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotImplemented {
		t.Errorf("POST without the script: %d", resp.StatusCode)
	}
}
