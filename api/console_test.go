package api

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleyhq/parley/bridge"
)

// consoleEnv is a handler on newStoreEnv's store and bridge (room 1000 has
// moderator PIN 9999, room 2000 none) whose clock the test moves.
type consoleEnv struct {
	*storeEnv
	srv   *httptest.Server
	clock atomic.Int64 // Unix nanoseconds
}

func newConsoleEnv(t *testing.T) *consoleEnv {
	t.Helper()
	e := &consoleEnv{storeEnv: newStoreEnv(t)}
	e.clock.Store(time.Now().UnixNano())
	s := newServer(Options{Bridge: e.bridge, Stores: StoresOf(e.db), AdminTokens: []string{testToken}, Logger: slog.New(slog.DiscardHandler)})
	s.now = func() time.Time { return time.Unix(0, e.clock.Load()) }
	e.srv = httptest.NewServer(s.mux)
	t.Cleanup(e.srv.Close)
	return e
}

func (e *consoleEnv) login(t *testing.T, room, body string) (int, []byte) {
	t.Helper()
	return callAs(t, e.srv, "", "POST", "/api/v1/rooms/"+room+"/console-login", body)
}

func TestConsoleLogin(t *testing.T) {
	e := newConsoleEnv(t)
	room, _ := e.bridge.Room("1000")
	p, err := room.Join(newFakeLeg(), bridge.JoinOptions{Name: "Carol", Via: "sip"})
	if err != nil {
		t.Fatal(err)
	}

	code, body := e.login(t, "1000", `{"pin": "9999"}`)
	if code != http.StatusCreated {
		t.Fatalf("right PIN: %d %s", code, body)
	}
	nt := decode[NewToken](t, body)
	now := time.Unix(0, e.clock.Load())
	if nt.Role != "moderator" || nt.Room != "1000" || nt.Label != "console" || len(nt.Token) != 43 ||
		nt.ExpiresAt == nil || nt.ExpiresAt.Sub(now.Add(12*time.Hour)).Abs() > time.Second {
		t.Errorf("minted %+v, want a moderator token of room 1000 labelled console, expiring at %v", nt, now.Add(12*time.Hour))
	}
	// The token works on a moderator route, and only in its room.
	mod := "Bearer " + nt.Token
	if code, body := callAs(t, e.srv, mod, "PATCH", "/api/v1/rooms/1000/participants/"+p.ID, `{"muted": true}`); code != 200 || !p.Muted() {
		t.Errorf("mute with the console token: %d %s, muted %v", code, body, p.Muted())
	}
	if code, _ := callAs(t, e.srv, mod, "GET", "/api/v1/rooms/2000/participants", ""); code != http.StatusForbidden {
		t.Errorf("console token on another room: %d, want 403", code)
	}

	for _, tt := range []struct {
		name, room, body string
		code             int
		field, msg       string
	}{
		{"wrong PIN", "1000", `{"pin": "1111"}`, 403, "pin", "wrong moderator PIN"},
		{"the attendee PIN", "1000", `{"pin": "1234"}`, 403, "pin", "wrong moderator PIN"},
		{"no moderator PIN", "2000", `{"pin": "9999"}`, 403, "pin", "has no moderator PIN"},
		{"unknown room", "7777", `{"pin": "9999"}`, 404, "number", "7777"},
	} {
		code, body := e.login(t, tt.room, tt.body)
		got := decode[Error](t, body)
		if code != tt.code || got.Field != tt.field || !strings.Contains(got.Message, tt.msg) {
			t.Errorf("%s: %d %s, want %d field %q with %q", tt.name, code, body, tt.code, tt.field, tt.msg)
		}
	}
	// Malformed requests are refused before they count.
	for _, body := range []string{`{}`, `{"pin": ""}`, `{"pin": 9999}`, `{"pin": "9999", "role": "owner"}`} {
		if code, _ := e.login(t, "1000", body); code != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", body, code)
		}
	}
	if code, _ := callAs(t, e.srv, "", "GET", "/api/v1/rooms/1000/console-login", ""); code != http.StatusMethodNotAllowed {
		t.Errorf("GET console-login: %d, want 405", code)
	}
}

// TestConsoleLoginGuard: past the guard's free wrong PINs each one makes
// the client wait longer (429 with Retry-After, even with the right PIN);
// after the wait the right PIN gets in, and the next wrong one waits longer
// still: the success reset nothing.
func TestConsoleLoginGuard(t *testing.T) {
	e := newConsoleEnv(t)
	for i := range 4 { // 3 free, the 4th earns a 1 s wait
		if code, body := e.login(t, "1000", `{"pin": "000`+string(rune('0'+i))+`"}`); code != http.StatusForbidden {
			t.Fatalf("try %d: %d %s, want 403", i+1, code, body)
		}
	}
	retry := func(room, pin string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/rooms/"+room+"/console-login", strings.NewReader(`{"pin": "`+pin+`"}`))
		resp, err := e.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, resp.Header.Get("Retry-After")
	}
	if code, ra := retry("1000", "9999"); code != http.StatusTooManyRequests || ra != "1" {
		t.Fatalf("right PIN during the wait: %d, Retry-After %q; want 429 and 1", code, ra)
	}
	code, body := e.login(t, "2000", `{"pin": "9999"}`)
	if got := decode[Error](t, body); code != http.StatusTooManyRequests || got.Field != "pin" || !strings.Contains(got.Message, "too many failed tries") {
		t.Errorf("another room from the same address: %d %s, want 429", code, body)
	}
	e.clock.Add(int64(time.Second))
	if code, body := e.login(t, "1000", `{"pin": "9999"}`); code != http.StatusCreated {
		t.Errorf("after the wait: %d %s, want 201", code, body)
	}
	e.clock.Add(int64(time.Second))
	if code, _ := e.login(t, "1000", `{"pin": "1111"}`); code != http.StatusForbidden {
		t.Errorf("wrong PIN after the wait: %d, want 403", code)
	}
	if code, ra := retry("1000", "9999"); code != http.StatusTooManyRequests || ra != "2" {
		t.Errorf("after a 5th failure: %d, Retry-After %q; want 429 and 2 (the success reset nothing)", code, ra)
	}
}
