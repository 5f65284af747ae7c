package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/dialplan"
	"github.com/parleyhq/parley/media"
)

type readiness struct{ err error }

func (r readiness) Ready() error { return r.err }

// TestHealthzAndReadyz: /healthz says alive whatever the readiness;
// /readyz says ok, or 503 and why not.
func TestHealthzAndReadyz(t *testing.T) {
	for _, tt := range []struct {
		name, path string
		ready      Readiness
		code       int
		body       string
	}{
		{"alive when ready", "/healthz", readiness{nil}, http.StatusOK, "ok\n"},
		{"alive when not ready", "/healthz", readiness{errors.New("draining")}, http.StatusOK, "ok\n"},
		{"ready", "/readyz", readiness{nil}, http.StatusOK, "ok\n"},
		{"not ready", "/readyz", readiness{errors.New("draining")}, http.StatusServiceUnavailable, "not ready: draining\n"},
		{"no readiness", "/readyz", nil, http.StatusOK, "ok\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			NewHandler(Options{Ready: tt.ready}).ServeHTTP(rec, httptest.NewRequest("GET", tt.path, nil))
			if rec.Code != tt.code || rec.Body.String() != tt.body {
				t.Errorf("GET %s: %d %q, want %d %q", tt.path, rec.Code, rec.Body.String(), tt.code, tt.body)
			}
		})
	}
}

// testToken is the admin token of the test handlers.
const testToken = "s3cret-admin-token"

// fakeLeg is an answered call that sends silence until it is hung up.
type fakeLeg struct {
	done chan struct{}
	once sync.Once
}

func newFakeLeg() *fakeLeg { return &fakeLeg{done: make(chan struct{})} }

func (l *fakeLeg) ReadAudio(frame []int16, rate int) bool { return false }
func (l *fakeLeg) Format() media.Format                   { return media.PCMU }
func (l *fakeLeg) WriteAudio(payload []byte)              {}
func (l *fakeLeg) Hangup(reason string)                   { l.once.Do(func() { close(l.done) }) }
func (l *fakeLeg) Done() <-chan struct{}                  { return l.done }

// fakeDialer answers by the last digits of the number dialled: …0486 is
// busy, …0603 declines, …0999 rings until release is closed (then: no
// answer) or the bridge closes, anything else answers at once.
type fakeDialer struct {
	release chan struct{}

	mu    sync.Mutex
	calls []bridge.Outbound
}

func (d *fakeDialer) Dial(ctx context.Context, c bridge.Outbound) (bridge.Leg, error) {
	d.mu.Lock()
	d.calls = append(d.calls, c)
	d.mu.Unlock()
	dest := c.Route.Destination
	switch {
	case strings.Contains(dest, "0486@"):
		return nil, &bridge.DialError{Status: bridge.DialBusy, Code: 486, Reason: "Busy Here"}
	case strings.Contains(dest, "0603@"):
		return nil, &bridge.DialError{Status: bridge.DialDeclined, Code: 603, Reason: "Decline"}
	case strings.Contains(dest, "0999@"):
		select {
		case <-d.release:
			return nil, &bridge.DialError{Status: bridge.DialNoAnswer, Reason: "released by the test"}
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return newFakeLeg(), nil
}

func (d *fakeDialer) count() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.calls)
}

// newTestBridge returns a bridge with rooms 1000 and 1001 (whose caller ID
// is broken), extension 2001, a trunk for UK numbers and dialer d (nil:
// no dial-out).
func newTestBridge(t *testing.T, d bridge.Dialer) *bridge.Bridge {
	t.Helper()
	opts := bridge.Options{
		Rooms: []bridge.RoomSettings{
			{Number: "1000", Name: "Test", CallerID: "+441632960100"},
			{Number: "1001", Name: "Broken", CallerID: "not-a-number"},
		},
		Router: &dialplan.Router{
			Extensions: map[string]string{"2001": "Alice"},
			Trunks: []dialplan.TrunkRoute{{Name: "pstn", Proxy: "sip:127.0.0.1:5099", CallerID: "+441632960000",
				Allow: []*regexp.Regexp{regexp.MustCompile(`^\+44[0-9]{10}$`)}}},
		},
		Logger: slog.New(slog.DiscardHandler),
	}
	if d != nil {
		opts.Dialer = d
	}
	b, err := bridge.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func newTestServer(t *testing.T, b *bridge.Bridge, tokens ...string) *httptest.Server {
	t.Helper()
	if tokens == nil {
		tokens = []string{"other-token", testToken}
	}
	srv := httptest.NewServer(NewHandler(Options{Bridge: b, AdminTokens: tokens, Logger: slog.New(slog.DiscardHandler)}))
	t.Cleanup(srv.Close)
	return srv
}

// call sends one request with the test token and returns the status and
// the body.
func call(t *testing.T, srv *httptest.Server, method, path, body string) (int, []byte) {
	t.Helper()
	return callAs(t, srv, "Bearer "+testToken, method, path, body)
}

func callAs(t *testing.T, srv *httptest.Server, auth, method, path, body string) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); len(data) > 0 && ct != "application/json" {
		t.Errorf("%s %s: Content-Type %q", method, path, ct)
	}
	return resp.StatusCode, data
}

func decode[T any](t *testing.T, data []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("decode %s: %v", data, err)
	}
	return v
}

func TestAuth(t *testing.T) {
	b := newTestBridge(t, &fakeDialer{})
	srv := newTestServer(t, b)
	empty := newTestServer(t, b, "")
	const path = "/api/v1/rooms/1000/participants"
	tests := []struct {
		name  string
		srv   *httptest.Server
		auth  string
		code  int
		field string
		msg   string
	}{
		{"missing", srv, "", 401, "Authorization", "missing credentials"},
		{"not bearer", srv, "Basic " + testToken, 401, "Authorization", "missing credentials"},
		{"wrong", srv, "Bearer nope", 401, "Authorization", "invalid admin token"},
		{"prefix of the right one", srv, "Bearer " + testToken[:5], 401, "Authorization", "invalid admin token"},
		{"right", srv, "Bearer " + testToken, 200, "", ""},
		{"second token, scheme in lower case", srv, "bearer other-token", 200, "", ""},
		{"no tokens configured", empty, "Bearer " + testToken, 401, "", "admin_tokens is empty"},
		{"no tokens configured, empty bearer", empty, "Bearer ", 401, "", "admin_tokens is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := callAs(t, tt.srv, tt.auth, "GET", path, "")
			if code != tt.code {
				t.Fatalf("status %d, want %d: %s", code, tt.code, body)
			}
			if tt.code == 200 {
				return
			}
			e := decode[Error](t, body)
			if e.Field != tt.field || !strings.Contains(e.Message, tt.msg) {
				t.Errorf("error %+v, want field %q and %q", e, tt.field, tt.msg)
			}
		})
	}
	// Unknown paths need a token too, so they cannot be probed.
	if code, _ := callAs(t, srv, "", "GET", "/api/v1/nothing", ""); code != 401 {
		t.Errorf("unknown path without a token: %d, want 401", code)
	}
	if code, _ := call(t, srv, "GET", "/api/v1/nothing", ""); code != 404 {
		t.Errorf("unknown path: %d, want 404", code)
	}
	if code, body := call(t, srv, "GET", "/api/v1/rooms/1000/dial", ""); code != 405 || !strings.Contains(string(body), "POST") {
		t.Errorf("GET dial: %d %s, want 405 naming POST", code, body)
	}
}

func TestDialErrors(t *testing.T) {
	fd := &fakeDialer{}
	srv := newTestServer(t, newTestBridge(t, fd))
	noDialer := newTestServer(t, newTestBridge(t, nil))
	closedBridge := newTestBridge(t, fd)
	closedBridge.Close()
	closed := newTestServer(t, closedBridge)
	tests := []struct {
		name  string
		srv   *httptest.Server
		room  string
		body  string
		code  int
		field string
		msg   string
	}{
		{"unknown room", srv, "9999", `{"to": "2001"}`, 404, "number", "unknown room"},
		{"bad target", srv, "1000", `{"to": "hello"}`, 400, "to", "unrecognised dial target"},
		{"missing target", srv, "1000", `{"role": "attendee"}`, 400, "to", "to is required"},
		{"bad role", srv, "1000", `{"to": "2001", "role": "boss"}`, 400, "role", "unknown role"},
		{"no_access role", srv, "1000", `{"to": "2001", "role": "no_access"}`, 400, "role", "no_access"},
		{"bad caller ID", srv, "1000", `{"to": "2001", "caller_id": "abc"}`, 400, "caller_id", "bad caller ID"},
		{"toll fraud", srv, "1000", `{"to": "+19005551234"}`, 403, "to", "no trunk allows"},
		{"toll fraud through the trunk host", srv, "1000", `{"to": "sip:+19005551234@127.0.0.1:5099"}`, 403, "to", "toll-fraud"},
		{"h323 to an unspecified address", srv, "1000", `{"to": "#h323:@0.0.0.0"}`, 403, "to", "unspecified address"},
		{"no dialer", noDialer, "1000", `{"to": "2001"}`, 503, "", "not available"},
		{"bridge closed", closed, "1000", `{"to": "2001"}`, 503, "", "closed"},
		{"configured caller ID broken", srv, "1001", `{"to": "2001"}`, 500, "", "configured caller ID"},
		{"negative ring timeout", srv, "1000", `{"to": "2001", "ring_timeout": -1}`, 400, "ring_timeout", "between"},
		{"huge ring timeout", srv, "1000", `{"to": "2001", "ring_timeout": 3600}`, 400, "ring_timeout", "between"},
		{"unknown field", srv, "1000", `{"to": "2001", "colour": "blue"}`, 400, "colour", "unknown field"},
		{"to of the wrong type", srv, "1000", `{"to": 2001}`, 400, "to", "to must be a string, not a number"},
		{"ring_timeout of the wrong type", srv, "1000", `{"to": "2001", "ring_timeout": "30"}`, 400, "ring_timeout", "must be a number, not a string"},
		{"role of the wrong type", srv, "1000", `{"to": "2001", "role": true}`, 400, "role", "must be a string, not a boolean"},
		{"not an object", srv, "1000", `["2001"]`, 400, "", "want a JSON object, not an array"},
		{"malformed", srv, "1000", `{"to": "2001"`, 400, "", "malformed JSON"},
		{"syntax error", srv, "1000", `{"to" "2001"}`, 400, "", "malformed JSON at byte"},
		{"empty body", srv, "1000", ``, 400, "", "empty body"},
		{"trailing data", srv, "1000", `{"to": "2001"} {"to": "2002"}`, 400, "", "after the JSON object"},
		{"too large", srv, "1000", `{"to": "2001", "caller_id": "` + strings.Repeat("1", MaxBody) + `"}`, 413, "", "64 KiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := call(t, tt.srv, "POST", "/api/v1/rooms/"+tt.room+"/dial", tt.body)
			if code != tt.code {
				t.Fatalf("status %d, want %d: %s", code, tt.code, body)
			}
			e := decode[Error](t, body)
			if e.Field != tt.field || !strings.Contains(e.Message, tt.msg) {
				t.Errorf("error %+v, want field %q and a message with %q", e, tt.field, tt.msg)
			}
		})
	}
	if n := fd.count(); n != 0 {
		t.Errorf("the dialer was called %d times for refused dials", n)
	}
}

// waitStatus polls the participant until its status is no longer ringing.
func waitStatus(t *testing.T, srv *httptest.Server, room, id string) Participant {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		code, body := call(t, srv, "GET", "/api/v1/rooms/"+room+"/participants/"+id, "")
		if code != 200 {
			t.Fatalf("GET participant %s: %d %s", id, code, body)
		}
		p := decode[Participant](t, body)
		if p.Status != string(bridge.DialRinging) {
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("participant %s still ringing", id)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func dial(t *testing.T, srv *httptest.Server, body string) DialResponse {
	t.Helper()
	code, data := call(t, srv, "POST", "/api/v1/rooms/1000/dial", body)
	if code != http.StatusAccepted {
		t.Fatalf("dial %s: %d %s", body, code, data)
	}
	return decode[DialResponse](t, data)
}

func TestDialAndModerate(t *testing.T) {
	fd := &fakeDialer{release: make(chan struct{})}
	b := newTestBridge(t, fd)
	srv := newTestServer(t, b)

	// Answered, with its role and the route's caller ID.
	ans := dial(t, srv, `{"to": "+441632960123", "role": "moderator"}`)
	want := RouteInfo{Via: "trunk", Trunk: "pstn", Destination: "sip:+441632960123@127.0.0.1:5099", CallerID: "+441632960100"}
	if ans.Status != "ringing" || ans.ParticipantID == "" || ans.Route != want {
		t.Errorf("dial response %+v, want ringing with route %+v", ans, want)
	}
	if p := waitStatus(t, srv, "1000", ans.ParticipantID); p.Status != "answered" || p.Code != 200 || p.Role != "moderator" || p.Via != "sip" {
		t.Errorf("answered participant %+v", p)
	}

	// Busy, with its SIP code, and a caller ID from the request.
	busy := dial(t, srv, `{"to": "+441632960486", "caller_id": "+441632960999"}`)
	if busy.Route.CallerID != "+441632960999" {
		t.Errorf("caller ID %q, want the request's", busy.Route.CallerID)
	}
	if p := waitStatus(t, srv, "1000", busy.ParticipantID); p.Status != "busy" || p.Code != 486 || p.Reason != "Busy Here" {
		t.Errorf("busy participant %+v", p)
	}

	// Ringing until the test lets it go: no answer.
	ringing := dial(t, srv, `{"to": "+441632960999", "ring_timeout": 30}`)
	code, body := call(t, srv, "GET", "/api/v1/rooms/1000/participants/"+ringing.ParticipantID, "")
	if p := decode[Participant](t, body); code != 200 || p.Status != "ringing" || p.Code != 0 {
		t.Errorf("ringing participant: %d %+v", code, p)
	}
	for _, m := range []string{"PATCH", "DELETE"} {
		code, body := call(t, srv, m, "/api/v1/rooms/1000/participants/"+ringing.ParticipantID, `{"muted": true}`)
		if e := decode[Error](t, body); code != 409 || e.Field != "id" {
			t.Errorf("%s of a ringing call: %d %+v, want 409 naming id", m, code, e)
		}
	}

	// The list has the one in the room and the failed call, both with status.
	code, body = call(t, srv, "GET", "/api/v1/rooms/1000/participants", "")
	if code != 200 {
		t.Fatalf("list: %d %s", code, body)
	}
	list := decode[[]Participant](t, body)
	if len(list) != 3 {
		t.Fatalf("list %+v, want answered, busy and ringing", list)
	}
	if p := list[0]; p.ID != ans.ParticipantID || p.Role != "moderator" || p.Status != "answered" || p.Name != "+441632960123" {
		t.Errorf("list[0] = %+v, want the answered moderator", p)
	}
	if p := list[1]; p.ID != busy.ParticipantID || p.Status != "busy" || p.Code != 486 {
		t.Errorf("list[1] = %+v, want the busy call with 486", p)
	}
	if p := list[2]; p.ID != ringing.ParticipantID || p.Status != "ringing" {
		t.Errorf("list[2] = %+v, want the ringing call", p)
	}
	close(fd.release)
	if p := waitStatus(t, srv, "1000", ringing.ParticipantID); p.Status != "no_answer" {
		t.Errorf("after ringing: %+v, want no_answer", p)
	}

	// PATCH acts at once.
	id := ans.ParticipantID
	room, _ := b.Room("1000")
	member, err := room.Participant(id)
	if err != nil {
		t.Fatal(err)
	}
	patches := []struct {
		body  string
		code  int
		field string
		role  string
		muted bool
	}{
		{`{"muted": true}`, 200, "", "moderator", true},
		{`{"role": "spectator", "muted": false}`, 200, "", "spectator", false},
		{`{}`, 200, "", "spectator", false},
		{`{"role": "boss"}`, 400, "role", "spectator", false},
		{`{"role": ""}`, 400, "role", "spectator", false},
		{`{"muted": "yes"}`, 400, "muted", "spectator", false},
		{`{"volume": 3}`, 400, "volume", "spectator", false},
	}
	for _, tt := range patches {
		code, body := call(t, srv, "PATCH", "/api/v1/rooms/1000/participants/"+id, tt.body)
		if code != tt.code {
			t.Errorf("PATCH %s: %d %s, want %d", tt.body, code, body, tt.code)
			continue
		}
		if tt.code == 200 {
			if p := decode[Participant](t, body); p.Role != tt.role || p.Muted != tt.muted {
				t.Errorf("PATCH %s answered %+v", tt.body, p)
			}
		} else if e := decode[Error](t, body); e.Field != tt.field {
			t.Errorf("PATCH %s: error %+v, want field %q", tt.body, e, tt.field)
		}
		if member.Role() != bridge.Role(tt.role) || member.Muted() != tt.muted {
			t.Errorf("after PATCH %s: role %s muted %v, want %s %v", tt.body, member.Role(), member.Muted(), tt.role, tt.muted)
		}
	}

	// Role no_access removes.
	if code, body := call(t, srv, "PATCH", "/api/v1/rooms/1000/participants/"+id, `{"role": "no_access"}`); code != 200 {
		t.Fatalf("PATCH no_access: %d %s", code, body)
	}
	if _, err := room.Participant(id); !errors.Is(err, bridge.ErrNoParticipant) {
		t.Errorf("after no_access the participant is still in: %v", err)
	}

	// DELETE hangs up.
	other := dial(t, srv, `{"to": "2001"}`)
	waitStatus(t, srv, "1000", other.ParticipantID)
	if code, body := call(t, srv, "DELETE", "/api/v1/rooms/1000/participants/"+other.ParticipantID, ""); code != 204 || len(body) != 0 {
		t.Errorf("DELETE: %d %s, want 204 and no body", code, body)
	}
	if room.Len() != 0 {
		t.Errorf("%d participants left after DELETE", room.Len())
	}
	code, body = call(t, srv, "DELETE", "/api/v1/rooms/1000/participants/"+other.ParticipantID, "")
	if e := decode[Error](t, body); code != 404 || e.Field != "id" {
		t.Errorf("second DELETE: %d %+v, want 404 naming id", code, e)
	}
	code, body = call(t, srv, "GET", "/api/v1/rooms/1000/participants/42", "")
	if e := decode[Error](t, body); code != 404 || e.Field != "id" {
		t.Errorf("GET unknown participant: %d %+v, want 404 naming id", code, e)
	}
	code, body = call(t, srv, "GET", "/api/v1/rooms/9999/participants", "")
	if e := decode[Error](t, body); code != 404 || e.Field != "number" {
		t.Errorf("GET participants of an unknown room: %d %+v, want 404 naming number", code, e)
	}

	// Answered calls that have left are no longer listed; failed ones are.
	code, body = call(t, srv, "GET", "/api/v1/rooms/1000/participants", "")
	list = decode[[]Participant](t, body)
	if code != 200 || len(list) != 2 || list[0].Status != "busy" || list[1].Status != "no_answer" {
		t.Errorf("list after removals: %d %+v, want busy and no_answer", code, list)
	}
}

func TestRoute(t *testing.T) {
	fd := &fakeDialer{}
	srv := newTestServer(t, newTestBridge(t, fd))
	tests := []struct {
		name    string
		query   string
		code    int
		allowed bool
		via     string
		field   string
		explain string
	}{
		{"extension", "/1000/route?to=2001", 200, true, "extension", "", "is an extension (Alice)"},
		{"trunk", "/1000/route?to=%2B441632960123", 200, true, "trunk", "", "trunk pstn"},
		{"toll fraud", "/1000/route?to=%2B19005551234", 200, false, "", "", "no trunk allows +19005551234"},
		{"h323", "/1000/route?to=%23h323:@192.0.2.20", 200, true, "h323", "", "is an H.323 endpoint: Setup sent to 192.0.2.20:1720"},
		{"broken room caller ID", "/1001/route?to=2001", 200, false, "extension", "", "not E.164"},
		{"bad target", "/1000/route?to=hello", 400, false, "", "to", ""},
		{"missing target", "/1000/route", 400, false, "", "to", ""},
		{"bad caller ID", "/1000/route?to=2001&caller_id=x", 400, false, "", "caller_id", ""},
		{"unknown parameter", "/1000/route?to=2001&room=1", 400, false, "", "room", ""},
		{"unknown room", "/9999/route?to=2001", 404, false, "", "number", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := call(t, srv, "GET", "/api/v1/rooms"+tt.query, "")
			if code != tt.code {
				t.Fatalf("status %d, want %d: %s", code, tt.code, body)
			}
			if code != 200 {
				if e := decode[Error](t, body); e.Field != tt.field {
					t.Errorf("error %+v, want field %q", e, tt.field)
				}
				return
			}
			r := decode[RouteResponse](t, body)
			if r.Allowed != tt.allowed || r.Route.Via != tt.via || (!r.Allowed && r.Error == "") {
				t.Errorf("route %+v, want allowed %v via %q", r, tt.allowed, tt.via)
			}
			if !strings.Contains(strings.Join(r.Explain, "\n"), tt.explain) {
				t.Errorf("explain %q lacks %q", r.Explain, tt.explain)
			}
		})
	}
	if n := fd.count(); n != 0 {
		t.Errorf("route placed %d calls", n)
	}
}

func TestNoBridge(t *testing.T) {
	srv := httptest.NewServer(NewHandler(Options{AdminTokens: []string{testToken}, Logger: slog.New(slog.DiscardHandler)}))
	defer srv.Close()
	for _, c := range []struct{ method, path, body string }{
		{"GET", "/api/v1/rooms/1000/participants", ""},
		{"POST", "/api/v1/rooms/1000/dial", `{"to": "2001"}`},
		{"GET", "/api/v1/rooms/1000/route?to=2001", ""},
	} {
		if code, body := call(t, srv, c.method, c.path, c.body); code != 503 {
			t.Errorf("%s %s without a bridge: %d %s, want 503", c.method, c.path, code, body)
		}
	}
}

// TestErrorBody checks the shape of an error body on the wire.
func TestErrorBody(t *testing.T) {
	srv := newTestServer(t, newTestBridge(t, &fakeDialer{}))
	_, body := call(t, srv, "POST", "/api/v1/rooms/1000/dial", `{"to": "2001", "x": 1}`)
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	if len(m) != 2 || m["field"] != "x" || m["error"] == "" {
		t.Errorf("error body %s, want exactly error and field", bytes.TrimSpace(body))
	}
}
