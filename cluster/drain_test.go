package cluster

import (
	"context"
	"testing"

	"github.com/parleyhq/parley/internal/testnats"
)

// TestDrainRoutesNewRooms: a draining node keeps the room it holds (a new
// call for it is taken there), sends a call for a room nobody holds to a
// node that does not drain and one for another node's room to that owner,
// announces that it drains, frees its room's lease once its last call
// ends, and takes calls itself when every node drains.
func TestDrainRoutesNewRooms(t *testing.T) {
	srv := testnats.Start(t)
	a, b, c := node(t, srv.URL, "a", nil), node(t, srv.URL, "b", nil), node(t, srv.URL, "c", nil)
	if to, done := a.RouteCall("1000"); to != "" || done == nil {
		t.Fatalf("a's first call for 1000: redirect %q, want taken", to)
	}
	if _, mine, err := c.Claim("1002"); err != nil || !mine {
		t.Fatalf("c claims 1002: %v %v", mine, err)
	}
	a.Drain()
	a.Drain() // idempotent
	if !a.Draining() || b.Draining() {
		t.Fatalf("Draining: a %v, b %v", a.Draining(), b.Draining())
	}
	members, err := b.Members(context.Background())
	if err != nil || len(members) != 3 || !members[0].Draining || members[1].Draining || members[2].Draining {
		t.Fatalf("members as b sees them: %+v, %v; want a draining only", members, err)
	}
	steps := []struct {
		name, room, want string
	}{
		{"a held room takes its new caller", "1000", ""},
		{"a room of c goes to c", "1002", "c.example:5060"},
	}
	for _, s := range steps {
		to, done := a.RouteCall(s.room)
		if to != s.want {
			t.Errorf("%s: redirect %q, want %q", s.name, to, s.want)
		}
		if to == "" {
			done()
		}
	}
	for _, room := range []string{"1001", "1003", "1004", "1005"} { // spread over b and c
		to, _ := a.RouteCall(room)
		if to != "b.example:5060" && to != "c.example:5060" {
			t.Errorf("a new room %s while a drains: redirect %q, want b or c", room, to)
		}
		if _, ok, _ := a.Owner(room); ok {
			t.Errorf("a draining node leased the new room %s", room)
		}
	}
	if a.Held() != 1 {
		t.Fatalf("a holds %d rooms, want 1000 only", a.Held())
	}
	a.Release("1000") // the first call ends: the room is empty
	if _, ok, err := b.Owner("1000"); err != nil || ok || a.Held() != 0 {
		t.Fatalf("a's room once empty: leased %v (%v), held %d; want free", ok, err, a.Held())
	}
	b.Drain()
	c.Drain()
	if to, done := a.RouteCall("1006"); to != "" || done == nil {
		t.Fatalf("every node drains: redirect %q, want the call taken", to)
	}
}
