package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// serveFrom sends one request to e's handler as if from remote.
func serveFrom(e *storeEnv, remote, auth, method, path, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	r.RemoteAddr = remote
	if auth != "" {
		r.Header.Set("Authorization", auth)
	}
	w := httptest.NewRecorder()
	e.s.mux.ServeHTTP(w, r)
	return w
}

// TestAuthGuard: wrong bearer tokens count against the client's address:
// past 3 the address waits (429 with Retry-After, even with the admin
// token), other addresses do not; an expired token is not counted.
func TestAuthGuard(t *testing.T) {
	e := newStoreEnv(t)
	var clock atomic.Int64
	clock.Store(time.Now().UnixNano())
	e.s.now = func() time.Time { return time.Unix(0, clock.Load()) }
	const bad, other = "192.0.2.66:4000", "[2001:db8::1]:4000"
	for i := range 4 {
		if w := serveFrom(e, bad, "Bearer guess", "GET", "/api/v1/rooms", ""); w.Code != http.StatusUnauthorized {
			t.Fatalf("wrong token %d: %d, want 401", i+1, w.Code)
		}
	}
	w := serveFrom(e, bad, "Bearer "+testToken, "GET", "/api/v1/rooms", "")
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "1" || !strings.Contains(w.Body.String(), "too many failed tries") {
		t.Errorf("admin token from the guessing address: %d %q %s, want 429 with Retry-After 1", w.Code, w.Header().Get("Retry-After"), w.Body)
	}
	if w := serveFrom(e, other, "Bearer "+testToken, "GET", "/api/v1/rooms", ""); w.Code != http.StatusOK {
		t.Errorf("admin token from another address: %d", w.Code)
	}
	clock.Add(int64(time.Second))
	if w := serveFrom(e, bad, "Bearer "+testToken, "GET", "/api/v1/rooms", ""); w.Code != http.StatusOK {
		t.Errorf("admin token after the wait: %d", w.Code)
	}

	// Expired tokens: 401 saying so, never 429.
	code, body := call(t, e.srv, "POST", "/api/v1/rooms/2000/tokens", `{"role": "moderator", "expires_in": 60}`)
	if code != http.StatusCreated {
		t.Fatalf("mint: %d %s", code, body)
	}
	tok := decode[NewToken](t, body).Token
	clock.Add(int64(time.Minute))
	for i := range 10 {
		w := serveFrom(e, other, "Bearer "+tok, "GET", "/api/v1/rooms/2000/participants", "")
		if w.Code != http.StatusUnauthorized || !strings.Contains(w.Body.String(), "token expired at") {
			t.Fatalf("expired token, try %d: %d %s, want 401 saying it expired", i+1, w.Code, w.Body)
		}
	}
}

// TestTokenTTL: a token minted with a room token expires after the TTL
// when it names no life, may not ask for more than the maximum, and an
// admin may still mint one that never expires.
func TestTokenTTL(t *testing.T) {
	e := newStoreEnv(t)
	e.s.tokens.tokenTTL, e.s.tokens.tokenMaxTTL = time.Hour, 2*time.Hour
	mod := "Bearer " + e.mint(t, "2000", "moderator")
	now := time.Now()
	code, body := callAs(t, e.srv, mod, "POST", "/api/v1/rooms/2000/tokens", `{"role": "moderator"}`)
	nt := decode[NewToken](t, body)
	if code != http.StatusCreated || nt.ExpiresAt == nil || nt.ExpiresAt.Sub(now.Add(time.Hour)).Abs() > 5*time.Second {
		t.Errorf("moderator mints without expires_in: %d, expires %v, want about %v", code, nt.ExpiresAt, now.Add(time.Hour))
	}
	code, body = callAs(t, e.srv, mod, "POST", "/api/v1/rooms/2000/tokens", `{"role": "moderator", "expires_in": 7201}`)
	if got := decode[Error](t, body); code != http.StatusBadRequest || got.Field != "expires_in" || !strings.Contains(got.Message, "at most 7200 seconds") {
		t.Errorf("moderator asks for more than the maximum: %d %s, want 400 on expires_in", code, body)
	}
	code, body = call(t, e.srv, "POST", "/api/v1/rooms/2000/tokens", `{"role": "moderator"}`)
	if nt := decode[NewToken](t, body); code != http.StatusCreated || nt.ExpiresAt != nil {
		t.Errorf("admin mints without expires_in: %d, expires %v, want never", code, nt.ExpiresAt)
	}
}
