package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parleyhq/parley/api"
	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/store"
)

// newStoreAPIServer runs the real API handler on a bridge whose rooms come
// from a temporary SQLite store: room 1000 from the config file. It returns
// the URL and the bridge.
func newStoreAPIServer(t *testing.T) (string, *bridge.Bridge) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(filepath.Join(t.TempDir(), "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.SyncConfigRooms(ctx, []store.Room{{Number: "1000", Name: "Weekly sync", GuestRole: "attendee"}}); err != nil {
		t.Fatal(err)
	}
	rooms, err := db.Rooms(ctx)
	if err != nil {
		t.Fatal(err)
	}
	opts := bridge.Options{Logger: slog.New(slog.DiscardHandler), Dialer: fakeDialer{}}
	for _, r := range rooms {
		opts.Rooms = append(opts.Rooms, bridge.SettingsOf(r))
	}
	b, err := bridge.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.NewHandler(api.Options{Bridge: b, Stores: api.StoresOf(db), AdminTokens: []string{cliToken},
		Logger: slog.New(slog.DiscardHandler)}))
	t.Cleanup(func() {
		srv.Close()
		b.Close()
	})
	return srv.URL, b
}

func TestRoomsCommands(t *testing.T) {
	url, _ := newStoreAPIServer(t)
	t.Setenv("PARLEY_API", url)
	t.Setenv("PARLEY_TOKEN", cliToken)
	for _, tt := range []cliCase{
		{name: "create", args: []string{"rooms", "create", "3000", "--name", "Sales", "--pin", "1111", "--moderator-pin", "2222",
			"--quota", "2", "--capacity", "3", "--guest-wait", "45s", "--owner", "2001", "--members", "2002, 2003"}, code: 0,
			stdout: []string{"room 3000 created", "name:", "Sales", "quota:", "guest wait:", "45s", "members:", "2002, 2003", "from:", "api"}},
		{name: "create, quota over capacity", args: []string{"rooms", "create", "3001", "--quota", "5", "--capacity", "2"}, code: 1,
			stderr: []string{"400 Bad Request", "must not exceed capacity 2", "(field quota)"}},
		{name: "create, bad PIN", args: []string{"rooms", "create", "3001", "--pin", "12ab"}, code: 1, stderr: []string{"(field pin)"}},
		{name: "create, bad guest wait", args: []string{"rooms", "create", "3001", "--guest-wait", "soon"}, code: 1, stderr: []string{"(field guest_wait)"}},
		{name: "create, taken", args: []string{"rooms", "create", "1000"}, code: 1, stderr: []string{"409 Conflict", "(field number)"}},
		{name: "list", args: []string{"rooms", "list"}, code: 0,
			stdout: []string{"NUMBER", "NAME", "LOCKED", "1000", "Weekly sync", "config", "3000", "Sales", "api"}},
		{name: "show", args: []string{"rooms", "show", "3000"}, code: 0, stdout: []string{"number:", "3000", "moderator pin:", "2222", "capacity:", "3"}},
		{name: "show unknown", args: []string{"rooms", "show", "9999"}, code: 1, stderr: []string{"404 Not Found", "(field number)"}},
		{name: "delete config room", args: []string{"rooms", "delete", "1000"}, code: 1,
			stderr: []string{"403 Forbidden", "defined in the config file", "(field number)"}},
		{name: "delete", args: []string{"rooms", "delete", "3000"}, code: 0, stdout: []string{"room 3000 deleted"}},
		{name: "deleted", args: []string{"rooms", "show", "3000"}, code: 1, stderr: []string{"404"}},
		{name: "usage", args: []string{"rooms"}, code: 2, stderr: []string{"usage:", "parley rooms create NUMBER"}},
		{name: "unknown subcommand", args: []string{"rooms", "rename", "1000"}, code: 2, stderr: []string{"usage:"}},
		{name: "show without a number", args: []string{"rooms", "show"}, code: 2, stderr: []string{"usage:"}},
		{name: "help lists them", args: []string{"help"}, code: 0, stdout: []string{"parley rooms list", "parley mute ROOM ID", "parley kick ROOM ID", "parley token ROOM"}},
	} {
		t.Run(tt.name, func(t *testing.T) { tt.run(t) })
	}
	t.Run("json", func(t *testing.T) {
		out := cliCase{args: []string{"rooms", "create", "3002", "--json", "--guest-access", "--caller-id", "+441632960300"}}.run(t)
		var r api.Room
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		if r.Number != "3002" || !r.GuestAccess || r.CallerID != "+441632960300" || r.GuestWait != "10m0s" {
			t.Errorf("rooms create --json: %+v", r)
		}
		out = cliCase{args: []string{"rooms", "list", "--json"}}.run(t)
		var list []api.Room
		if err := json.Unmarshal([]byte(out), &list); err != nil || len(list) != 2 || list[1].Number != "3002" {
			t.Errorf("rooms list --json: %+v, %v", list, err)
		}
	})
}

func TestModerationCommands(t *testing.T) {
	url, b := newStoreAPIServer(t)
	t.Setenv("PARLEY_API", url)
	t.Setenv("PARLEY_TOKEN", cliToken)
	room, err := b.Room("1000")
	if err != nil {
		t.Fatal(err)
	}
	join := func(name string) *bridge.Participant {
		p, err := room.Join(&fakeLeg{done: make(chan struct{})}, bridge.JoinOptions{Name: name, Via: "sip"})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	alice, bob := join("Alice"), join("Bob")

	// Tokens: an attendee token reads but may not moderate; a moderator
	// token moderates.
	var nt api.NewToken
	out := cliCase{args: []string{"token", "1000", "--role", "attendee", "--json"}}.run(t)
	if err := json.Unmarshal([]byte(out), &nt); err != nil || nt.Role != "attendee" || nt.Token == "" {
		t.Fatalf("token --json: %s, %v", out, err)
	}
	attendee := nt.Token
	out = cliCase{args: []string{"token", "1000", "--role", "moderator", "--label", "chair", "--expires-in", "1h"}, code: 0,
		stdout: []string{"moderator token", "for room 1000", "expires", "shown only now"}}.run(t)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	moderator := lines[len(lines)-1]

	for _, tt := range []cliCase{
		{name: "mute", args: []string{"mute", "1000", alice.ID}, code: 0, stdout: []string{"participant 1 (Alice) in room 1000: attendee, muted"}},
		{name: "unmute as moderator", args: []string{"unmute", "1000", alice.ID, "--token", moderator}, code: 0, stdout: []string{"unmuted"}},
		{name: "attendee may not mute", args: []string{"mute", "1000", alice.ID, "--token", attendee}, code: 1,
			stderr: []string{"403 Forbidden", "attendees may not mute", "(field Authorization)"}},
		{name: "attendee may not kick", args: []string{"kick", "1000", bob.ID, "--token", attendee}, code: 1, stderr: []string{"attendees may not remove"}},
		{name: "attendee reads", args: []string{"participants", "1000", "--token", attendee}, code: 0, stdout: []string{"Alice", "Bob"}},
		{name: "attendee may not mint", args: []string{"token", "1000", "--role", "moderator", "--token", attendee}, code: 1,
			stderr: []string{"attendees may not mint"}},
		{name: "role", args: []string{"role", "1000", bob.ID, "presenter", "--token", moderator}, code: 0, stdout: []string{"participant 2 (Bob) in room 1000: presenter"}},
		{name: "bad role", args: []string{"role", "1000", bob.ID, "boss"}, code: 1, stderr: []string{"(field role)"}},
		{name: "unknown participant", args: []string{"mute", "1000", "42"}, code: 1, stderr: []string{"404", "(field id)"}},
		{name: "kick", args: []string{"kick", "1000", bob.ID, "--token", moderator}, code: 0, stdout: []string{"participant 2 removed from room 1000"}},
		{name: "bad token role", args: []string{"token", "1000", "--role", "owner"}, code: 1, stderr: []string{"(field role)"}},
		{name: "token usage", args: []string{"token", "1000"}, code: 2, stderr: []string{"usage: parley token ROOM --role"}},
		{name: "mute usage", args: []string{"mute", "1000"}, code: 2, stderr: []string{"usage: parley mute ROOM ID"}},
		{name: "role usage", args: []string{"role", "1000", "1"}, code: 2, stderr: []string{"usage: parley role ROOM ID ROLE"}},
	} {
		t.Run(tt.name, func(t *testing.T) { tt.run(t) })
	}
	if alice.Muted() || bob.Role() != bridge.RolePresenter || room.Len() != 1 {
		t.Errorf("after the commands: alice muted %v, bob %s, %d in the room", alice.Muted(), bob.Role(), room.Len())
	}
	out = cliCase{args: []string{"mute", "1000", alice.ID, "--json"}}.run(t)
	var p api.Participant
	if err := json.Unmarshal([]byte(out), &p); err != nil || !p.Muted || p.ID != alice.ID {
		t.Errorf("mute --json: %s, %v", out, err)
	}
	cliCase{args: []string{"role", "1000", alice.ID, "no_access"}, stdout: []string{"no_access, removed"}}.run(t)
	if room.Len() != 0 {
		t.Errorf("%d in the room after no_access", room.Len())
	}
}
