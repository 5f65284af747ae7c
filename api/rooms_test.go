package api

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/store"
)

// storeEnv is a handler on a real store and bridge: room 1000 comes from
// the config file (config-owned), room 2000 was made through the API. The
// bridge records attendance in the store, as `parley serve`'s does.
type storeEnv struct {
	srv    *httptest.Server
	s      *server
	bridge *bridge.Bridge
	db     *store.DB
}

func newStoreEnv(t *testing.T) *storeEnv {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(filepath.Join(t.TempDir(), "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.SyncConfigRooms(ctx, []store.Room{{Number: "1000", Name: "Config", PIN: "1234", ModeratorPIN: "9999",
		GuestRole: "attendee", CallerID: "+441632960100"}}); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateRoom(ctx, store.Room{Number: "2000", Name: "API", GuestRole: "attendee"}); err != nil {
		t.Fatal(err)
	}
	rooms, err := db.Rooms(ctx)
	if err != nil {
		t.Fatal(err)
	}
	opts := bridge.Options{Logger: slog.New(slog.DiscardHandler), Dialer: &fakeDialer{}, Records: db}
	for _, r := range rooms {
		opts.Rooms = append(opts.Rooms, bridge.SettingsOf(r))
	}
	b, err := bridge.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	s := newServer(Options{Bridge: b, Stores: StoresOf(db), AdminTokens: []string{testToken}, Logger: slog.New(slog.DiscardHandler)})
	srv := httptest.NewServer(s.mux)
	t.Cleanup(srv.Close)
	return &storeEnv{srv: srv, s: s, bridge: b, db: db}
}

// mint makes a room token through the API as admin and returns its secret.
func (e *storeEnv) mint(t *testing.T, room, role string) string {
	t.Helper()
	code, body := call(t, e.srv, "POST", "/api/v1/rooms/"+room+"/tokens", `{"role": "`+role+`", "label": "test"}`)
	if code != http.StatusCreated {
		t.Fatalf("mint %s token for %s: %d %s", role, room, code, body)
	}
	return decode[NewToken](t, body).Token
}

func TestCreateRoomValidation(t *testing.T) {
	e := newStoreEnv(t)
	tests := []struct {
		name, body string
		code       int
		field, msg string
	}{
		{"blank number", `{"number": " x"}`, 400, "number", "digits"},
		{"number not digits", `{"number": "12a"}`, 400, "number", "digits"},
		{"pin not digits", `{"number": "3000", "pin": "12x4"}`, 400, "pin", "digits only"},
		{"moderator pin not digits", `{"number": "3000", "moderator_pin": "x"}`, 400, "moderator_pin", "digits only"},
		{"same pins", `{"number": "3000", "pin": "1234", "moderator_pin": "1234"}`, 400, "moderator_pin", "differ"},
		{"quota over capacity", `{"number": "3000", "quota": 5, "capacity": 3}`, 400, "quota", "must not exceed capacity 3"},
		{"negative capacity", `{"number": "3000", "capacity": -1}`, 400, "capacity", "negative"},
		{"negative quota", `{"number": "3000", "quota": -1}`, 400, "quota", "negative"},
		{"bad guest role", `{"number": "3000", "guest_role": "boss"}`, 400, "guest_role", "must be owner"},
		{"no_access guest role", `{"number": "3000", "guest_role": "no_access"}`, 400, "guest_role", "must be owner"},
		{"bad guest wait", `{"number": "3000", "guest_wait": "soon"}`, 400, "guest_wait", "10m or 45s"},
		{"negative guest wait", `{"number": "3000", "guest_wait": "-5s"}`, 400, "guest_wait", "between"},
		{"bad caller ID", `{"number": "3000", "caller_id": "abc"}`, 400, "caller_id", "E.164"},
		{"bad owner", `{"number": "3000", "owner": "alice"}`, 400, "owner", "extension"},
		{"member twice", `{"number": "3000", "members": ["2001", "2001"]}`, 400, "members", "twice"},
		{"quota not an integer", `{"number": "3000", "quota": 1.5}`, 400, "quota", "integer"},
		{"number 33 digits", `{"number": "123456789012345678901234567890123"}`, 400, "number", "at most 32 digits"},
		{"name 201 bytes", `{"number": "3000", "name": "` + strings.Repeat("x", 201) + `"}`, 400, "name", "longer than 200 bytes"},
		{"pin 33 digits", `{"number": "3000", "pin": "123456789012345678901234567890123"}`, 400, "pin", "at most 32 digits"},
		{"moderator pin 33 digits", `{"number": "3000", "moderator_pin": "123456789012345678901234567890123"}`, 400, "moderator_pin", "at most 32 digits"},
		{"owner 33 digits", `{"number": "3000", "owner": "123456789012345678901234567890123"}`, 400, "owner", "1 to 32 digits"},
		{"member 33 digits", `{"number": "3000", "members": ["123456789012345678901234567890123"]}`, 400, "members", "1 to 32 digits"},
		{"guest wait over a day", `{"number": "3000", "guest_wait": "25h"}`, 400, "guest_wait", "between 0s and 24h0m0s"},
		{"unknown field", `{"number": "3000", "locked": true}`, 400, "locked", "unknown field"},
		{"exists in the store", `{"number": "2000"}`, 409, "number", "exists"},
		{"config room", `{"number": "1000"}`, 409, "number", "exists"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := call(t, e.srv, "POST", "/api/v1/rooms", tt.body)
			if code != tt.code {
				t.Fatalf("status %d, want %d: %s", code, tt.code, body)
			}
			got := decode[Error](t, body)
			if got.Field != tt.field || !strings.Contains(got.Message, tt.msg) {
				t.Errorf("error %+v, want field %q and %q", got, tt.field, tt.msg)
			}
		})
	}
}

func TestRoomLifecycle(t *testing.T) {
	e := newStoreEnv(t)
	ctx := context.Background()
	code, body := call(t, e.srv, "POST", "/api/v1/rooms", `{"number": "3000", "name": "Sales", "pin": "1111",
		"moderator_pin": "2222", "owner": "2001", "members": ["2002"], "quota": 2, "capacity": 3,
		"guest_wait": "45s", "caller_id": "+441632960300"}`)
	if code != http.StatusCreated {
		t.Fatalf("create: %d %s", code, body)
	}
	r := decode[Room](t, body)
	if r.Number != "3000" || r.Name != "Sales" || r.PIN != "1111" || r.GuestWait != "45s" || r.GuestRole != "attendee" ||
		r.GuestAccess || r.Quota != 2 || r.Capacity != 3 || len(r.Members) != 1 || r.ConfigOwned || r.Locked {
		t.Errorf("created %+v", r)
	}
	stored, err := e.db.Room(ctx, "3000")
	if err != nil || stored.GuestWait != 45*time.Second || stored.Owner != "2001" {
		t.Fatalf("stored %+v, %v", stored, err)
	}
	live, err := e.bridge.Room("3000")
	if err != nil || live.Settings().Quota != 2 {
		t.Fatalf("bridge room: %v", err)
	}
	// The default guest wait.
	if code, body := call(t, e.srv, "POST", "/api/v1/rooms", `{"number": "3001"}`); code != 201 ||
		decode[Room](t, body).GuestWait != "10m0s" {
		t.Errorf("create with defaults: %d %s", code, body)
	}

	code, body = call(t, e.srv, "GET", "/api/v1/rooms", "")
	list := decode[[]Room](t, body)
	if code != 200 || len(list) != 4 || list[0].Number != "1000" || !list[0].ConfigOwned || list[2].Number != "3000" {
		t.Errorf("list: %d %+v", code, list)
	}

	// PATCH: partial, in the store and the live room.
	code, body = call(t, e.srv, "PATCH", "/api/v1/rooms/3000", `{"name": "Sales team", "quota": 3, "guest_access": true}`)
	r = decode[Room](t, body)
	if code != 200 || r.Name != "Sales team" || r.Quota != 3 || !r.GuestAccess || r.PIN != "1111" || r.Capacity != 3 {
		t.Errorf("patch: %d %+v", code, r)
	}
	if s := live.Settings(); s.Name != "Sales team" || s.Quota != 3 || !s.GuestAccess {
		t.Errorf("live settings after patch: %+v", s)
	}
	if stored, _ := e.db.Room(ctx, "3000"); stored.Name != "Sales team" {
		t.Errorf("stored after patch: %+v", stored)
	}
	for _, tc := range []struct{ body, field string }{
		{`{"quota": 4}`, "quota"},
		{`{"pin": "2222"}`, "moderator_pin"},
		{`{"guest_wait": "2 minutes"}`, "guest_wait"},
		{`{"number": "3002"}`, "number"},
		{`{"locked": "yes"}`, "locked"},
	} {
		code, body := call(t, e.srv, "PATCH", "/api/v1/rooms/3000", tc.body)
		if got := decode[Error](t, body); code != 400 || got.Field != tc.field {
			t.Errorf("PATCH %s: %d %+v, want 400 naming %s", tc.body, code, got, tc.field)
		}
	}
	if s := live.Settings(); s.Quota != 3 || s.PIN != "1111" {
		t.Errorf("a refused patch changed the room: %+v", s)
	}

	// Lock: live, not stored, allowed on config rooms too.
	code, body = call(t, e.srv, "PATCH", "/api/v1/rooms/1000", `{"locked": true}`)
	if code != 200 || !decode[Room](t, body).Locked {
		t.Errorf("lock config room: %d %s", code, body)
	}
	if room, _ := e.bridge.Room("1000"); !room.Locked() {
		t.Error("room 1000 not locked")
	}
	code, body = call(t, e.srv, "GET", "/api/v1/rooms/1000", "")
	if r := decode[Room](t, body); code != 200 || !r.Locked || r.ModeratorPIN != "9999" {
		t.Errorf("GET locked room: %d %+v", code, r)
	}

	// Config rooms are read-only.
	for _, c := range []struct{ method, body string }{{"PATCH", `{"name": "x"}`}, {"PATCH", `{"name": "x", "locked": false}`}, {"DELETE", ""}} {
		code, body := call(t, e.srv, c.method, "/api/v1/rooms/1000", c.body)
		got := decode[Error](t, body)
		if code != 403 || got.Field != "number" || !strings.Contains(got.Message, "defined in the config file") {
			t.Errorf("%s config room: %d %+v", c.method, code, got)
		}
	}
	if room, _ := e.bridge.Room("1000"); room.Settings().Name != "Config" || !room.Locked() {
		t.Error("a refused PATCH changed room 1000")
	}

	// DELETE hangs up everyone and forgets the room and its tokens.
	leg := newFakeLeg()
	if _, err := live.Join(leg, bridge.JoinOptions{Name: "Bob", Via: "sip", Extension: "2001"}); err != nil {
		t.Fatal(err)
	}
	tok := e.mint(t, "3000", "moderator")
	if code, body := call(t, e.srv, "DELETE", "/api/v1/rooms/3000", ""); code != 204 || len(body) != 0 {
		t.Fatalf("DELETE: %d %s", code, body)
	}
	select {
	case <-leg.Done():
	case <-time.After(2 * time.Second):
		t.Error("the participant was not hung up")
	}
	if _, err := e.bridge.Room("3000"); err == nil {
		t.Error("the bridge still serves 3000")
	}
	if _, err := e.db.Room(ctx, "3000"); err == nil {
		t.Error("the store still has 3000")
	}
	if code, _ := callAs(t, e.srv, "Bearer "+tok, "GET", "/api/v1/rooms/3000", ""); code != 401 {
		t.Errorf("the deleted room's token: %d, want 401", code)
	}
	for _, c := range []struct{ method, path string }{{"GET", "/api/v1/rooms/3000"}, {"DELETE", "/api/v1/rooms/3000"}, {"PATCH", "/api/v1/rooms/3000"}} {
		body := ""
		if c.method == "PATCH" {
			body = `{"name": "x"}`
		}
		code, data := call(t, e.srv, c.method, c.path, body)
		if got := decode[Error](t, data); code != 404 || got.Field != "number" {
			t.Errorf("%s %s after delete: %d %+v", c.method, c.path, code, got)
		}
	}
}

func TestRoomsWithoutStore(t *testing.T) {
	srv := newTestServer(t, newTestBridge(t, nil))
	if code, body := call(t, srv, "POST", "/api/v1/rooms", `{"number": "3000"}`); code != 503 {
		t.Errorf("create without a store: %d %s", code, body)
	}
	if code, body := call(t, srv, "GET", "/api/v1/rooms/1000", ""); code != 200 || decode[Room](t, body).Name != "Test" {
		t.Errorf("GET without a store: %d %s", code, body)
	}
	if code, body := call(t, srv, "PATCH", "/api/v1/rooms/1000", `{"locked": true}`); code != 200 {
		t.Errorf("lock without a store: %d %s", code, body)
	}
}

// TestTokens is the authorisation end to end: tokens minted through the
// API, used through the API.
func TestTokens(t *testing.T) {
	e := newStoreEnv(t)
	ctx := context.Background()
	room, _ := e.bridge.Room("2000")
	p, err := room.Join(newFakeLeg(), bridge.JoinOptions{Name: "Carol", Via: "sip"})
	if err != nil {
		t.Fatal(err)
	}

	code, body := call(t, e.srv, "POST", "/api/v1/rooms/2000/tokens", `{"role": "moderator", "label": "chair", "expires_in": 3600}`)
	if code != 201 {
		t.Fatalf("mint: %d %s", code, body)
	}
	nt := decode[NewToken](t, body)
	if nt.Role != "moderator" || nt.Room != "2000" || nt.ID == "" || nt.ExpiresAt == nil || len(nt.Token) != 43 {
		t.Errorf("minted %+v", nt)
	}
	stored, err := e.db.Tokens(ctx, "2000")
	if err != nil || len(stored) != 1 || string(stored[0].Hash) != string(store.HashToken(nt.Token)) {
		t.Fatalf("stored tokens %+v, %v", stored, err)
	}
	mod := "Bearer " + nt.Token
	att := "Bearer " + e.mint(t, "2000", "attendee")
	other := "Bearer " + e.mint(t, "1000", "moderator")

	for _, tt := range []struct {
		name, auth, method, path, body string
		code                           int
		field, msg                     string
	}{
		{"attendee reads the room", att, "GET", "/api/v1/rooms/2000", "", 200, "", ""},
		{"attendee reads participants", att, "GET", "/api/v1/rooms/2000/participants", "", 200, "", ""},
		{"attendee mutes", att, "PATCH", "/api/v1/rooms/2000/participants/" + p.ID, `{"muted": true}`, 403, "Authorization", "attendees may not mute"},
		{"attendee kicks", att, "DELETE", "/api/v1/rooms/2000/participants/" + p.ID, "", 403, "Authorization", "attendees may not remove"},
		{"attendee dials", att, "POST", "/api/v1/rooms/2000/dial", `{"to": "#sip:bob@192.0.2.10"}`, 403, "Authorization", "attendees may not call people out"},
		{"attendee patches the room", att, "PATCH", "/api/v1/rooms/2000", `{"locked": true}`, 403, "Authorization", "attendees may not change"},
		{"attendee mutes all", att, "POST", "/api/v1/rooms/2000/mute-all", "", 403, "Authorization", "attendees may not"},
		{"attendee mints", att, "POST", "/api/v1/rooms/2000/tokens", `{"role": "moderator"}`, 403, "Authorization", "attendees may not mint"},
		{"attendee creates a room", att, "POST", "/api/v1/rooms", `{"number": "4000"}`, 403, "Authorization", "only admin tokens and signed-in users may create rooms"},
		{"moderator creates a room", mod, "POST", "/api/v1/rooms", `{"number": "4000"}`, 403, "Authorization", "only admin tokens"},
		{"moderator deletes the room", mod, "DELETE", "/api/v1/rooms/2000", "", 403, "Authorization", "only admin tokens may delete rooms"},
		{"moderator of another room", other, "GET", "/api/v1/rooms/2000/participants", "", 403, "number", "for room 1000, not room 2000"},
		{"moderator of another room, unknown room", other, "GET", "/api/v1/rooms/9999", "", 403, "number", "not room 9999"},
		{"moderator mutes", mod, "PATCH", "/api/v1/rooms/2000/participants/" + p.ID, `{"muted": true}`, 200, "", ""},
		{"moderator changes role", mod, "PATCH", "/api/v1/rooms/2000/participants/" + p.ID, `{"role": "presenter"}`, 200, "", ""},
		{"moderator locks", mod, "PATCH", "/api/v1/rooms/2000", `{"locked": true}`, 200, "", ""},
		{"moderator changes the room", mod, "PATCH", "/api/v1/rooms/2000", `{"name": "Renamed"}`, 200, "", ""},
		{"moderator dials an attendee into the locked room", mod, "POST", "/api/v1/rooms/2000/dial", `{"to": "#sip:bob@192.0.2.10"}`, 423, "number", "room locked: room 2000 admits only moderators"},
		{"moderator dials", mod, "POST", "/api/v1/rooms/2000/dial", `{"to": "#sip:bob@192.0.2.10", "role": "moderator"}`, 202, "", ""},
		{"moderator mints", mod, "POST", "/api/v1/rooms/2000/tokens", `{"role": "attendee"}`, 201, "", ""},
		{"moderator mints for another room", mod, "POST", "/api/v1/rooms/1000/tokens", `{"role": "attendee"}`, 403, "number", "not room 1000"},
		{"moderator lists tokens", mod, "GET", "/api/v1/rooms/2000/tokens", "", 200, "", ""},
		{"events with ?token= only", "", "GET", "/api/v1/rooms/2000?token=" + strings.TrimPrefix(mod, "Bearer "), "", 401, "Authorization", "missing credentials"},
		{"bad token role", mod, "POST", "/api/v1/rooms/2000/tokens", `{"role": "owner"}`, 400, "role", "moderator or attendee"},
		{"no token role", mod, "POST", "/api/v1/rooms/2000/tokens", `{}`, 400, "role", "required"},
		{"negative expiry", mod, "POST", "/api/v1/rooms/2000/tokens", `{"role": "attendee", "expires_in": -1}`, 400, "expires_in", "between"},
		{"token extension not digits", mod, "POST", "/api/v1/rooms/2000/tokens", `{"role": "attendee", "extension": "alice"}`, 400, "extension", "digits only"},
		{"token extension 33 digits", mod, "POST", "/api/v1/rooms/2000/tokens", `{"role": "attendee", "extension": "123456789012345678901234567890123"}`, 400, "extension", "at most 32 digits"},
		{"unknown token", "Bearer nope", "GET", "/api/v1/rooms/2000", "", 401, "Authorization", "neither an admin token nor a room token"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, body := callAs(t, e.srv, tt.auth, tt.method, tt.path, tt.body)
			if code != tt.code {
				t.Fatalf("status %d, want %d: %s", code, tt.code, body)
			}
			if code/100 == 2 {
				return
			}
			got := decode[Error](t, body)
			if got.Field != tt.field || !strings.Contains(got.Message, tt.msg) {
				t.Errorf("error %+v, want field %q and %q", got, tt.field, tt.msg)
			}
		})
	}
	if !p.Muted() || p.Role() != bridge.RolePresenter || !room.Locked() || room.Settings().Name != "Renamed" {
		t.Errorf("the moderator's changes did not take: muted %v role %s locked %v", p.Muted(), p.Role(), room.Locked())
	}

	// An attendee sees the room but not its PINs.
	if _, err := e.db.UpdateRoom(ctx, "2000", func(r *store.Room) error { r.PIN, r.ModeratorPIN = "1", "2"; return nil }); err != nil {
		t.Fatal(err)
	}
	updated, _ := e.db.Room(ctx, "2000")
	room.Update(bridge.SettingsOf(updated))
	_, body = callAs(t, e.srv, att, "GET", "/api/v1/rooms/2000", "")
	if r := decode[Room](t, body); r.PIN != "" || r.ModeratorPIN != "" {
		t.Errorf("attendee sees PINs: %+v", r)
	}
	_, body = callAs(t, e.srv, mod, "GET", "/api/v1/rooms/2000", "")
	if r := decode[Room](t, body); r.ModeratorPIN != "2" {
		t.Errorf("moderator does not see the PINs: %+v", r)
	}
	// A room token lists only its own room.
	_, body = callAs(t, e.srv, att, "GET", "/api/v1/rooms", "")
	if list := decode[[]Room](t, body); len(list) != 1 || list[0].Number != "2000" {
		t.Errorf("attendee's room list: %+v", list)
	}

	// List without secrets, then revoke.
	code, body = callAs(t, e.srv, mod, "GET", "/api/v1/rooms/2000/tokens", "")
	if strings.Contains(string(body), nt.Token) || strings.Contains(string(body), `"token"`) {
		t.Errorf("the token list shows a secret: %s", body)
	}
	toks := decode[[]Token](t, body)
	if code != 200 || len(toks) != 3 || toks[0].ID != nt.ID || toks[0].Label != "chair" || toks[0].Expired {
		t.Errorf("tokens: %d %+v", code, toks)
	}
	otherID := decode[[]Token](t, func() []byte { _, b := call(t, e.srv, "GET", "/api/v1/rooms/1000/tokens", ""); return b }())[0].ID
	if code, body := callAs(t, e.srv, mod, "DELETE", "/api/v1/rooms/2000/tokens/"+otherID, ""); code != 404 || decode[Error](t, body).Field != "id" {
		t.Errorf("revoke another room's token through this room: %d %s", code, body)
	}
	if code, body := callAs(t, e.srv, mod, "DELETE", "/api/v1/rooms/2000/tokens/x", ""); code != 404 || decode[Error](t, body).Field != "id" {
		t.Errorf("revoke token x: %d %s", code, body)
	}
	if code, body := callAs(t, e.srv, mod, "DELETE", "/api/v1/rooms/2000/tokens/"+toks[1].ID, ""); code != 204 {
		t.Errorf("revoke: %d %s", code, body)
	}
	if code, _ := callAs(t, e.srv, att, "GET", "/api/v1/rooms/2000", ""); code != 401 {
		t.Errorf("revoked attendee token: %d, want 401", code)
	}
	if code, _ := callAs(t, e.srv, other, "GET", "/api/v1/rooms/1000", ""); code != 200 {
		t.Errorf("the other room's token was revoked too: %d", code)
	}

	// Expired tokens are refused.
	past := time.Now().Add(-time.Minute)
	if _, err := e.db.CreateToken(ctx, store.Token{Hash: store.HashToken("expired-secret"), Room: "2000", Role: "moderator",
		ExpiresAt: &past}); err != nil {
		t.Fatal(err)
	}
	code, body = callAs(t, e.srv, "Bearer expired-secret", "GET", "/api/v1/rooms/2000", "")
	if got := decode[Error](t, body); code != 401 || got.Field != "Authorization" || !strings.Contains(got.Message, "expired") {
		t.Errorf("expired token: %d %+v", code, got)
	}
}

func TestMuteAllAndPromote(t *testing.T) {
	e := newStoreEnv(t)
	if code, body := call(t, e.srv, "PATCH", "/api/v1/rooms/2000", `{"quota": 1, "capacity": 3}`); code != 200 {
		t.Fatalf("patch: %d %s", code, body)
	}
	room, _ := e.bridge.Room("2000")
	join := func(name string) *bridge.Participant {
		t.Helper()
		p, err := room.Join(newFakeLeg(), bridge.JoinOptions{Name: name, Via: "sip"})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	a := join("A")
	b := join("B")
	time.Sleep(5 * time.Millisecond) // Joined times differ
	c := join("C")
	if b.Role() != bridge.RoleSpectator || !b.OverQuota || c.Role() != bridge.RoleSpectator {
		t.Fatalf("over quota: B %s, C %s", b.Role(), c.Role())
	}

	code, body := call(t, e.srv, "POST", "/api/v1/rooms/2000/mute-all", `{"except": "`+a.ID+`"}`)
	if m := decode[MuteAllResponse](t, body); code != 200 || len(m.Muted) != 2 || a.Muted() || !b.Muted() || !c.Muted() {
		t.Errorf("mute-all except A: %d %+v", code, m)
	}
	code, body = call(t, e.srv, "POST", "/api/v1/rooms/2000/mute-all", "")
	if m := decode[MuteAllResponse](t, body); code != 200 || len(m.Muted) != 3 || !a.Muted() {
		t.Errorf("mute-all without a body: %d %+v", code, m)
	}
	if code, body := call(t, e.srv, "POST", "/api/v1/rooms/2000/mute-all", `{"except": "99"}`); code != 404 || decode[Error](t, body).Field != "except" {
		t.Errorf("mute-all except an unknown ID: %d %s", code, body)
	}

	code, body = call(t, e.srv, "POST", "/api/v1/rooms/2000/promote", "")
	if got := decode[Error](t, body); code != 409 || got.Field != "quota" {
		t.Errorf("promote at quota: %d %+v", code, got)
	}
	a.Hangup("test")
	code, body = call(t, e.srv, "POST", "/api/v1/rooms/2000/promote", "")
	if got := decode[Participant](t, body); code != 200 || got.ID != b.ID || got.Role != "attendee" || b.Role() != bridge.RoleAttendee {
		t.Errorf("promote: %d %+v", code, got)
	}
	c.SetRole(bridge.RoleAttendee) // made active by hand: nobody waits now
	b.Hangup("test")
	code, body = call(t, e.srv, "POST", "/api/v1/rooms/2000/promote", "")
	if got := decode[Error](t, body); code != 409 || got.Field != "number" || !strings.Contains(got.Message, "no spectator") {
		t.Errorf("promote with nobody waiting: %d %+v", code, got)
	}
}
