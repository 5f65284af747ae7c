package main

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/parleyhq/parley/api"
)

func TestParseCall(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want api.ScheduledParticipant
	}{
		{"2001", api.ScheduledParticipant{Target: "2001"}},
		{"2001:moderator", api.ScheduledParticipant{Target: "2001", Role: "moderator"}},
		{" +441632960123:spectator ", api.ScheduledParticipant{Target: "+441632960123", Role: "spectator"}},
		{"#sip:bob@192.0.2.10", api.ScheduledParticipant{Target: "#sip:bob@192.0.2.10"}},
		{"#sip:bob@192.0.2.10:5060", api.ScheduledParticipant{Target: "#sip:bob@192.0.2.10:5060"}},
		{"#sip:bob@192.0.2.10:5060:presenter", api.ScheduledParticipant{Target: "#sip:bob@192.0.2.10:5060", Role: "presenter"}},
		{"sip:alice@example.com", api.ScheduledParticipant{Target: "sip:alice@example.com"}},
		{"2001:", api.ScheduledParticipant{Target: "2001:"}},
		{"2001:boss", api.ScheduledParticipant{Target: "2001:boss"}},
		{"2001:no_access", api.ScheduledParticipant{Target: "2001", Role: "no_access"}}, // the API refuses it
	} {
		if got := parseCall(tt.in); got != tt.want {
			t.Errorf("parseCall(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestParseWhen(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	base := time.Date(2030, 1, 2, 3, 4, 5, 600, time.UTC)
	for _, tt := range []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2030-03-02T09:00:00+01:00", time.Date(2030, 3, 2, 8, 0, 0, 0, time.UTC), true},
		{"2030-03-02T09:00:00Z", time.Date(2030, 3, 2, 9, 0, 0, 0, time.UTC), true},
		{"2030-03-02 09:00", time.Date(2030, 3, 2, 9, 0, 0, 0, paris), true},
		{"2030-07-02T09:00", time.Date(2030, 7, 2, 9, 0, 0, 0, paris), true},
		{"+90m", time.Date(2030, 1, 2, 4, 34, 5, 0, time.UTC), true},
		{"+0s", time.Time{}, false},
		{"+soon", time.Time{}, false},
		{"tomorrow", time.Time{}, false},
	} {
		got, err := parseWhen(tt.in, base, paris)
		if (err == nil) != tt.ok || (tt.ok && !got.Equal(tt.want)) {
			t.Errorf("parseWhen(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestScheduleCommands(t *testing.T) {
	url, _ := newStoreAPIServer(t)
	t.Setenv("PARLEY_API", url)
	t.Setenv("PARLEY_TOKEN", cliToken)

	cliCase{args: []string{"schedules", "1000"}, stdout: []string{"room 1000: no scheduled conferences"}}.run(t)
	var nt api.NewToken
	if err := json.Unmarshal([]byte(cliCase{args: []string{"token", "1000", "--role", "attendee", "--json"}}.run(t)), &nt); err != nil {
		t.Fatal(err)
	}

	for _, tt := range []cliCase{
		{name: "schedule", args: []string{"schedule", "1000", "--start", "+1h", "--end", "+30m", "--tz", "Europe/London",
			"--call", "2001:moderator", "--call", "#sip:bob@192.0.2.10:5060", "--call", "+441632960123:spectator"}, code: 0,
			stdout: []string{"conference 1 scheduled in room 1000", "(Europe/London)", "status:", "scheduled", "calls:", "3",
				"2001", "moderator", "#sip:bob@192.0.2.10:5060", "attendee", "+441632960123", "spectator"}},
		{name: "bad target", args: []string{"schedule", "1000", "--start", "+1h", "--end", "+1h", "--call", "2001", "--call", "#sip:@"},
			code: 1, stderr: []string{"400 Bad Request", "participants[1].target", "(field participants[1].target)"}},
		{name: "no_access", args: []string{"schedule", "1000", "--start", "+1h", "--end", "+1h", "--call", "2001:no_access"},
			code: 1, stderr: []string{"(field participants[0].role)"}},
		{name: "end before start", args: []string{"schedule", "1000", "--start", "2099-01-01 10:00", "--end", "2099-01-01 09:00"},
			code: 1, stderr: []string{"must be after start", "(field end)"}},
		{name: "start in the past", args: []string{"schedule", "1000", "--start", "2001-01-01T09:00:00Z", "--end", "+1h"},
			code: 1, stderr: []string{"in the past", "(field start)"}},
		{name: "unknown room", args: []string{"schedule", "9999", "--start", "+1h", "--end", "+1h"}, code: 1,
			stderr: []string{"404 Not Found", "(field number)"}},
		{name: "attendee may not schedule", args: []string{"schedule", "1000", "--start", "+1h", "--end", "+1h", "--token", nt.Token},
			code: 1, stderr: []string{"403 Forbidden", "attendees may not schedule conferences", "(field Authorization)"}},
		{name: "no end", args: []string{"schedule", "1000", "--start", "+1h"}, code: 2, stderr: []string{"usage: parley schedule ROOM"}},
		{name: "no room", args: []string{"schedule", "--start", "+1h", "--end", "+1h"}, code: 2, stderr: []string{"usage: parley schedule ROOM"}},
		{name: "bad start", args: []string{"schedule", "1000", "--start", "tomorrow", "--end", "+1h"}, code: 2,
			stderr: []string{"--start", "RFC 3339"}},
		{name: "bad tz", args: []string{"schedule", "1000", "--start", "+1h", "--end", "+1h", "--tz", "Atlantis/Capital"}, code: 2,
			stderr: []string{"--tz", "IANA"}},
		{name: "list", args: []string{"schedules", "1000"}, code: 0,
			stdout: []string{"ID", "START", "END", "ZONE", "CALLS", "STATUS", "Europe/London", "3", "scheduled"}},
		{name: "attendee lists", args: []string{"schedules", "1000", "--token", nt.Token}, code: 0, stdout: []string{"Europe/London"}},
		{name: "list unknown room", args: []string{"schedules", "9999"}, code: 1, stderr: []string{"404", "(field number)"}},
		{name: "list usage", args: []string{"schedules"}, code: 2, stderr: []string{"usage: parley schedules ROOM"}},
		{name: "help lists them", args: []string{"help"}, code: 0, stdout: []string{"parley schedule ROOM --start T", "parley schedules ROOM"}},
	} {
		t.Run(tt.name, func(t *testing.T) { tt.run(t) })
	}

	t.Run("json", func(t *testing.T) {
		out := cliCase{args: []string{"schedule", "1000", "--json", "--start", "2099-03-02 09:00", "--end", "2099-03-02T10:30",
			"--tz", "Europe/Paris", "--call", "2002:presenter"}}.run(t)
		var sc api.Schedule
		if err := json.Unmarshal([]byte(out), &sc); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		if got := sc.Start.Format(time.RFC3339); got != "2099-03-02T09:00:00+01:00" || sc.End.Format(time.RFC3339) != "2099-03-02T10:30:00+01:00" ||
			sc.TimeZone != "Europe/Paris" || len(sc.Participants) != 1 || sc.Participants[0].Role != "presenter" {
			t.Errorf("schedule --json: %+v", sc)
		}
		out = cliCase{args: []string{"schedules", "1000", "--json"}}.run(t)
		var list []api.Schedule
		if err := json.Unmarshal([]byte(out), &list); err != nil || len(list) != 2 || list[1].ID != sc.ID || len(list[0].Participants) != 3 {
			t.Errorf("schedules --json: %s, %v", out, err)
		}
	})
}
