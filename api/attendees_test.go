package api

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/store"
)

func TestAttendeesCSV(t *testing.T) {
	e := newLinkEnv(t)
	ctx := context.Background()
	room, _ := e.bridge.Room("2000")
	guest := e.link(t, `{"kind": "guest", "name": "Ada", "email": "ada@example.com", "role": "presenter"}`)
	e.link(t, `{"kind": "guest", "name": "=HYPERLINK(\"x\")", "email": "eve@example.com"}`) // invited, never came
	e.link(t, `{"kind": "guest", "name": "Texted", "phone": "+447911123456"}`)              // invited by SMS, never came
	e.link(t, `{"kind": "guest", "name": "Nobody"}`)                                        // not invited: no address
	// A phone caller, who leaves, and the guest, who stays.
	phone, err := room.Join(newFakeLeg(), bridge.JoinOptions{Name: "+441632960123", Via: "sip", Source: "number", Address: "+441632960123"})
	if err != nil {
		t.Fatal(err)
	}
	e.joinBy(t, guest, "Ada")
	time.Sleep(10 * time.Millisecond)
	phone.Hangup("done")
	deadline := time.Now().Add(5 * time.Second)
	for {
		visits, _ := e.db.Attendance(ctx, "2000")
		if len(visits) == 2 && visits[0].LeftAt != nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}

	req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/rooms/2000/attendees.csv", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" ||
		!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment;") {
		t.Fatalf("%d %v", resp.StatusCode, resp.Header)
	}
	text := string(data)
	if !strings.HasPrefix(text, "\ufeffname,role,came_by,email_or_number,joined_at,left_at,duration_seconds,loss_in_pct,loss_out_pct,jitter_ms,rtt_ms,mos\r\n") {
		t.Errorf("head %q", text[:min(len(text), 90)])
	}
	if strings.Count(text, "\n") != strings.Count(text, "\r\n") {
		t.Error("a line ends without CRLF")
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(text, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 5 {
		t.Fatalf("%d rows:\n%s", len(rows), text)
	}
	ph, ada, eve, texted := rows[1], rows[2], rows[3], rows[4]
	if ph[0] != "+441632960123" || ph[2] != "number" || ph[3] != "+441632960123" || ph[5] == "" || ph[6] == "" {
		t.Errorf("phone row %q", ph)
	}
	if _, err := time.Parse("2006-01-02 15:04:05", ph[4]); err != nil {
		t.Errorf("joined_at %q: %v", ph[4], err)
	}
	if ada[0] != "Ada" || ada[1] != "presenter" || ada[2] != "guest link" || ada[3] != "ada@example.com" || ada[5] != "" {
		t.Errorf("guest row %q", ada)
	}
	if eve[0] != `'=HYPERLINK("x")` || eve[2] != "invited (not joined)" || eve[3] != "eve@example.com" || eve[4] != "" {
		t.Errorf("invited row %q", eve)
	}
	if texted[0] != "Texted" || texted[2] != "invited (not joined)" || texted[3] != "+447911123456" {
		t.Errorf("texted row %q", texted)
	}
	// The same report as JSON, for the room page: the names as they are
	// (no apostrophe), the invitees with source "invited" and no times.
	code, body := callAs(t, e.srv, "Bearer "+testToken, "GET", "/api/v1/rooms/2000/attendees", "")
	var list []Attendee
	if code != 200 || json.Unmarshal([]byte(body), &list) != nil || len(list) != 4 {
		t.Fatalf("GET attendees: %d %s", code, body)
	}
	if a := list[0]; a.Name != "+441632960123" || a.Source != "number" || a.JoinedAt == nil || a.LeftAt == nil {
		t.Errorf("JSON phone row %+v", a)
	}
	if a := list[2]; a.Name != `=HYPERLINK("x")` || a.Source != "invited" || a.CameBy != "invited (not joined)" ||
		a.JoinedAt != nil || a.Contact != "eve@example.com" {
		t.Errorf("JSON invited row %+v", a)
	}
	att := e.mint(t, "2000", "attendee")
	for _, path := range []string{"/api/v1/rooms/2000/attendees.csv", "/api/v1/rooms/2000/attendees"} {
		if code, _ := callAs(t, e.srv, "Bearer "+att, "GET", path, ""); code != 403 {
			t.Errorf("attendee token, %s: %d", path, code)
		}
	}
}

func TestCameByAndCell(t *testing.T) {
	for in, want := range map[string]string{"=1+1": "'=1+1", "+44123": "+44123", "+cmd": "'+cmd", "-2": "'-2", "@x": "'@x", "Ada": "Ada", "": ""} {
		if got := cell(in); got != want {
			t.Errorf("cell(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestAttendeesCSVScheduled: the people a schedule calls are invitees too;
// those who never came get a row with empty joined and left, those who
// came (by the address the schedule dials) appear once, by their visit.
func TestAttendeesCSVScheduled(t *testing.T) {
	e := newLinkEnv(t)
	ctx := context.Background()
	start := time.Now().Add(time.Hour)
	for _, parts := range [][]store.ScheduledParticipant{
		{{Target: "2002", Name: "Bob", Role: "presenter"}, {Target: "+441632960123", Name: "Carol"}},
		{{Target: "2002", Name: "Bob"}, {Target: "#sip:dan@example.com"}}, // Bob again, next week
	} {
		if _, err := e.db.CreateSchedule(ctx, store.Schedule{Room: "2000", Start: start, End: start.Add(time.Hour), Participants: parts}); err != nil {
			t.Fatal(err)
		}
	}
	room, _ := e.bridge.Room("2000")
	if _, err := room.Join(newFakeLeg(), bridge.JoinOptions{Name: "Carol", Via: "sip", Source: "number", Address: "+441632960123"}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for visits, _ := e.db.Attendance(ctx, "2000"); len(visits) == 0 && time.Now().Before(deadline); visits, _ = e.db.Attendance(ctx, "2000") {
		time.Sleep(5 * time.Millisecond)
	}
	code, _, data := getText(t, e, "Bearer "+testToken, "/api/v1/rooms/2000/attendees.csv")
	if code != 200 {
		t.Fatalf("%d %s", code, data)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(data, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		attendeeColumns,
		{"Carol", "attendee", "number", "+441632960123"},
		{"Bob", "presenter", "invited (not joined)", "2002", "", "", ""},
		{"#sip:dan@example.com", "attendee", "invited (not joined)", "#sip:dan@example.com", "", "", ""},
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d:\n%s", len(rows), len(want), data)
	}
	for i, w := range want {
		if !slices.Equal(rows[i][:len(w)], w) {
			t.Errorf("row %d = %q, want %q", i, rows[i], w)
		}
	}
}
