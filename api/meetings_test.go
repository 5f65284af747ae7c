package api

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/accounts"
	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/store"
)

// meetingEnv is a server with a store, the users root (admin), op
// (operator), bob (extension 2002) and nox (no extension), extensions
// 2002-2004 and 7000, room numbers 7000-7003 and two rooms per user.
type meetingEnv struct {
	s    *server
	db   *store.DB
	b    *bridge.Bridge
	mail *fakeMailer
}

// meetingStores lets a test swap one job's store for a failing one.
type meetingStores func(db *store.DB) Stores

func newMeetingEnv(t testing.TB, mailer bool, stores meetingStores) *meetingEnv {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	b, err := bridge.New(bridge.Options{Logger: slog.New(slog.DiscardHandler), Dialer: &fakeDialer{}, Records: db})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	e := &meetingEnv{db: db, b: b, mail: &fakeMailer{}}
	st := StoresOf(db)
	if stores != nil {
		st = stores(db)
	}
	opts := Options{Bridge: b, Stores: st, AdminTokens: []string{testToken}, Logger: slog.New(slog.DiscardHandler),
		PublicURL: testPublicURL, Accounts: &fakeAccounts{users: map[string]accounts.User{
			"root": {Login: "root", Role: accounts.RoleAdmin, Source: "local"},
			"op":   {Login: "op", Role: accounts.RoleOperator, Source: "ldap"},
			"bob":  {Login: "bob", Role: accounts.RoleUser, Extension: "2002", Source: "ldap"},
			"nox":  {Login: "nox", Role: accounts.RoleUser, Source: "ldap"},
		}},
		Meetings: MeetingOptions{Min: 7000, Max: 7003, MaxPerUser: 2, Extensions: []string{"2002", "2003", "2004", "7000"}}}
	if mailer {
		opts.Mailer = e.mail
	}
	e.s = newServer(opts)
	return e
}

// as sends one request as the signed-in login and returns the status and
// body.
func (e *meetingEnv) as(t *testing.T, login, method, path, body string) (int, []byte) {
	t.Helper()
	c, info := e.s.signIn(t, login)
	w := e.s.do(t, webReq{method: method, path: path, body: body, cookie: c.Value, csrf: info.CSRFToken})
	return w.Code, w.Body.Bytes()
}

// roomNumbers lists the rooms the store and the bridge have.
func (e *meetingEnv) roomNumbers(t *testing.T) (stored, served []string) {
	t.Helper()
	rooms, err := e.db.Rooms(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rooms {
		stored = append(stored, r.Number)
	}
	for _, r := range e.b.Rooms() {
		served = append(served, r.Number())
	}
	return stored, served
}

// TestUserRooms: a user's room is theirs (owner: their extension,
// organizer: their login), another user's room is 404, only admins and
// operators name another owner, and a user makes at most the limit.
func TestUserRooms(t *testing.T) {
	e := newMeetingEnv(t, true, nil)
	steps := []struct {
		name, login, method, path, body string
		code                            int
		field, msg                      string
	}{
		{"bob makes a room", "bob", "POST", "/api/v1/rooms", `{"name":"Bob's"}`, 201, "", `"number": "7001"`},
		{"nox makes a room", "nox", "POST", "/api/v1/rooms", `{"number":"7002","name":"Nox's"}`, 201, "", `"organizer": "nox"`},
		{"nox sees it", "nox", "GET", "/api/v1/rooms/7002", "", 200, "", `"organizer": "nox"`},
		{"nox moderates it", "nox", "POST", "/api/v1/rooms/7002/mute-all", "", 200, "", ""},
		{"bob does not see nox's", "bob", "GET", "/api/v1/rooms/7002", "", 404, "", ""},
		{"bob cannot change nox's", "bob", "PATCH", "/api/v1/rooms/7002", `{"name":"mine"}`, 404, "", ""},
		{"bob names another owner", "bob", "POST", "/api/v1/rooms", `{"number":"7003","owner":"2003"}`, 403, "owner", "only admins and operators"},
		{"bob gives his room away", "bob", "PATCH", "/api/v1/rooms/7001", `{"owner":"2003"}`, 403, "owner", "only admins and operators"},
		{"bob renames his room", "bob", "PATCH", "/api/v1/rooms/7001", `{"name":"Renamed"}`, 200, "", `"Renamed"`},
		{"an extension's number", "bob", "POST", "/api/v1/rooms", `{"number":"2003"}`, 409, "number", "extension"},
		{"op names another owner", "op", "POST", "/api/v1/rooms", `{"number":"7003","owner":"2003"}`, 201, "", `"owner": "2003"`},
		{"bob's second room", "bob", "POST", "/api/v1/rooms", `{"number":"8000"}`, 201, "", `"owner": "2002"`},
		{"bob's third room: over the limit", "bob", "POST", "/api/v1/rooms", `{"number":"8001"}`, 409, "number", "you have made 2 rooms"},
		{"no free number left", "root", "POST", "/api/v1/rooms", `{}`, 409, "number", "no free room number"},
	}
	for _, st := range steps {
		code, body := e.as(t, st.login, st.method, st.path, st.body)
		if code != st.code || !strings.Contains(string(body), st.msg) {
			t.Fatalf("%s: %d %s, want %d with %q", st.name, code, body, st.code, st.msg)
		}
		if st.field != "" {
			var got Error
			_ = json.Unmarshal(body, &got)
			if got.Field != st.field {
				t.Errorf("%s: field %q, want %q", st.name, got.Field, st.field)
			}
		}
	}
	for login, want := range map[string][]string{"bob": {"7001", "8000"}, "nox": {"7002"}, "op": {"7001", "7002", "7003", "8000"}} {
		code, body := e.as(t, login, "GET", "/api/v1/rooms", "")
		var rooms []Room
		if err := json.Unmarshal(body, &rooms); code != 200 || err != nil {
			t.Fatalf("%s lists rooms: %d %s", login, code, body)
		}
		var got []string
		for _, r := range rooms {
			got = append(got, r.Number)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s sees %v, want %v", login, got, want)
		}
	}
}

// TestSuggestedNumber: the lowest number of the range that is no room
// and no extension; none left is 409; room tokens may not ask.
func TestSuggestedNumber(t *testing.T) {
	e := newMeetingEnv(t, true, nil)
	for _, want := range []string{"7001", "7002", "7003"} {
		code, body := e.as(t, "nox", "GET", "/api/v1/rooms/suggested-number", "")
		if code != 200 || !strings.Contains(string(body), `"number": "`+want+`"`) {
			t.Fatalf("suggestion: %d %s, want %s", code, body, want)
		}
		if code, body := e.as(t, "nox", "POST", "/api/v1/rooms", `{}`); code != 201 || !strings.Contains(string(body), want) {
			t.Fatalf("room without a number: %d %s, want %s", code, body, want)
		}
		e.s.rooms.policy.maxPerUser = 10
	}
	if code, body := e.as(t, "nox", "GET", "/api/v1/rooms/suggested-number", ""); code != 409 || !strings.Contains(string(body), "7000-7003") {
		t.Errorf("range full: %d %s, want 409", code, body)
	}
	w := e.s.do(t, webReq{method: "GET", path: "/api/v1/rooms/suggested-number"})
	if w.Code != 401 {
		t.Errorf("without a session: %d, want 401", w.Code)
	}
}

// TestCreateMeeting: a scheduled meeting with every kind of participant
// is made whole: members, the schedule's calls, a mailed link with the
// calendar for each email address.
func TestCreateMeeting(t *testing.T) {
	e := newMeetingEnv(t, true, nil)
	start := time.Now().Add(time.Hour).In(time.UTC).Truncate(time.Minute)
	body := `{"room":{"name":"Review","pin":"1234","moderator_pin":"5678","guest_access":true},
		"schedule":{"start":"` + start.In(mustZone(t, "Europe/Paris")).Format("2006-01-02T15:04") + `","duration_minutes":30,"time_zone":"Europe/Paris"},
		"participants":[
			{"kind":"extension","value":"2003","role":"moderator","name":"Carol"},
			{"kind":"number","value":"+441632960123","name":"Dan"},
			{"kind":"email","value":"erin@example.com","name":"Erin"},
			{"kind":"user","value":"frank","name":"Frank","extension":"2004","email":"frank@example.com"}]}`
	code, data := e.as(t, "bob", "POST", "/api/v1/meetings", body)
	if code != 201 {
		t.Fatalf("create: %d %s", code, data)
	}
	var m Meeting
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	if m.Room.Number != "7001" || m.Room.Owner != "2002" || m.Room.Organizer != "bob" || !slices.Equal(m.Room.Members, []string{"2003", "2004"}) {
		t.Errorf("room %+v", m.Room)
	}
	if m.Schedule == nil || !m.Schedule.Start.Equal(start) || !m.Schedule.End.Equal(start.Add(30*time.Minute)) {
		t.Fatalf("schedule %+v, want start %s", m.Schedule, start)
	}
	var targets []string
	for _, p := range m.Schedule.Participants {
		targets = append(targets, p.Target+"/"+p.Role)
	}
	if want := []string{"2003/moderator", "+441632960123/attendee", "2004/attendee"}; !slices.Equal(targets, want) {
		t.Errorf("scheduled calls %v, want %v", targets, want)
	}
	if len(m.Links) != 2 || m.Links[0].Email != "erin@example.com" || m.Links[1].Email != "frank@example.com" {
		t.Fatalf("links %+v", m.Links)
	}
	for _, l := range m.Links {
		if len(l.Invitations) != 1 || !l.Invitations[0].Sent {
			t.Errorf("link %s: invitations %+v", l.Email, l.Invitations)
		}
	}
	sent := e.mail.all()
	if len(sent) != 2 || sent[0].Schedule == nil || !sent[0].Schedule.Start.Equal(start) || sent[0].PIN != "1234" {
		t.Errorf("mails %+v, want two with the schedule", sent)
	}
	// The list stays editable until the start: one link goes, the
	// schedule's calls change.
	if code, data := e.as(t, "bob", "DELETE", "/api/v1/rooms/7001/links/"+m.Links[0].ID, ""); code != 204 {
		t.Errorf("delete link: %d %s", code, data)
	}
	if code, data := e.as(t, "bob", "PATCH", "/api/v1/rooms/7001/schedules/"+m.Schedule.ID,
		`{"participants":[{"target":"2004","role":"attendee"}]}`); code != 200 {
		t.Errorf("patch schedule: %d %s", code, data)
	}
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestMeetingValidation: a bad request makes nothing, and its error
// names the field; every bad participant is listed.
func TestMeetingValidation(t *testing.T) {
	past := time.Now().Add(-2 * time.Hour).UTC().Format(time.RFC3339)
	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	for _, tc := range []struct {
		name     string
		mailer   bool
		body     string
		code     int
		field    string
		problems []string
	}{
		{"every bad participant", true, `{"room":{},"participants":[{"kind":"extension","value":"2002"},
			{"kind":"extension","value":"2999"},{"kind":"email","value":"not-mail"},{"kind":"fax","value":"1"},
			{"kind":"user","value":"gus"},{"kind":"email","value":"a@example.com","role":"boss"}]}`, 400, "participants[1].value",
			[]string{"participants[1].value", "participants[2].value", "participants[3].kind", "participants[4].value", "participants[5].role"}},
		{"twice the same", true, `{"room":{},"participants":[{"kind":"email","value":"a@example.com"},{"kind":"user","value":"al","email":"A@example.com"}]}`,
			400, "participants[1].value", []string{"already listed as participants[0]"}},
		{"a number without a schedule", true, `{"room":{},"participants":[{"kind":"number","value":"+441632960123"}]}`,
			400, "participants[0].value", nil},
		{"bad room pin", true, `{"room":{"pin":"12a"}}`, 400, "room.pin", nil},
		{"start in the past", true, `{"room":{},"schedule":{"start":"` + past + `"}}`, 400, "schedule.start", nil},
		{"end and duration", true, `{"room":{},"schedule":{"start":"` + future + `","end":"` + future + `","duration_minutes":5}}`, 400, "schedule.duration_minutes", nil},
		{"bad time zone", true, `{"room":{},"schedule":{"start":"` + future + `","time_zone":"Mars/Olympus"}}`, 400, "schedule.time_zone", nil},
		{"email without a mailer", false, `{"room":{},"participants":[{"kind":"email","value":"a@example.com"}]}`, 503, "participants", nil},
		{"unknown field", true, `{"room":{},"extra":1}`, 400, "extra", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newMeetingEnv(t, tc.mailer, nil)
			code, data := e.as(t, "bob", "POST", "/api/v1/meetings", tc.body)
			var got Error
			_ = json.Unmarshal(data, &got)
			if code != tc.code || got.Field != tc.field {
				t.Fatalf("%d %s, want %d naming %s", code, data, tc.code, tc.field)
			}
			for _, p := range tc.problems {
				if !strings.Contains(got.Message, p) {
					t.Errorf("message %q does not name %s", got.Message, p)
				}
			}
			if len(tc.problems) > 1 && len(got.Problems) != len(tc.problems) {
				t.Errorf("problems %q, want %d", got.Problems, len(tc.problems))
			}
			if stored, served := e.roomNumbers(t); len(stored) != 0 || len(served) != 0 {
				t.Errorf("a refused meeting left rooms: stored %v, served %v", stored, served)
			}
			if len(e.mail.all()) != 0 {
				t.Errorf("a refused meeting sent mail")
			}
		})
	}
}

// failingSchedules and failingLinks are the store with one step that
// fails.
type failingSchedules struct{ *store.DB }

func (failingSchedules) CreateSchedule(context.Context, store.Schedule) (store.Schedule, error) {
	return store.Schedule{}, errors.New("disk I/O error")
}

type failingLinks struct{ *store.DB }

func (f failingLinks) CreateLink(ctx context.Context, l store.Link) (store.Link, error) {
	if strings.HasPrefix(l.Email, "second") {
		return store.Link{}, errors.New("disk I/O error")
	}
	return f.DB.CreateLink(ctx, l)
}

// TestMeetingRollback: a step that fails leaves no room, schedule or
// link behind, sends no mail, and the error names the step.
func TestMeetingRollback(t *testing.T) {
	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	body := `{"room":{"number":"7100"},"schedule":{"start":"` + future + `"},"participants":[
		{"kind":"extension","value":"2003"},{"kind":"email","value":"first@example.com"},{"kind":"email","value":"second@example.com"}]}`
	for _, tc := range []struct {
		name   string
		stores meetingStores
		step   string
	}{
		{"schedule fails", func(db *store.DB) Stores { st := StoresOf(db); st.Schedules = failingSchedules{db}; return st }, "step schedule failed"},
		{"second link fails", func(db *store.DB) Stores { st := StoresOf(db); st.Links = failingLinks{db}; return st }, "step link 2 of 2 (second@example.com) failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newMeetingEnv(t, true, tc.stores)
			code, data := e.as(t, "bob", "POST", "/api/v1/meetings", body)
			if code != http.StatusInternalServerError || !strings.Contains(string(data), tc.step) || !strings.Contains(string(data), "nothing was kept") {
				t.Fatalf("%d %s, want 500 naming %q", code, data, tc.step)
			}
			if stored, served := e.roomNumbers(t); len(stored) != 0 || len(served) != 0 {
				t.Errorf("rooms left: stored %v, served %v", stored, served)
			}
			ctx := context.Background()
			if list, err := e.db.Schedules(ctx, "7100"); err != nil || len(list) != 0 {
				t.Errorf("schedules left: %v, %v", list, err)
			}
			if list, err := e.db.Links(ctx, "7100"); err != nil || len(list) != 0 {
				t.Errorf("links left: %v, %v", list, err)
			}
			if len(e.mail.all()) != 0 {
				t.Errorf("mail sent for a meeting that was not made")
			}
		})
	}
}
