package api

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/parleyhq/parley/accounts"
	"github.com/parleyhq/parley/store"
)

// fakeDirectory finds its users by a case-insensitive substring of name
// or login; down adds the error of an unreachable LDAP server.
type fakeDirectory struct {
	users []accounts.User
	down  bool
}

func (f *fakeDirectory) Search(_ context.Context, q string, limit int) ([]accounts.User, error) {
	var out []accounts.User
	for _, u := range f.users {
		if len(out) < limit && (strings.Contains(strings.ToLower(u.Name), strings.ToLower(q)) ||
			strings.Contains(strings.ToLower(u.Login), strings.ToLower(q))) {
			out = append(out, u)
		}
	}
	if f.down {
		return out, fmt.Errorf("%w: dial tcp: connection refused", accounts.ErrUnavailable)
	}
	return out, nil
}

// fakePresence has the extensions of its map registered.
type fakePresence map[string]bool

func (p fakePresence) Registered(ext string) bool { return p[ext] }

var directoryUsers = []accounts.User{
	{Login: "2001", Name: "Alice Smith", Email: "alice@example.com", Extension: "2001", Source: "local"},
	{Login: "2002", Name: "Bob Jones", Extension: "2002", Source: "local"},
	{Login: "carol", Name: "Carol Castro", Phone: "+441632960777", Source: "ldap"},
	{Login: "sam1", Name: "Sam Doe", Extension: "2005", Source: "ldap"},
	{Login: "sam2", Name: "Sam Doe", Extension: "2006", Source: "ldap"},
	{Login: "ghost", Name: "Ghost", Source: "ldap"},
}

// TestDirectoryAuthorisation: admin tokens and signed-in users search the
// directory; room tokens (moderators, attendees, guests) and nobody get
// nothing of it.
func TestDirectoryAuthorisation(t *testing.T) {
	dir := &fakeDirectory{users: directoryUsers}
	s, _ := sessionServer(t, Options{Directory: dir, Presence: fakePresence{"2001": true}})
	s.auth = newAuthenticator([]string{testToken}, fakeTokens{bySecret: map[string]store.Token{
		"mod-secret": {ID: 1, Room: "1000", Role: "moderator"},
		"att-secret": {ID: 2, Room: "1000", Role: "attendee"},
	}}, s.now, s.console.guard)
	bob, _ := s.signIn(t, "bob")
	for _, tt := range []struct {
		name         string
		auth, cookie string
		want         int
	}{
		{"admin token", "Bearer " + testToken, "", 200},
		{"session", "", bob.Value, 200},
		{"moderator token", "Bearer mod-secret", "", 403},
		{"attendee token", "Bearer att-secret", "", 403},
		{"room token with a session cookie", "Bearer att-secret", bob.Value, 403},
		{"nobody", "", "", 401},
		{"stale cookie", "", "not-a-session", 401},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := s.do(t, webReq{method: "GET", path: "/api/v1/directory?q=ali", auth: tt.auth, cookie: tt.cookie})
			if w.Code != tt.want {
				t.Fatalf("%d %s, want %d", w.Code, w.Body, tt.want)
			}
			if tt.want != 200 {
				if strings.Contains(w.Body.String(), "Alice") {
					t.Errorf("refused answer shows a user: %s", w.Body)
				}
				return
			}
			var res DirectoryResult
			if err := json.Unmarshal(w.Body.Bytes(), &res); err != nil {
				t.Fatal(err)
			}
			want := DirectoryUser{Login: "2001", Name: "Alice Smith", Email: "alice@example.com", Extension: "2001",
				Online: true, Source: "local"}
			if len(res.Users) != 1 || res.Users[0] != want || res.Warning != "" {
				t.Errorf("got %+v", res)
			}
		})
	}
}

// TestDirectorySearch: the answer's fields, online, the limit, and the
// warning with the local users when LDAP is down.
func TestDirectorySearch(t *testing.T) {
	dir := &fakeDirectory{users: directoryUsers}
	s, _ := sessionServer(t, Options{Directory: dir, Presence: fakePresence{"2005": true}})
	get := func(q string) (int, DirectoryResult, string) {
		t.Helper()
		w := s.do(t, webReq{method: "GET", path: "/api/v1/directory?" + q, auth: "Bearer " + testToken})
		var res DirectoryResult
		if w.Code == 200 {
			if err := json.Unmarshal(w.Body.Bytes(), &res); err != nil {
				t.Fatal(err)
			}
		}
		return w.Code, res, w.Body.String()
	}
	code, res, body := get("q=sam")
	if code != 200 || len(res.Users) != 2 || !res.Users[0].Online || res.Users[1].Online || res.Users[0].Source != "ldap" {
		t.Errorf("sam: %d %s", code, body)
	}
	if !strings.Contains(body, `"email": ""`) || strings.Contains(body, "warning") {
		t.Errorf("every field is sent, the warning only when set: %s", body)
	}
	if code, res, body = get("q=sam&limit=1"); code != 200 || len(res.Users) != 1 {
		t.Errorf("limit 1: %d %s", code, body)
	}
	if code, res, body = get("q=nobody"); code != 200 || res.Users == nil || len(res.Users) != 0 {
		t.Errorf("nobody: %d %s, want an empty list", code, body)
	}
	dir.down = true
	if code, res, body = get("q=" + url.QueryEscape(" Bob ")); code != 200 || len(res.Users) != 1 ||
		res.Users[0].Login != "2002" || res.Warning != warnDirectory {
		t.Errorf("ldap down: %d %s", code, body)
	}
	noDir, _ := sessionServer(t, Options{})
	if w := noDir.do(t, webReq{method: "GET", path: "/api/v1/directory?q=x", auth: "Bearer " + testToken}); w.Code != 503 {
		t.Errorf("no directory: %d %s", w.Code, w.Body)
	}
}

// TestDirectoryQuery: every bad q and limit is a 400 naming it.
func TestDirectoryQuery(t *testing.T) {
	s, _ := sessionServer(t, Options{Directory: &fakeDirectory{}})
	for _, tt := range []struct{ query, field string }{
		{"", "q"},
		{"q=", "q"},
		{"q=%20%20", "q"},
		{"q=" + strings.Repeat("x", 101), "q"},
		{"q=" + strings.Repeat("é", 101), "q"},
		{"q=a%00b", "q"},
		{"q=%ff", "q"},
		{"q=a&q=b", "q"},
		{"q=a&limit=0", "limit"},
		{"q=a&limit=51", "limit"},
		{"q=a&limit=x", "limit"},
		{"q=a&limit=", "limit"},
		{"q=a&limit=1&limit=2", "limit"},
		{"q=a&owner=2001", "owner"},
	} {
		w := s.do(t, webReq{method: "GET", path: "/api/v1/directory?" + tt.query, auth: "Bearer " + testToken})
		var e Error
		if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || w.Code != 400 || e.Field != tt.field {
			t.Errorf("?%s: %d %s, want 400 naming %s", tt.query, w.Code, w.Body, tt.field)
		}
	}
	for _, q := range []string{"q=" + strings.Repeat("é", 100), "q=%20a%20&limit=50", "q=a&limit=1"} {
		if w := s.do(t, webReq{method: "GET", path: "/api/v1/directory?" + q, auth: "Bearer " + testToken}); w.Code != 200 {
			t.Errorf("?%s: %d %s", q, w.Code, w.Body)
		}
	}
}

// TestDialDirectoryUser: dial takes a directory user's exact login or
// name (ignoring case) and calls their extension, else their phone, shown
// under their name; a name two users share is refused with their count.
func TestDialDirectoryUser(t *testing.T) {
	d := &fakeDialer{}
	b := newTestBridge(t, d)
	s := newServer(Options{Bridge: b, AdminTokens: []string{testToken}, Logger: slog.New(slog.DiscardHandler),
		Directory: &fakeDirectory{users: directoryUsers}})
	srv := httptest.NewServer(s.mux)
	t.Cleanup(srv.Close)
	for _, tt := range []struct {
		to, dest, shown string
		code            int
		msg             string
	}{
		{"alice smith", "2001", "Alice Smith", 202, ""},
		{" CAROL ", "+441632960777", "Carol Castro", 202, ""},
		{"Sam Doe", "", "", 400, "2 directory users"},
		{"sam1", "", "", 403, "no trunk allows 2005"}, // found: 2005, which the test router does not know
		{"Ghost", "", "", 400, "neither an extension nor a phone number"},
		{"Alice", "", "", 400, "address book or the directory"}, // not exact
	} {
		code, body := call(t, srv, "POST", "/api/v1/rooms/1000/dial", `{"to": "`+tt.to+`"}`)
		if code != tt.code {
			t.Errorf("dial %q: %d %s, want %d", tt.to, code, body, tt.code)
			continue
		}
		if tt.code != 202 {
			if e := decode[Error](t, body); e.Field != "to" || !strings.Contains(e.Message, tt.msg) {
				t.Errorf("dial %q: %s, want %q", tt.to, body, tt.msg)
			}
			continue
		}
		dr := decode[DialResponse](t, body)
		if dr.Contact != tt.shown {
			t.Errorf("dial %q: contact %q, want %q", tt.to, dr.Contact, tt.shown)
		}
		p := waitStatus(t, srv, "1000", dr.ParticipantID)
		if p.Name != tt.shown {
			t.Errorf("dial %q: shown as %q, want %q", tt.to, p.Name, tt.shown)
		}
		d.mu.Lock()
		last := d.calls[len(d.calls)-1]
		d.mu.Unlock()
		if last.Route.Target.String() != tt.dest {
			t.Errorf("dial %q: called %s, want %s", tt.to, last.Route.Target, tt.dest)
		}
	}
	// LDAP down: a name found nowhere is a 503, not "unknown".
	s2 := newServer(Options{Bridge: b, AdminTokens: []string{testToken}, Logger: slog.New(slog.DiscardHandler),
		Directory: &fakeDirectory{users: directoryUsers, down: true}})
	w := httptest.NewRecorder()
	r := httptest.NewRequest("POST", "/api/v1/rooms/1000/dial", strings.NewReader(`{"to": "Dave Dalton"}`))
	r.Header.Set("Authorization", "Bearer "+testToken)
	s2.mux.ServeHTTP(w, r)
	if w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), "LDAP") {
		t.Errorf("ldap down: %d %s", w.Code, w.Body)
	}
}
