package api

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/parleyhq/parley/store"
)

func TestContacts(t *testing.T) {
	e := newStoreEnv(t)
	for _, body := range []string{
		`{"name": "Reception", "target": "#sip:@192.0.2.10"}`,
		`{"name": "Boardroom", "target": "#h323:@192.0.2.20"}`,
		`{"owner": "2001", "name": "Reception", "target": "2002"}`,
		`{"name": "Bob", "target": "sip:bob@example.com"}`,
	} {
		if code, data := call(t, e.srv, "POST", "/api/v1/contacts", body); code != http.StatusCreated {
			t.Fatalf("create %s: %d %s", body, code, data)
		}
	}
	code, body := call(t, e.srv, "GET", "/api/v1/contacts", "")
	list := decode[[]Contact](t, body)
	if code != 200 || len(list) != 3 || list[0].Name != "Boardroom" || list[0].Kind != "h323" || list[2].Kind != "sip-direct" {
		t.Errorf("global: %d %s", code, body)
	}
	code, body = call(t, e.srv, "GET", "/api/v1/contacts?owner=2001&q=recep", "")
	list = decode[[]Contact](t, body)
	if code != 200 || len(list) != 2 || list[0].Owner != "2001" || list[0].Target != "2002" || list[1].Owner != "" {
		t.Errorf("owner 2001: %d %s", code, body)
	}
	for _, tc := range []struct {
		body  string
		code  int
		field string
		msg   string
	}{
		{`{"name": "X"}`, 400, "target", "required"},
		{`{"name": "X", "target": "hello"}`, 400, "target", "unrecognised dial target"},
		{`{"target": "2001"}`, 400, "name", "required"},
		{`{"name": "2001", "target": "2002"}`, 400, "name", "itself a dial target"},
		{`{"owner": "alice", "name": "X", "target": "2002"}`, 400, "owner", "extension number"},
		{`{"name": "reception", "target": "2003"}`, 409, "name", "already has a contact"},
	} {
		code, body := call(t, e.srv, "POST", "/api/v1/contacts", tc.body)
		if got := decode[Error](t, body); code != tc.code || got.Field != tc.field || !strings.Contains(got.Message, tc.msg) {
			t.Errorf("%s: %d %s", tc.body, code, body)
		}
	}
	if code, body := call(t, e.srv, "GET", "/api/v1/contacts?who=me", ""); code != 400 || decode[Error](t, body).Field != "who" {
		t.Errorf("unknown parameter: %d %s", code, body)
	}
	// Delete.
	id := list[1].ID
	if code, _ := call(t, e.srv, "DELETE", "/api/v1/contacts/"+id, ""); code != 204 {
		t.Errorf("delete: %d", code)
	}
	for _, p := range []string{"/api/v1/contacts/" + id, "/api/v1/contacts/x"} {
		if code, body := call(t, e.srv, "DELETE", p, ""); code != 404 || decode[Error](t, body).Field != "id" {
			t.Errorf("DELETE %s: %d %s", p, code, body)
		}
	}
	// Room tokens may not touch the address book.
	mod := e.mint(t, "2000", "moderator")
	if code, body := callAs(t, e.srv, "Bearer "+mod, "GET", "/api/v1/contacts", ""); code != 403 ||
		!strings.Contains(string(body), "only admin tokens may read the address book") {
		t.Errorf("moderator token: %d %s", code, body)
	}
}

func TestDialContact(t *testing.T) {
	e := newStoreEnv(t)
	ctx := context.Background()
	if _, err := e.db.CreateContact(ctx, store.Contact{Name: "Reception", Target: "#sip:desk@192.0.2.10"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.UpdateRoom(ctx, "2000", func(r *store.Room) error { r.Owner = "2001"; return nil }); err != nil {
		t.Fatal(err)
	}
	room, _ := e.bridge.Room("2000")
	set := room.Settings()
	set.Owner = "2001"
	room.Update(set)
	if _, err := e.db.CreateContact(ctx, store.Contact{Owner: "2001", Name: "Reception", Target: "#sip:own@192.0.2.11"}); err != nil {
		t.Fatal(err)
	}
	// Room 1000 has no owner: the global contact.
	code, body := call(t, e.srv, "POST", "/api/v1/rooms/1000/dial", `{"to": "reception"}`)
	d := decode[DialResponse](t, body)
	if code != 202 || d.Contact != "Reception" || !strings.Contains(d.Route.Destination, "desk@192.0.2.10") {
		t.Errorf("dial a contact: %d %s", code, body)
	}
	// Room 2000's owner has its own.
	code, body = call(t, e.srv, "GET", "/api/v1/rooms/2000/route?to=Reception", "")
	rt := decode[RouteResponse](t, body)
	if code != 200 || rt.Contact != "Reception" || !strings.Contains(rt.Route.Destination, "own@192.0.2.11") ||
		len(rt.Explain) == 0 || !strings.Contains(rt.Explain[0], "address book") {
		t.Errorf("route a contact: %d %s", code, body)
	}
	// Neither target nor contact.
	code, body = call(t, e.srv, "POST", "/api/v1/rooms/1000/dial", `{"to": "Nobody"}`)
	if got := decode[Error](t, body); code != 400 || got.Field != "to" || !strings.Contains(got.Message, "address book") {
		t.Errorf("unknown name: %d %s", code, body)
	}
}
