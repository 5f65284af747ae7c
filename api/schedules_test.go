package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/bridge"
)

// rfc3339 formats t for a request body.
func rfc3339(t time.Time) string { return t.Format(time.RFC3339) }

// scheduleBody is a POST body for a conference from start to end in
// zone, with the given participants (a JSON array, or "").
func scheduleBody(start, end time.Time, zone, participants string) string {
	body := fmt.Sprintf(`{"start": %q, "end": %q`, rfc3339(start), rfc3339(end))
	if zone != "" {
		body += fmt.Sprintf(`, "time_zone": %q`, zone)
	}
	if participants != "" {
		body += `, "participants": ` + participants
	}
	return body + "}"
}

func TestSchedules(t *testing.T) {
	e := newStoreEnv(t)
	ctx := context.Background()
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(time.Hour).Truncate(time.Second)
	end := start.Add(time.Hour)

	// Create: roles default to attendee, times come back in the zone.
	code, body := call(t, e.srv, "POST", "/api/v1/rooms/2000/schedules", scheduleBody(start.UTC(), end.UTC(), "Europe/London",
		`[{"target": "2001", "role": "moderator", "name": "Alice"}, {"target": " +44 1632 960123 "},
		  {"target": "#sip:bob@192.0.2.10", "role": "spectator"}]`))
	if code != http.StatusCreated {
		t.Fatalf("create: %d %s", code, body)
	}
	sc := decode[Schedule](t, body)
	if sc.ID == "" || sc.Room != "2000" || !sc.Start.Equal(start) || !sc.End.Equal(end) || sc.TimeZone != "Europe/London" ||
		sc.StartedAt != nil || sc.EndedAt != nil {
		t.Errorf("created %+v", sc)
	}
	if got, want := sc.Start.Format(time.RFC3339), start.In(london).Format(time.RFC3339); got != want {
		t.Errorf("start shown as %s, want %s (Europe/London)", got, want)
	}
	want := []ScheduledParticipant{{Target: "2001", Role: "moderator", Name: "Alice"}, {Target: "+44 1632 960123", Role: "attendee"},
		{Target: "#sip:bob@192.0.2.10", Role: "spectator"}}
	if fmt.Sprint(sc.Participants) != fmt.Sprint(want) {
		t.Errorf("participants %+v, want %+v", sc.Participants, want)
	}
	if strings.Contains(string(body), `"started_at"`) {
		t.Errorf("a schedule not started shows started_at: %s", body)
	}
	stored, err := e.db.Schedules(ctx, "2000")
	if err != nil || len(stored) != 1 || stored[0].TimeZone != "Europe/London" || len(stored[0].Participants) != 3 {
		t.Fatalf("stored %+v, %v", stored, err)
	}
	path := "/api/v1/rooms/2000/schedules/" + sc.ID

	// Another room's schedule, to be invisible through room 2000.
	code, body = call(t, e.srv, "POST", "/api/v1/rooms/1000/schedules", scheduleBody(start, end, "", ""))
	other := decode[Schedule](t, body)
	if code != http.StatusCreated || other.TimeZone != "UTC" || len(other.Participants) != 0 ||
		!strings.Contains(string(body), `"participants": []`) {
		t.Fatalf("create in the config room without participants: %d %s", code, body)
	}

	// List and get.
	code, body = call(t, e.srv, "GET", "/api/v1/rooms/2000/schedules", "")
	if list := decode[[]Schedule](t, body); code != 200 || len(list) != 1 || list[0].ID != sc.ID || len(list[0].Participants) != 3 {
		t.Errorf("list: %d %s", code, body)
	}
	code, body = call(t, e.srv, "GET", "/api/v1/rooms/3000/schedules", "")
	if got := decode[Error](t, body); code != 404 || got.Field != "number" {
		t.Errorf("list of an unknown room: %d %s", code, body)
	}
	code, body = call(t, e.srv, "GET", path, "")
	if got := decode[Schedule](t, body); code != 200 || got.ID != sc.ID || fmt.Sprint(got.Participants) != fmt.Sprint(want) {
		t.Errorf("get: %d %s", code, body)
	}
	for _, p := range []string{"/api/v1/rooms/2000/schedules/" + other.ID, "/api/v1/rooms/1000/schedules/" + sc.ID,
		"/api/v1/rooms/2000/schedules/x", "/api/v1/rooms/2000/schedules/0", "/api/v1/rooms/2000/schedules/999"} {
		for _, m := range []string{"GET", "PATCH", "DELETE"} {
			b := ""
			if m == "PATCH" {
				b = `{"time_zone": "UTC"}`
			}
			code, body := call(t, e.srv, m, p, b)
			if got := decode[Error](t, body); code != 404 || got.Field != "id" {
				t.Errorf("%s %s: %d %s, want 404 naming id", m, p, code, body)
			}
		}
	}
	if got, _ := e.db.Schedule(ctx, mustID(t, other.ID)); got.TimeZone != "UTC" {
		t.Errorf("a PATCH through another room changed the schedule: %+v", got)
	}

	// Patch: partial.
	code, body = call(t, e.srv, "PATCH", path, fmt.Sprintf(`{"end": %q, "participants": [{"target": "2002", "role": "presenter"}]}`,
		rfc3339(end.Add(30*time.Minute))))
	sc = decode[Schedule](t, body)
	if code != 200 || !sc.End.Equal(end.Add(30*time.Minute)) || !sc.Start.Equal(start) || sc.TimeZone != "Europe/London" ||
		len(sc.Participants) != 1 || sc.Participants[0] != (ScheduledParticipant{Target: "2002", Role: "presenter"}) {
		t.Errorf("patch: %d %s", code, body)
	}
	for _, tc := range []struct{ body, field, msg string }{
		{fmt.Sprintf(`{"end": %q}`, rfc3339(start)), "end", "must be after start"},
		{fmt.Sprintf(`{"start": %q}`, rfc3339(end.Add(2*time.Hour))), "start", "must be after start"},
		{fmt.Sprintf(`{"start": %q}`, rfc3339(time.Now().Add(-time.Hour))), "start", "in the past"},
		{`{"time_zone": "Nowhere/Special"}`, "time_zone", "IANA"},
		{`{"participants": [{"target": "2002"}, {"target": "nope!"}]}`, "participants[1].target", "dial target"},
		{`{"id": "7"}`, "id", "unknown field"},
	} {
		code, body := call(t, e.srv, "PATCH", path, tc.body)
		if got := decode[Error](t, body); code != 400 || got.Field != tc.field || !strings.Contains(got.Message, tc.msg) {
			t.Errorf("PATCH %s: %d %+v, want 400 naming %s", tc.body, code, got, tc.field)
		}
	}

	// Once started, the participant list is frozen; the end may move.
	if err := e.db.MarkScheduleStarted(ctx, mustID(t, sc.ID), time.Now()); err != nil {
		t.Fatal(err)
	}
	code, body = call(t, e.srv, "PATCH", path, `{"participants": [{"target": "2002", "role": "presenter"}, {"target": "2003"}]}`)
	if got := decode[Error](t, body); code != 409 || got.Field != "participants" ||
		got.Message != "the conference has started: its participant list can no longer change" {
		t.Errorf("participant change after the start: %d %s", code, body)
	}
	code, body = call(t, e.srv, "PATCH", path, fmt.Sprintf(`{"end": %q, "participants": [{"target": "2002", "role": "presenter"}]}`,
		rfc3339(end.Add(time.Hour))))
	if got := decode[Schedule](t, body); code != 200 || !got.End.Equal(end.Add(time.Hour)) || got.StartedAt == nil {
		t.Errorf("end moved after the start, list unchanged: %d %s", code, body)
	}
	if got, _ := e.db.Schedule(ctx, mustID(t, sc.ID)); len(got.Participants) != 1 {
		t.Errorf("participants after a refused change: %+v", got.Participants)
	}

	// Delete.
	if code, body := call(t, e.srv, "DELETE", path, ""); code != 204 || len(body) != 0 {
		t.Errorf("delete: %d %s", code, body)
	}
	for _, m := range []string{"GET", "DELETE"} {
		if code, body := call(t, e.srv, m, path, ""); code != 404 || decode[Error](t, body).Field != "id" {
			t.Errorf("%s after delete: %d %s", m, code, body)
		}
	}
	if list, _ := e.db.Schedules(ctx, ""); len(list) != 1 || list[0].Room != "1000" {
		t.Errorf("schedules after delete: %+v", list)
	}
}

func mustID(t *testing.T, s string) int64 {
	t.Helper()
	var id int64
	if _, err := fmt.Sscan(s, &id); err != nil {
		t.Fatalf("schedule ID %q: %v", s, err)
	}
	return id
}

func TestScheduleValidation(t *testing.T) {
	e := newStoreEnv(t)
	now := time.Now()
	start, end := now.Add(time.Hour), now.Add(2*time.Hour)
	many := strings.Repeat(`{"target": "2001"},`, MaxScheduledParticipants) + `{"target": "2002"}`
	long := strings.Repeat("x", 201)
	tests := []struct {
		name, body string
		field, msg string
	}{
		{"empty", `{}`, "start", "start is required"},
		{"no end", fmt.Sprintf(`{"start": %q}`, rfc3339(start)), "end", "end is required"},
		{"start not RFC 3339", fmt.Sprintf(`{"start": "tomorrow at nine", "end": %q}`, rfc3339(end)), "start", "RFC 3339"},
		{"start without offset", fmt.Sprintf(`{"start": "2030-01-01T09:00:00", "end": %q}`, rfc3339(end)), "start", "with an offset"},
		{"end not RFC 3339", fmt.Sprintf(`{"start": %q, "end": "2030-01-01"}`, rfc3339(start)), "end", "RFC 3339"},
		{"end before start", scheduleBody(end, start, "", ""), "end", "must be after start"},
		{"end equals start", scheduleBody(start, start, "", ""), "end", "must be after start"},
		{"start in the past", scheduleBody(now.Add(-2*time.Minute), end, "", ""), "start", "in the past"},
		{"unknown time zone", scheduleBody(start, end, "Mars/Olympus_Mons", ""), "time_zone", "IANA time zone"},
		{"local time zone", scheduleBody(start, end, "Local", ""), "time_zone", "IANA time zone"},
		{"target missing", scheduleBody(start, end, "", `[{"role": "attendee"}]`), "participants[0].target", "is required"},
		{"bad target", scheduleBody(start, end, "", `[{"target": "2001"}, {"target": "2002"}, {"target": "#sip:@"}]`),
			"participants[2].target", "bad dial target"},
		{"same target twice", scheduleBody(start, end, "", `[{"target": "+441632960123"}, {"target": "+44 (0)1632 960123"}]`),
			"participants[1].target", "already listed as participants[0]"},
		{"unknown role", scheduleBody(start, end, "", `[{"target": "2001"}, {"target": "2002", "role": "boss"}]`),
			"participants[1].role", "must be owner, moderator"},
		{"no_access", scheduleBody(start, end, "", `[{"target": "2001", "role": "no_access"}]`), "participants[0].role", "no_access"},
		{"name too long", scheduleBody(start, end, "", `[{"target": "2001", "name": "`+long+`"}]`), "participants[0].name", "longer than"},
		{"too many", scheduleBody(start, end, "", `[`+many+`]`), "participants", "at most 500"},
		{"unknown field", `{"start": "x", "room": "1000"}`, "room", "unknown field"},
		{"target not a string", scheduleBody(start, end, "", `[{"target": 2001}]`), "participants.target", "must be a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := call(t, e.srv, "POST", "/api/v1/rooms/2000/schedules", tt.body)
			got := decode[Error](t, body)
			if code != 400 || got.Field != tt.field || !strings.Contains(got.Message, tt.msg) {
				t.Errorf("%d %+v, want 400 naming %s with %q", code, got, tt.field, tt.msg)
			}
		})
	}
	if list, _ := e.db.Schedules(context.Background(), ""); len(list) != 0 {
		t.Errorf("refused schedules were stored: %+v", list)
	}
	// Just past the start is fine (typed at 09:00:20 for 09:00), and so
	// are 500 participants.
	var b strings.Builder
	for i := range MaxScheduledParticipants {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"target": "#sip:p%d@192.0.2.10"}`, i)
	}
	code, body := call(t, e.srv, "POST", "/api/v1/rooms/2000/schedules", scheduleBody(now.Add(-20*time.Second), end, "", "["+b.String()+"]"))
	if code != 201 || len(decode[Schedule](t, body).Participants) != MaxScheduledParticipants {
		t.Errorf("a start 20 s ago with %d participants: %d %.200s", MaxScheduledParticipants, code, body)
	}
}

func TestSchedulesAccess(t *testing.T) {
	e := newStoreEnv(t)
	mod := "Bearer " + e.mint(t, "2000", "moderator")
	att := "Bearer " + e.mint(t, "2000", "attendee")
	other := "Bearer " + e.mint(t, "1000", "moderator")
	start := time.Now().Add(time.Hour)
	body := scheduleBody(start, start.Add(time.Hour), "", `[{"target": "2001"}]`)

	code, data := callAs(t, e.srv, att, "POST", "/api/v1/rooms/2000/schedules", body)
	if got := decode[Error](t, data); code != 403 || got.Field != "Authorization" || !strings.Contains(got.Message, "attendees may not schedule") {
		t.Errorf("attendee POST: %d %s", code, data)
	}
	code, data = callAs(t, e.srv, mod, "POST", "/api/v1/rooms/2000/schedules", body)
	if code != 201 {
		t.Fatalf("moderator POST: %d %s", code, data)
	}
	path := "/api/v1/rooms/2000/schedules/" + decode[Schedule](t, data).ID
	for _, tt := range []struct {
		name, auth, method, path, body string
		code                           int
		field                          string
	}{
		{"attendee lists", att, "GET", "/api/v1/rooms/2000/schedules", "", 200, ""},
		{"attendee gets", att, "GET", path, "", 200, ""},
		{"attendee patches", att, "PATCH", path, `{"time_zone": "UTC"}`, 403, "Authorization"},
		{"attendee deletes", att, "DELETE", path, "", 403, "Authorization"},
		{"attendee reads attendance", att, "GET", "/api/v1/rooms/2000/attendance", "", 403, "Authorization"},
		{"other room's moderator lists", other, "GET", "/api/v1/rooms/2000/schedules", "", 403, "number"},
		{"other room's moderator creates", other, "POST", "/api/v1/rooms/2000/schedules", body, 403, "number"},
		{"other room's moderator reads attendance", other, "GET", "/api/v1/rooms/2000/attendance", "", 403, "number"},
		{"moderator patches", mod, "PATCH", path, `{"time_zone": "Europe/Paris"}`, 200, ""},
		{"moderator reads attendance", mod, "GET", "/api/v1/rooms/2000/attendance", "", 200, ""},
		{"moderator deletes", mod, "DELETE", path, "", 204, ""},
		{"no token", "", "GET", "/api/v1/rooms/2000/schedules", "", 401, "Authorization"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, data := callAs(t, e.srv, tt.auth, tt.method, tt.path, tt.body)
			if code != tt.code {
				t.Fatalf("%d, want %d: %s", code, tt.code, data)
			}
			if code >= 400 {
				if got := decode[Error](t, data); got.Field != tt.field {
					t.Errorf("field %q, want %q: %s", got.Field, tt.field, data)
				}
			}
		})
	}
}

func TestSchedulesWithoutStore(t *testing.T) {
	srv := newTestServer(t, newTestBridge(t, nil))
	for _, c := range []struct{ method, path, body string }{
		{"GET", "/api/v1/rooms/1000/schedules", ""},
		{"POST", "/api/v1/rooms/1000/schedules", scheduleBody(time.Now().Add(time.Hour), time.Now().Add(2*time.Hour), "", "")},
		{"GET", "/api/v1/rooms/1000/schedules/1", ""},
		{"GET", "/api/v1/rooms/1000/attendance", ""},
	} {
		if code, body := call(t, srv, c.method, c.path, c.body); code != 503 {
			t.Errorf("%s %s without a store: %d %s", c.method, c.path, code, body)
		}
	}
}

func TestAttendance(t *testing.T) {
	e := newStoreEnv(t)
	room, err := e.bridge.Room("2000")
	if err != nil {
		t.Fatal(err)
	}
	code, body := call(t, e.srv, "GET", "/api/v1/rooms/2000/attendance", "")
	if code != 200 || strings.TrimSpace(string(body)) != "[]" {
		t.Errorf("attendance of an unvisited room: %d %s", code, body)
	}

	gone := newFakeLeg()
	p, err := room.Join(gone, bridge.JoinOptions{Name: "Alice", Via: "sip", Source: "extension", Address: "2001"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := room.Join(newFakeLeg(), bridge.JoinOptions{Name: "Bob", Via: "sip", Source: "number", Address: "+441632960123"}); err != nil {
		t.Fatal(err)
	}
	gone.Hangup("test")

	// The leave is recorded by the bridge's goroutine: wait for it.
	var visits []Visit
	deadline := time.Now().Add(2 * time.Second)
	for {
		code, body = call(t, e.srv, "GET", "/api/v1/rooms/2000/attendance", "")
		if code != 200 {
			t.Fatalf("attendance: %d %s", code, body)
		}
		visits = decode[[]Visit](t, body)
		if len(visits) == 2 && visits[0].LeftAt != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Alice's leave was not recorded: %s", body)
		}
		time.Sleep(10 * time.Millisecond)
	}
	a, b := visits[0], visits[1]
	if a.ParticipantID != p.ID || a.Name != "Alice" || a.Role != "attendee" || a.Via != "sip" || a.Source != "extension" ||
		a.Address != "2001" || a.JoinedAt.IsZero() || a.LeftAt.Before(a.JoinedAt) || a.DurationSeconds != 0 {
		t.Errorf("Alice's visit: %+v", a)
	}
	if b.Name != "Bob" || b.Source != "number" || b.Address != "+441632960123" || b.LeftAt != nil || b.DurationSeconds < 0 {
		t.Errorf("Bob's visit: %+v", b)
	}
	for _, f := range []string{`"participant_id"`, `"email"`, `"duration_seconds"`, `"left_at"`} {
		if !strings.Contains(string(body), f) {
			t.Errorf("the answer lacks %s: %s", f, body)
		}
	}
	if strings.Count(string(body), `"left_at"`) != 1 {
		t.Errorf("left_at shown for someone still in: %s", body)
	}
	if code, body := call(t, e.srv, "GET", "/api/v1/rooms/1000/attendance", ""); code != 200 || strings.TrimSpace(string(body)) != "[]" {
		t.Errorf("another room's attendance: %d %s", code, body)
	}
	if code, body := call(t, e.srv, "GET", "/api/v1/rooms/9999/attendance", ""); code != 404 || decode[Error](t, body).Field != "number" {
		t.Errorf("attendance of an unknown room: %d %s", code, body)
	}
}
