package api

import (
	"testing"
)

// TestGroupLinkStateFollowsGuestAccess: a group link in a room with guest
// access off says "no_guests", as its join page refuses; a guest link
// there stays "valid"; turning guest access on makes the group link valid.
func TestGroupLinkStateFollowsGuestAccess(t *testing.T) {
	e := newLinkEnv(t)
	room, _ := e.bridge.Room("2000")
	set := room.Settings()
	set.GuestAccess = false
	room.Update(set)
	group := e.link(t, `{"kind": "group", "name": "Everyone"}`)
	guest := e.link(t, `{"kind": "guest", "name": "Ada"}`)
	if group.State != "no_guests" || guest.State != "valid" {
		t.Errorf("guest access off: group %q, guest %q; want no_guests, valid", group.State, guest.State)
	}
	_, body := call(t, e.srv, "GET", "/api/v1/rooms/2000/links", "")
	for _, l := range decode[[]Link](t, body) {
		if want := map[string]string{"group": "no_guests", "guest": "valid"}[l.Kind]; l.State != want {
			t.Errorf("list: %s link %q, want %q", l.Kind, l.State, want)
		}
	}
	set.GuestAccess = true
	room.Update(set)
	if _, body := call(t, e.srv, "GET", "/api/v1/rooms/2000/links/"+group.ID, ""); decode[Link](t, body).State != "valid" {
		t.Errorf("guest access on: %s", body)
	}
}
