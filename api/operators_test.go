package api

import (
	"net/http"
	"testing"

	"github.com/parleyhq/parley/bridge"
)

// TestOperatorMayCallOutWhileInTheConference: an attendee token minted for
// an extension of the operators group may call people out and make links
// while that extension is in the conference, and not otherwise; an
// attendee token of another extension never may.
func TestOperatorMayCallOutWhileInTheConference(t *testing.T) {
	e := newStoreEnv(t)
	e.s.operators = map[string]bool{"2003": true}
	mintFor := func(ext string) string {
		code, body := call(t, e.srv, "POST", "/api/v1/rooms/2000/tokens", `{"role": "attendee", "extension": "`+ext+`"}`)
		if code != http.StatusCreated {
			t.Fatalf("mint for %s: %d %s", ext, code, body)
		}
		tok := decode[NewToken](t, body)
		if tok.Extension != ext {
			t.Fatalf("minted token speaks for %q, want %q", tok.Extension, ext)
		}
		return tok.Token
	}
	operator, other := mintFor("2003"), mintFor("2004")
	dial := func(token string) int {
		code, _ := callAs(t, e.srv, "Bearer "+token, "POST", "/api/v1/rooms/2000/dial", `{"to": "#sip:bob@127.0.0.1:5098"}`)
		return code
	}
	if code := dial(operator); code != http.StatusForbidden {
		t.Errorf("operator not in the conference: %d, want 403", code)
	}
	room, _ := e.bridge.Room("2000")
	if _, err := room.Join(newFakeLeg(), bridge.JoinOptions{Name: "op", Extension: "2003"}); err != nil {
		t.Fatal(err)
	}
	if _, err := room.Join(newFakeLeg(), bridge.JoinOptions{Name: "other", Extension: "2004"}); err != nil {
		t.Fatal(err)
	}
	if code := dial(operator); code != http.StatusAccepted {
		t.Errorf("operator in the conference: %d, want 202", code)
	}
	if code := dial(other); code != http.StatusForbidden {
		t.Errorf("a non-operator in the conference: %d, want 403", code)
	}
}
