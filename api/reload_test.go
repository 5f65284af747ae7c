package api

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"
)

// fakeReloader answers Reload with res and err, counting the calls.
type fakeReloader struct {
	res   ReloadResult
	err   error
	calls int
}

func (f *fakeReloader) Reload(context.Context) (ReloadResult, error) {
	f.calls++
	return f.res, f.err
}

// TestReload: admins reload (200 with the changes), room tokens and no
// token are refused before anything is reloaded, a bad file is 422 with
// its problems, a server without a config file 409, none at all 503.
func TestReload(t *testing.T) {
	e := newStoreEnv(t)
	if code, body := call(t, e.srv, "POST", "/api/v1/reload", ""); code != http.StatusServiceUnavailable {
		t.Errorf("without a reloader: %d %s", code, body)
	}
	f := &fakeReloader{res: ReloadResult{Changes: "rooms +3000"}}
	e.s.reload.reloader = f
	moderator := e.mint(t, "2000", "moderator")
	if code, body := callAs(t, e.srv, "", "POST", "/api/v1/reload", ""); code != http.StatusUnauthorized {
		t.Errorf("no token: %d %s, want 401", code, body)
	}
	if code, body := callAs(t, e.srv, "Bearer "+moderator, "POST", "/api/v1/reload", ""); code != http.StatusForbidden {
		t.Errorf("room moderator token: %d %s, want 403", code, body)
	}
	if f.calls != 0 {
		t.Fatalf("refused callers reloaded %d times", f.calls)
	}
	code, body := call(t, e.srv, "POST", "/api/v1/reload", "")
	if got := decode[ReloadResult](t, body); code != 200 || got.Changes != "rooms +3000" || got.RestartNeeded == nil {
		t.Errorf("admin: %d %s", code, body)
	}
	f.err = &ReloadRefused{Problems: []string{"parley.yaml:3: rooms[0].number: required"}}
	code, body = call(t, e.srv, "POST", "/api/v1/reload", "")
	if got := decode[Error](t, body); code != http.StatusUnprocessableEntity || got.Field != "config" ||
		!slices.Equal(got.Problems, f.err.(*ReloadRefused).Problems) {
		t.Errorf("bad file: %d %s", code, body)
	}
	f.err = ErrNoConfigFile
	if code, body := call(t, e.srv, "POST", "/api/v1/reload", ""); code != http.StatusConflict {
		t.Errorf("no file: %d %s", code, body)
	}
	f.err = errors.New("store: disk I/O error")
	if code, body := call(t, e.srv, "POST", "/api/v1/reload", ""); code != http.StatusInternalServerError {
		t.Errorf("a failed reload: %d %s", code, body)
	}
}
