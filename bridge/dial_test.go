package bridge

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/dialplan"
	"github.com/parleyhq/parley/store"
)

// TestDialRefusedIntoFullOrLockedRoom checks that a call out into a room
// the callee could not join is refused before anything rings, with the
// reason, and that a moderator is still called into a locked room.
func TestDialRefusedIntoFullOrLockedRoom(t *testing.T) {
	tests := []struct {
		name     string
		settings RoomSettings
		locked   bool
		members  int
		ringing  int // calls out still ringing before the one tested
		role     Role
		want     error // nil: the call is placed
	}{
		{name: "full", settings: RoomSettings{Number: "2000", Capacity: 1}, members: 1, want: ErrFull},
		{name: "full of ringing calls", settings: RoomSettings{Number: "2000", Capacity: 2}, members: 1, ringing: 1, want: ErrFull},
		{name: "room left", settings: RoomSettings{Number: "2000", Capacity: 2}, members: 1},
		{name: "locked", settings: RoomSettings{Number: "2000"}, locked: true, want: ErrLocked},
		{name: "locked, moderator", settings: RoomSettings{Number: "2000"}, locked: true, role: RoleModerator},
		{name: "full, moderator", settings: RoomSettings{Number: "2000", Capacity: 1}, members: 1, role: RoleModerator, want: ErrFull},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fd := &fakeDialer{wait: true}
			b := newDialBridge(t, fd)
			room, err := b.AddRoom(tt.settings)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < tt.members; i++ {
				if _, err := room.Join(&fakeLeg{}, JoinOptions{Name: "in"}); err != nil {
					t.Fatal(err)
				}
			}
			for i := 0; i < tt.ringing; i++ {
				if _, err := b.Dial("2000", DialRequest{To: "#sip:@127.0.0.1:5098"}); err != nil {
					t.Fatal(err)
				}
			}
			room.SetLocked(tt.locked)
			d, err := b.Dial("2000", DialRequest{To: "#sip:@127.0.0.1:5099", Role: tt.role})
			if tt.want == nil {
				if err != nil {
					t.Fatalf("dial refused: %v", err)
				}
				if _, ok := room.Dial(d.ParticipantID); !ok {
					t.Error("the placed call is not listed")
				}
				return
			}
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.want.Error()) {
				t.Fatalf("dial: %v, want %v", err, tt.want)
			}
			// A call is placed only with its Dial listed: none was.
			if len(room.Dials()) != tt.ringing {
				t.Errorf("%d calls out listed, want %d: the refused one rang", len(room.Dials()), tt.ringing)
			}
		})
	}
}

// nameRecords is a Records that keeps the attendance it is given.
type nameRecords struct {
	mu   sync.Mutex
	list []store.Attendance
}

func (r *nameRecords) RecordJoin(_ context.Context, a store.Attendance) (int64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.list = append(r.list, a)
	return int64(len(r.list)), nil
}

func (r *nameRecords) RecordLeave(context.Context, int64, time.Time) error       { return nil }
func (r *nameRecords) UpdateAttendanceRole(context.Context, int64, string) error { return nil }

// TestDialNamesTheCallee checks that a called-out participant is shown,
// listed and recorded under the name the dial gives, else the extension's
// configured name, else the target as typed, while the attendance keeps
// the target as the address they came by.
func TestDialNamesTheCallee(t *testing.T) {
	tests := []struct {
		name string
		req  DialRequest
		want string
	}{
		{"name given", DialRequest{To: "+441632960123", Name: "Carol Jones"}, "Carol Jones"},
		{"extension's name", DialRequest{To: "2001"}, "Alice"},
		{"name given for an extension", DialRequest{To: "2001", Name: "Alice at home"}, "Alice at home"},
		{"name given is trimmed", DialRequest{To: "2001", Name: "  Al  "}, "Al"},
		{"blank name", DialRequest{To: "2001", Name: "  "}, "Alice"},
		{"no name", DialRequest{To: "#sip:@127.0.0.1:5098"}, "#sip:@127.0.0.1:5098"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs := &nameRecords{}
			b, err := New(Options{
				Rooms:   []RoomSettings{{Number: "1000"}},
				Router:  testDialRouter(),
				Dialer:  &fakeDialer{},
				Records: recs,
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { b.Close() })
			sub := b.Subscribe()
			defer sub.Close()
			d, err := b.Dial("1000", tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if d.Name != tt.want {
				t.Errorf("Dial.Name %q, want %q", d.Name, tt.want)
			}
			if p := answered(t, b, d); p.Name != tt.want {
				t.Errorf("participant named %q, want %q", p.Name, tt.want)
			}
			recs.mu.Lock()
			defer recs.mu.Unlock()
			if len(recs.list) != 1 || recs.list[0].Name != tt.want || recs.list[0].Address != tt.req.To {
				t.Errorf("attendance %+v, want name %q address %q", recs.list, tt.want, tt.req.To)
			}
			for ev := range sub.C {
				if ev.Type == EventDial && ev.Name != tt.want {
					t.Errorf("%s event named %q, want %q", ev.Status, ev.Name, tt.want)
				}
				if ev.Type == EventDial && ev.Status == DialAnswered {
					break
				}
			}
		})
	}
}

// answered waits for d to be answered and returns the callee in room 1000.
func answered(t *testing.T, b *Bridge, d *Dial) *Participant {
	t.Helper()
	if s, _ := waitDial(t, d); s != DialAnswered {
		t.Fatalf("status %s, want answered", s)
	}
	room, _ := b.Room("1000")
	p, err := room.Participant(d.ParticipantID)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestDialRoleErrorListsDialRoles checks that a role a call out refuses
// is answered with the roles it accepts, which leave out no_access.
func TestDialRoleErrorListsDialRoles(t *testing.T) {
	b := newDialBridge(t, &fakeDialer{})
	for _, role := range []Role{RoleNoAccess, "boss"} {
		_, err := b.Dial("1000", DialRequest{To: "2001", Role: role})
		if !errors.Is(err, ErrBadRole) {
			t.Fatalf("dial as %s: %v, want ErrBadRole", role, err)
		}
		msg := err.Error()
		if !strings.Contains(msg, "want owner, moderator, presenter, attendee or spectator") || strings.Contains(msg, "or no_access") {
			t.Errorf("dial as %s: %q, want the dial roles listed without no_access", role, msg)
		}
	}
	for in, want := range map[string]Role{"": RoleAttendee, "owner": RoleOwner, "spectator": RoleSpectator} {
		if got, err := ParseDialRole(in); err != nil || got != want {
			t.Errorf("ParseDialRole(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

// TestDialUnregisteredExtensionRefused checks that an extension with no
// registered device is refused at once, naming it, and nothing rings.
func TestDialUnregisteredExtensionRefused(t *testing.T) {
	fd := &fakeDialer{}
	router := testDialRouter()
	router.Registered = func(ext string) bool { return false }
	b, err := New(Options{Rooms: []RoomSettings{{Number: "1000"}}, Router: router, Dialer: fd})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	_, err = b.Dial("1000", DialRequest{To: "2001"})
	if !errors.Is(err, dialplan.ErrNotRegistered) || !strings.Contains(err.Error(), "extension 2001 (Alice) has no registered device") {
		t.Fatalf("dial 2001: %v, want ErrNotRegistered naming extension 2001", err)
	}
	room, _ := b.Room("1000")
	if n := len(room.Dials()); n != 0 {
		t.Errorf("%d calls out listed, want none", n)
	}
}
