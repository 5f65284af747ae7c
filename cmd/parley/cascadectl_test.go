package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/parleyhq/parley/api"
	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/internal/testnats"
	"github.com/parleyhq/parley/media"
)

// TestControlPath: the room, action and participant ID of API paths.
func TestControlPath(t *testing.T) {
	for _, tt := range []struct{ path, room, action, id, node string }{
		{"/api/v1/rooms/1000/participants", "1000", "participants", "", ""},
		{"/api/v1/rooms/1000/participants/7", "1000", "participants", "7", ""},
		{"/api/v1/rooms/1000/participants/7@n2", "1000", "participants", "7@n2", "n2"},
		{"/api/v1/rooms/1000/mute-all", "1000", "mute-all", "", ""},
		{"/api/v1/rooms/1000", "", "", "", ""},
		{"/api/v1/rooms//participants", "", "", "", ""},
		{"/api/v1/rooms/1000/participants/", "", "", "", ""},
		{"/api/v1/rooms/1000/participants/7/x", "", "", "", ""},
		{"/api/v1/events", "", "", "", ""},
	} {
		room, action, id := controlPath(tt.path)
		if room != tt.room || action != tt.action || id != tt.id || idNode(id) != tt.node {
			t.Errorf("controlPath(%q) = %q %q %q (node %q), want %q %q %q (%q)", tt.path, room, action, id, idNode(id),
				tt.room, tt.action, tt.id, tt.node)
		}
	}
}

// fakeParticipantsAPI serves a bridge's room 1000 as the API does, in
// short: the list, and PATCH muted; broken answers 500.
func fakeParticipantsAPI(b *bridge.Bridge, broken *atomic.Bool) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/rooms/{number}/participants", func(w http.ResponseWriter, r *http.Request) {
		if broken.Load() {
			http.Error(w, "broken", http.StatusInternalServerError)
			return
		}
		room, _ := b.Room(r.PathValue("number"))
		list := []api.Participant{}
		for _, p := range room.Participants() {
			list = append(list, api.Participant{ID: p.ID, Name: p.Name, Via: p.Via, Muted: p.Muted()})
		}
		writeJSONTo(w, http.StatusOK, list)
	})
	mux.HandleFunc("PATCH /api/v1/rooms/{number}/participants/{id}", func(w http.ResponseWriter, r *http.Request) {
		room, _ := b.Room(r.PathValue("number"))
		p, err := room.Participant(r.PathValue("id"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		var patch api.ParticipantPatch
		_ = json.NewDecoder(r.Body).Decode(&patch)
		p.SetMuted(*patch.Muted)
		writeJSONTo(w, http.StatusOK, api.Participant{ID: p.ID, Muted: p.Muted()})
	})
	return mux
}

// TestCascadeControl: nodes b and c cascade a's room 1000, one caller on
// each node. Through a's API the list is the three callers (IDs 1, 2@b,
// 2@c), no link; a mute of b's caller is carried out on b; a node that
// cannot list keeps its link in the list, marked, and is named in a
// header.
func TestCascadeControl(t *testing.T) {
	srv := testnats.Start(t)
	ports, err := media.NewPortRange(51200, 51298)
	if err != nil {
		t.Fatal(err)
	}
	var handlers []http.Handler
	var rooms []*bridge.Room
	var broken [3]atomic.Bool
	for i, name := range []string{"a", "b", "c"} {
		b, k := cascadeNode(t, srv.URL, name, ports)
		router := &clusterRouter{}
		router.cascade.Store(k)
		h := cascadeControl(fakeParticipantsAPI(b, &broken[i]), k.c, router)
		k.c.Serve(h)
		handlers = append(handlers, h)
		room, _ := b.Room("1000")
		rooms = append(rooms, room)
		_, done := k.route("1000")
		t.Cleanup(done)
		if _, err := room.Join(&fakeLeg{done: make(chan struct{})}, bridge.JoinOptions{Name: "caller " + name, Via: "sip"}); err != nil {
			t.Fatal(err)
		}
	}
	list := func() ([]api.Participant, http.Header) {
		t.Helper()
		rec := httptest.NewRecorder()
		handlers[0].ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/rooms/1000/participants", nil))
		var out []api.Participant
		if err := json.Unmarshal(rec.Body.Bytes(), &out); rec.Code != http.StatusOK || err != nil {
			t.Fatalf("list: %d %s", rec.Code, rec.Body)
		}
		return out, rec.Header()
	}
	got, _ := list()
	var ids []string
	for _, p := range got {
		ids = append(ids, p.ID)
	}
	if strings.Join(ids, ",") != "1,2@b,2@c" {
		t.Fatalf("the room through a: %v, want 1,2@b,2@c", got)
	}

	rec := httptest.NewRecorder()
	handlers[0].ServeHTTP(rec, httptest.NewRequest("PATCH", "/api/v1/rooms/1000/participants/2@b", strings.NewReader(`{"muted":true}`)))
	if p, err := rooms[1].Participant("2@b"); rec.Code != http.StatusOK || err != nil || !p.Muted() || rec.Header().Get("X-Parley-Node") != "b" {
		t.Errorf("mute 2@b through a: %d %s", rec.Code, rec.Body)
	}

	broken[2].Store(true)
	got, header := list()
	if len(got) != 3 || got[1].Name != "cascade c" || got[1].Status != "unanswered" || header.Get(unansweredHeader) != "c" {
		t.Errorf("the room through a with c broken: %+v, header %q; want c's link marked unanswered", got, header.Get(unansweredHeader))
	}
}
