package api

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/dialplan"
	"github.com/parleyhq/parley/store"
)

// TestDialRefusedBeforeRinging checks the dials refused before anything
// rings, each with its status, field and reason: into a full or locked
// room, to an extension with no registered device, with a role a dial
// does not take, and to a SIP address on a trunk's host.
func TestDialRefusedBeforeRinging(t *testing.T) {
	fd := &fakeDialer{}
	b, err := bridge.New(bridge.Options{
		Rooms: []bridge.RoomSettings{{Number: "1000"}, {Number: "1100", Capacity: 1}, {Number: "1200"}},
		Router: &dialplan.Router{
			Extensions: map[string]string{"2001": "Alice", "2002": "Bob"},
			Registered: func(ext string) bool { return ext == "2001" },
			Trunks: []dialplan.TrunkRoute{{Name: "pstn", Proxy: "sip:127.0.0.1:5099",
				Allow: []*regexp.Regexp{regexp.MustCompile(`^\+44[0-9]{10}$`)}}},
		},
		Dialer: fd,
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	full, _ := b.Room("1100")
	if _, err := full.Join(newFakeLeg(), bridge.JoinOptions{Name: "in"}); err != nil {
		t.Fatal(err)
	}
	locked, _ := b.Room("1200")
	locked.SetLocked(true)
	srv := newTestServer(t, b)
	tests := []struct {
		name, room, body string
		code             int
		field            string
		want             []string
		not              string
	}{
		{"full room", "1100", `{"to": "2001"}`, 409, "number", []string{"room full", "room 1100 is at its capacity of 1"}, ""},
		{"locked room", "1200", `{"to": "2001"}`, 423, "number", []string{"room locked", "admits only moderators"}, ""},
		{"unregistered extension", "1000", `{"to": "2002"}`, 409, "to", []string{"extension 2002 (Bob) has no registered device"}, ""},
		{"unknown role", "1000", `{"to": "2001", "role": "boss"}`, 400, "role",
			[]string{"want owner, moderator, presenter, attendee or spectator"}, "no_access"},
		{"no_access role", "1000", `{"to": "2001", "role": "no_access"}`, 400, "role",
			[]string{"no_access admits nobody", "want owner, moderator, presenter, attendee or spectator"}, "or no_access"},
		{"SIP address on the trunk's host", "1000", `{"to": "#sip:@127.0.0.1:5099"}`, 403, "to",
			[]string{"toll-fraud guard", "#sip:@127.0.0.1:5099 is a SIP address on trunk pstn's host", "dial the number itself"}, "no trunk allows this number"},
		{"name too long", "1000", `{"to": "2001", "name": "` + strings.Repeat("x", maxNameLen+1) + `"}`, 400, "name",
			[]string{"name is longer than"}, ""},
		{"name with control characters", "1000", `{"to": "2001", "name": "A\u0007"}`, 400, "name",
			[]string{"name has control characters"}, ""},
		{"number at the trunk's host", "1000", `{"to": "#sip:2002@127.0.0.1:5099"}`, 403, "to",
			[]string{"no trunk allows 2002", "is a SIP address on trunk pstn's host"}, "no trunk allows this number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := call(t, srv, "POST", "/api/v1/rooms/"+tt.room+"/dial", tt.body)
			if code != tt.code {
				t.Fatalf("status %d, want %d: %s", code, tt.code, body)
			}
			e := decode[Error](t, body)
			if e.Field != tt.field {
				t.Errorf("field %q, want %q", e.Field, tt.field)
			}
			for _, w := range tt.want {
				if !strings.Contains(e.Message, w) {
					t.Errorf("error %q lacks %q", e.Message, w)
				}
			}
			if tt.not != "" && strings.Contains(e.Message, tt.not) {
				t.Errorf("error %q says %q", e.Message, tt.not)
			}
		})
	}
	if n := fd.count(); n != 0 {
		t.Errorf("the dialer was called %d times for refused dials", n)
	}
}

// TestDialNamesTheCallee checks the name a called-out participant is
// listed under, ringing and answered: the request's name, else the
// extension's configured name, else the target.
func TestDialNamesTheCallee(t *testing.T) {
	fd := &fakeDialer{release: make(chan struct{})}
	srv := newTestServer(t, newTestBridge(t, fd))
	ringing := dial(t, srv, `{"to": "+441632960999", "name": "Dave Jones"}`)
	tests := []struct{ body, want string }{
		{`{"to": "2001"}`, "Alice"},
		{`{"to": "2001", "name": "Alice at home"}`, "Alice at home"},
		{`{"to": "#sip:bob@192.0.2.10"}`, "#sip:bob@192.0.2.10"},
	}
	for _, tt := range tests {
		d := dial(t, srv, tt.body)
		if p := waitStatus(t, srv, "1000", d.ParticipantID); p.Name != tt.want || p.Status != string(bridge.DialAnswered) {
			t.Errorf("dial %s: participant %+v, want answered and named %q", tt.body, p, tt.want)
		}
	}
	code, body := call(t, srv, "GET", "/api/v1/rooms/1000/participants/"+ringing.ParticipantID, "")
	if p := decode[Participant](t, body); code != 200 || p.Status != string(bridge.DialRinging) || p.Name != "Dave Jones" {
		t.Errorf("ringing call out: %d %+v, want ringing and named Dave Jones", code, p)
	}
	close(fd.release)
}

// TestDialContactNamesTheCallee checks that a contact dialled by name is
// listed and recorded in the attendance under the contact's name, with
// its target as the address.
func TestDialContactNamesTheCallee(t *testing.T) {
	e := newStoreEnv(t)
	ctx := context.Background()
	if _, err := e.db.CreateContact(ctx, store.Contact{Name: "Reception", Target: "#sip:desk@192.0.2.10"}); err != nil {
		t.Fatal(err)
	}
	d := dialIn(t, e.srv, "1000", `{"to": "reception"}`)
	if p := waitStatus(t, e.srv, "1000", d.ParticipantID); p.Name != "Reception" {
		t.Errorf("participant %+v, want named Reception", p)
	}
	room, _ := e.bridge.Room("1000")
	if bd, ok := room.Dial(d.ParticipantID); ok {
		<-bd.Done() // finished once the join, and its attendance, are done
	}
	visits, err := e.db.Attendance(ctx, "1000")
	if err != nil || len(visits) != 1 || visits[0].Name != "Reception" || visits[0].Address != "#sip:desk@192.0.2.10" {
		t.Errorf("attendance %+v, %v; want Reception at #sip:desk@192.0.2.10", visits, err)
	}
}

// dialIn dials into room and wants 202.
func dialIn(t *testing.T, srv *httptest.Server, room, body string) DialResponse {
	t.Helper()
	code, data := call(t, srv, "POST", "/api/v1/rooms/"+room+"/dial", body)
	if code != 202 {
		t.Fatalf("dial %s: %d %s", body, code, data)
	}
	return decode[DialResponse](t, data)
}
