package api

import (
	"net/http"
	"testing"
)

// fakeDrainer drains once it is started.
type fakeDrainer struct {
	state  DrainState
	starts int
}

func (f *fakeDrainer) StartDrain() DrainState {
	f.starts++
	f.state.Draining = true
	return f.state
}

func (f *fakeDrainer) DrainState() DrainState { return f.state }

// TestDrainAPI: admins read and start the drain; room tokens and no token
// are refused before anything starts; without a drainer, 503.
func TestDrainAPI(t *testing.T) {
	e := newStoreEnv(t)
	for _, method := range []string{"GET", "POST"} {
		if code, body := call(t, e.srv, method, "/api/v1/drain", ""); code != http.StatusServiceUnavailable {
			t.Errorf("%s without a drainer: %d %s, want 503", method, code, body)
		}
	}
	f := &fakeDrainer{state: DrainState{Cluster: true, Calls: 2}}
	e.s.drain.drainer = f
	moderator := e.mint(t, "2000", "moderator")
	if code, body := callAs(t, e.srv, "", "POST", "/api/v1/drain", ""); code != http.StatusUnauthorized {
		t.Errorf("no token: %d %s, want 401", code, body)
	}
	if code, body := callAs(t, e.srv, "Bearer "+moderator, "POST", "/api/v1/drain", ""); code != http.StatusForbidden {
		t.Errorf("room moderator token: %d %s, want 403", code, body)
	}
	if f.starts != 0 {
		t.Fatalf("refused callers started the drain %d times", f.starts)
	}
	code, body := call(t, e.srv, "GET", "/api/v1/drain", "")
	if got := decode[DrainState](t, body); code != http.StatusOK || got.Draining || f.starts != 0 {
		t.Errorf("GET before the drain: %d %s (started %d)", code, body, f.starts)
	}
	code, body = call(t, e.srv, "POST", "/api/v1/drain", "")
	if got := decode[DrainState](t, body); code != http.StatusOK || got != (DrainState{Draining: true, Cluster: true, Calls: 2}) {
		t.Errorf("POST: %d %s", code, body)
	}
	code, body = call(t, e.srv, "GET", "/api/v1/drain", "")
	if got := decode[DrainState](t, body); code != http.StatusOK || !got.Draining {
		t.Errorf("GET while draining: %d %s", code, body)
	}
}
