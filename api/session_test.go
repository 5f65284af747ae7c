package api

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/accounts"
	"github.com/parleyhq/parley/bridge"
)

// fakeAccounts signs in the users of its map with password "<login>-pw";
// down answers every sign-in as a directory outage.
type fakeAccounts struct {
	users map[string]accounts.User
	down  bool
}

func (f *fakeAccounts) SignIn(_ context.Context, login, password string) (accounts.User, error) {
	if f.down {
		return accounts.User{}, fmt.Errorf("%w: connection refused", accounts.ErrUnavailable)
	}
	u, ok := f.users[login]
	if !ok || password != login+"-pw" {
		return accounts.User{}, accounts.ErrInvalid
	}
	return u, nil
}

// sessionServer is a server with rooms 1000 (owner 2002), 1001 (members
// 2002) and 1002 (owner 2003), and the users root (admin), op (operator),
// bob (user, extension 2002) and nox (user without extension).
func sessionServer(t testing.TB, opts Options) (*server, *fakeAccounts) {
	t.Helper()
	b, err := bridge.New(bridge.Options{Rooms: []bridge.RoomSettings{
		{Number: "1000", Name: "Bob's", Owner: "2002"},
		{Number: "1001", Name: "Team", Owner: "2003", Members: []string{"2002"}},
		{Number: "1002", Name: "Carol's", Owner: "2003"},
	}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	fa := &fakeAccounts{users: map[string]accounts.User{
		"root": {Login: "root", Role: accounts.RoleAdmin, Source: "local"},
		"op":   {Login: "op", Role: accounts.RoleOperator, Source: "ldap"},
		"bob":  {Login: "bob", Role: accounts.RoleUser, Extension: "2002", Source: "ldap"},
		"nox":  {Login: "nox", Role: accounts.RoleUser, Source: "ldap"},
	}}
	opts.Bridge, opts.Accounts, opts.AdminTokens, opts.Logger = b, fa, []string{testToken}, slog.New(slog.DiscardHandler)
	return newServer(opts), fa
}

// webReq is one request to s: with the session cookie and the CSRF token
// when given, and an Authorization header when auth is set.
type webReq struct {
	method, path, body string
	cookie, csrf, auth string
	tls                bool
}

func (s *server) do(t testing.TB, r webReq) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(r.method, r.path, strings.NewReader(r.body))
	if r.cookie != "" {
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: r.cookie})
	}
	if r.csrf != "" {
		req.Header.Set(csrfHeader, r.csrf)
	}
	if r.auth != "" {
		req.Header.Set("Authorization", r.auth)
	}
	if r.tls {
		req.TLS = &tls.ConnectionState{}
	}
	w := httptest.NewRecorder()
	s.mux.ServeHTTP(w, req)
	return w
}

// signIn signs login in and returns the cookie and the session's answer.
func (s *server) signIn(t *testing.T, login string) (*http.Cookie, SessionInfo) {
	t.Helper()
	w := s.do(t, webReq{method: "POST", path: "/api/v1/session", body: `{"user":"` + login + `","password":"` + login + `-pw"}`})
	if w.Code != http.StatusCreated {
		t.Fatalf("sign-in of %s: %d %s", login, w.Code, w.Body)
	}
	var info SessionInfo
	if err := json.Unmarshal(w.Body.Bytes(), &info); err != nil {
		t.Fatal(err)
	}
	for _, c := range w.Result().Cookies() {
		if c.Name == sessionCookie {
			return c, info
		}
	}
	t.Fatalf("no cookie: %v", w.Header())
	return nil, info
}

// TestSessionRoles: what each role sees and may do, by the same routes.
func TestSessionRoles(t *testing.T) {
	s, _ := sessionServer(t, Options{})
	type check struct {
		method, path string
		want         int
	}
	for _, tt := range []struct {
		login string
		rooms []string
		calls []check
	}{
		{"root", []string{"1000", "1001", "1002"}, []check{
			{"GET", "/api/v1/rooms/1002", 200}, {"POST", "/api/v1/rooms/1002/mute-all", 200},
			{"DELETE", "/api/v1/trace", 503}, // admin route: allowed, no trace configured
		}},
		{"op", []string{"1000", "1001", "1002"}, []check{
			{"GET", "/api/v1/rooms/1002", 200}, {"POST", "/api/v1/rooms/1002/mute-all", 200},
			{"DELETE", "/api/v1/trace", 403}, {"GET", "/api/v1/contacts", 403},
		}},
		{"bob", []string{"1000", "1001"}, []check{
			{"GET", "/api/v1/rooms/1000", 200}, {"POST", "/api/v1/rooms/1000/mute-all", 200},
			{"GET", "/api/v1/rooms/1001", 200}, {"POST", "/api/v1/rooms/1001/mute-all", 403},
			{"GET", "/api/v1/rooms/1002", 404}, {"POST", "/api/v1/rooms/1002/mute-all", 404},
			{"GET", "/api/v1/rooms/9999", 404}, {"DELETE", "/api/v1/trace", 403},
		}},
		{"nox", nil, []check{{"GET", "/api/v1/rooms/1000", 404}}},
	} {
		t.Run(tt.login, func(t *testing.T) {
			c, info := s.signIn(t, tt.login)
			w := s.do(t, webReq{method: "GET", path: "/api/v1/rooms", cookie: c.Value})
			var rooms []Room
			if err := json.Unmarshal(w.Body.Bytes(), &rooms); err != nil || w.Code != 200 {
				t.Fatalf("list: %d %s", w.Code, w.Body)
			}
			var got []string
			for _, r := range rooms {
				got = append(got, r.Number)
			}
			if !slices.Equal(got, tt.rooms) {
				t.Errorf("sees %v, want %v", got, tt.rooms)
			}
			for _, ch := range tt.calls {
				w := s.do(t, webReq{method: ch.method, path: ch.path, cookie: c.Value, csrf: info.CSRFToken})
				if w.Code != ch.want {
					t.Errorf("%s %s: %d %s, want %d", ch.method, ch.path, w.Code, w.Body, ch.want)
				}
			}
		})
	}
}

// TestSessionCSRF: a change made with the cookie needs the session's own
// token; reads do not; a bearer token needs none, cookie or not.
func TestSessionCSRF(t *testing.T) {
	s, _ := sessionServer(t, Options{})
	c, info := s.signIn(t, "bob")
	_, other := s.signIn(t, "op")
	const path = "/api/v1/rooms/1000/mute-all"
	for _, tt := range []struct {
		name string
		r    webReq
		want int
	}{
		{"no token", webReq{method: "POST", path: path, cookie: c.Value}, 403},
		{"wrong token", webReq{method: "POST", path: path, cookie: c.Value, csrf: "x" + info.CSRFToken}, 403},
		{"another session's token", webReq{method: "POST", path: path, cookie: c.Value, csrf: other.CSRFToken}, 403},
		{"right token", webReq{method: "POST", path: path, cookie: c.Value, csrf: info.CSRFToken}, 200},
		{"read needs none", webReq{method: "GET", path: "/api/v1/rooms/1000", cookie: c.Value}, 200},
		{"bearer needs none", webReq{method: "POST", path: "/api/v1/rooms/1002/mute-all", auth: "Bearer " + testToken}, 200},
		{"bearer wins over the cookie", webReq{method: "POST", path: "/api/v1/rooms/1002/mute-all", cookie: c.Value,
			auth: "Bearer " + testToken}, 200},
		{"unknown cookie", webReq{method: "GET", path: "/api/v1/rooms", cookie: "forged"}, 401},
		{"sign-out without token", webReq{method: "DELETE", path: "/api/v1/session", cookie: c.Value}, 403},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if w := s.do(t, tt.r); w.Code != tt.want {
				t.Errorf("%d %s, want %d", w.Code, w.Body, tt.want)
			}
		})
	}
	w := s.do(t, webReq{method: "DELETE", path: "/api/v1/session", cookie: c.Value, csrf: info.CSRFToken})
	if w.Code != http.StatusNoContent {
		t.Fatalf("sign-out: %d %s", w.Code, w.Body)
	}
	if ck := w.Result().Cookies(); len(ck) != 1 || ck[0].MaxAge >= 0 {
		t.Errorf("sign-out cookies %v, want the session cookie cleared", ck)
	}
	for _, r := range []webReq{{method: "GET", path: "/api/v1/session"}, {method: "GET", path: "/api/v1/rooms"},
		{method: "DELETE", path: "/api/v1/session", csrf: info.CSRFToken}} {
		r.cookie = c.Value
		if w := s.do(t, r); w.Code != http.StatusUnauthorized {
			t.Errorf("%s %s after sign-out: %d, want 401", r.method, r.path, w.Code)
		}
	}
}

// TestSessionLife: a session ends after session idle time without use.
func TestSessionLife(t *testing.T) {
	s, _ := sessionServer(t, Options{SessionIdle: 10 * time.Minute, SessionMaxAge: time.Hour})
	now := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return now }
	c, info := s.signIn(t, "bob")
	if want := now.Add(time.Hour); !info.ExpiresAt.Equal(want) || c.MaxAge != 3600 {
		t.Errorf("expires %v, cookie max-age %d; want %v, 3600", info.ExpiresAt, c.MaxAge, want)
	}
	now = now.Add(9 * time.Minute)
	if w := s.do(t, webReq{method: "GET", path: "/api/v1/session", cookie: c.Value}); w.Code != 200 {
		t.Fatalf("after 9 minutes: %d", w.Code)
	}
	now = now.Add(10 * time.Minute)
	if w := s.do(t, webReq{method: "GET", path: "/api/v1/session", cookie: c.Value}); w.Code != 401 {
		t.Errorf("after 10 idle minutes: %d, want 401", w.Code)
	}
}

// TestSessionSignIn: the cookie's flags, and each refused sign-in.
func TestSessionSignIn(t *testing.T) {
	t.Run("cookie flags", func(t *testing.T) {
		for _, tt := range []struct {
			name   string
			public string
			tls    bool
			secure bool
		}{
			{"plain", "", false, false},
			{"tls", "", true, true},
			{"https public url behind a proxy", "https://meet.example.com", false, true},
		} {
			s, _ := sessionServer(t, Options{PublicURL: tt.public})
			w := s.do(t, webReq{method: "POST", path: "/api/v1/session", body: `{"user":"bob","password":"bob-pw"}`, tls: tt.tls})
			ck := w.Result().Cookies()
			if w.Code != 201 || len(ck) != 1 {
				t.Fatalf("%s: %d %v", tt.name, w.Code, ck)
			}
			if c := ck[0]; c.Secure != tt.secure || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" {
				t.Errorf("%s: cookie %+v, want Secure %v, HttpOnly, SameSite=Strict, Path=/", tt.name, c, tt.secure)
			}
		}
	})
	s, fa := sessionServer(t, Options{})
	for _, tt := range []struct {
		name, body string
		want       int
		field      string
	}{
		{"empty body", ``, 400, ""},
		{"not json", `user=bob`, 400, ""},
		{"unknown field", `{"user":"bob","password":"x","remember":true}`, 400, "remember"},
		{"no user", `{"password":"x"}`, 400, "user"},
		{"no password", `{"user":"bob"}`, 400, "password"},
		{"wrong password", `{"user":"bob","password":"nope"}`, 401, "password"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := s.do(t, webReq{method: "POST", path: "/api/v1/session", body: tt.body})
			e := decode[Error](t, w.Body.Bytes())
			if w.Code != tt.want || e.Field != tt.field {
				t.Errorf("%d %s, want %d field %q", w.Code, w.Body, tt.want, tt.field)
			}
			if len(w.Result().Cookies()) != 0 {
				t.Error("a refused sign-in set a cookie")
			}
		})
	}
	t.Run("directory down", func(t *testing.T) {
		fa.down = true
		defer func() { fa.down = false }()
		w := s.do(t, webReq{method: "POST", path: "/api/v1/session", body: `{"user":"op","password":"op-pw"}`})
		if w.Code != 503 || !strings.Contains(w.Body.String(), "local users still can") {
			t.Errorf("%d %s, want 503 saying local users still can", w.Code, w.Body)
		}
	})
	t.Run("throttled", func(t *testing.T) {
		s, _ := sessionServer(t, Options{})
		var codes []int
		for range 6 {
			w := s.do(t, webReq{method: "POST", path: "/api/v1/session", body: `{"user":"bob","password":"guess"}`})
			codes = append(codes, w.Code)
			if w.Code == 429 && w.Header().Get("Retry-After") == "" {
				t.Error("429 without Retry-After")
			}
		}
		if codes[0] != 401 || codes[len(codes)-1] != 429 {
			t.Errorf("codes %v, want 401 first and 429 in the end", codes)
		}
	})
	t.Run("not configured", func(t *testing.T) {
		s := newServer(Options{Logger: slog.New(slog.DiscardHandler)})
		w := s.do(t, webReq{method: "POST", path: "/api/v1/session", body: `{"user":"bob","password":"x"}`})
		if w.Code != 503 {
			t.Errorf("%d %s, want 503", w.Code, w.Body)
		}
	})
}
