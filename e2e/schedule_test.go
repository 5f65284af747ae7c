package e2e

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestScheduleCallsParticipantsOut: a schedule starting in 5 seconds calls
// its two participants (sipp callees) out with their roles.
func TestScheduleCallsParticipantsOut(t *testing.T) {
	t.Parallel()
	srv := startParley(t, dialConfig)
	a := startUAS(t, "uas_answer.xml", map[string]string{"RURI": `alice@127\.0\.0\.1:UAS_PORT`, "HOLD": "4000"}, 30*time.Second)
	b := startUAS(t, "uas_answer.xml", map[string]string{"RURI": `bob@127\.0\.0\.1:UAS_PORT`, "HOLD": "4000"}, 30*time.Second)
	start := time.Now().Add(5 * time.Second).Truncate(time.Second)
	body := map[string]any{
		"start": start.Format(time.RFC3339), "end": start.Add(time.Hour).Format(time.RFC3339), "time_zone": "Europe/London",
		"participants": []map[string]any{
			{"target": fmt.Sprintf("#sip:alice@127.0.0.1:%d", a.port), "role": "moderator"},
			{"target": fmt.Sprintf("#sip:bob@127.0.0.1:%d", b.port), "role": "spectator"},
		},
	}
	var created map[string]any
	if code := srv.apiCall(t, "POST", "/api/v1/rooms/1000/schedules", body, &created); code != http.StatusCreated {
		t.Fatalf("POST schedule: %d %v", code, created)
	}
	srv.waitLog(t, "dial answered", 2, 20*time.Second)
	started := srv.logTime(t, "scheduled conference starting", "room", "1000")
	if d := started.Sub(start); d < 0 || d > 2*time.Second {
		t.Errorf("the conference started %v after its start time, want within 2 s", d)
	}
	roles := map[string]string{}
	var list []struct{ Name, Role string }
	srv.apiCall(t, "GET", "/api/v1/rooms/1000/participants", nil, &list)
	for _, p := range list {
		roles[p.Name] = p.Role
	}
	if !strings.Contains(fmt.Sprint(roles), "moderator") || !strings.Contains(fmt.Sprint(roles), "spectator") {
		t.Errorf("participants %v, want one moderator and one spectator", roles)
	}
	for _, u := range []*sippUAS{a, b} {
		if err := u.wait(t); err != nil {
			u.dump(t)
			t.Errorf("callee %s: %v", u.scenario, err)
		}
	}
	// Once started, the participant list cannot change.
	var e map[string]any
	id := fmt.Sprint(created["id"])
	if code := srv.apiCall(t, "PATCH", "/api/v1/rooms/1000/schedules/"+id, map[string]any{"participants": []map[string]any{{"target": "2001"}}}, &e); code != http.StatusConflict {
		t.Errorf("editing the participants of a started conference: %d %v, want 409", code, e)
	}
}

// TestRestartKeepsState: rooms, schedules and attendance records survive
// the process being killed (SIGKILL) and started again on the same store.
func TestRestartKeepsState(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "parley.db")
	config := dialConfig + "store:\n  path: " + dbPath + "\n"
	srv := startParley(t, config)

	room := map[string]any{"number": "2000", "name": "Made by the API", "quota": 5, "capacity": 10, "guest_wait": "45s"}
	if code := srv.apiCall(t, "POST", "/api/v1/rooms", room, nil); code != http.StatusCreated {
		t.Fatalf("POST room: %d", code)
	}
	start := time.Now().Add(time.Hour).Truncate(time.Second)
	sched := map[string]any{"start": start.Format(time.RFC3339), "end": start.Add(time.Hour).Format(time.RFC3339),
		"time_zone": "UTC", "participants": []map[string]any{{"target": "2001", "role": "moderator"}}}
	if code := srv.apiCall(t, "POST", "/api/v1/rooms/2000/schedules", sched, nil); code != http.StatusCreated {
		t.Fatalf("POST schedule: %d", code)
	}
	wav := toneFile(t, "tone.wav", 8000, 440, 0.25, 10)
	caller := newPhone(t, "visitor", wav, "PCMU/8000/1", 41500)
	caller.dial(t, "sip:2000@"+srv.sipUDP, 3)
	caller.wait(t)
	srv.waitLog(t, "participant left", 1, 10*time.Second)

	if err := srv.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-srv.stopped
	_ = srv.cmd.Wait()
	if _, err := os.Stat(dbPath); err != nil {
		t.Fatal(err)
	}

	again := startParley(t, config)
	var got map[string]any
	if code := again.apiCall(t, "GET", "/api/v1/rooms/2000", nil, &got); code != http.StatusOK || got["name"] != "Made by the API" {
		t.Fatalf("room 2000 after the restart: %d %v", code, got)
	}
	var schedules []map[string]any
	if code := again.apiCall(t, "GET", "/api/v1/rooms/2000/schedules", nil, &schedules); code != http.StatusOK || len(schedules) != 1 {
		t.Errorf("schedules after the restart: %d %v, want 1", code, schedules)
	}
	var visits []map[string]any
	if code := again.apiCall(t, "GET", "/api/v1/rooms/2000/attendance", nil, &visits); code != http.StatusOK || len(visits) != 1 {
		t.Fatalf("attendance after the restart: %d %v, want 1 visit", code, visits)
	}
	if visits[0]["name"] != "visitor" || visits[0]["left_at"] == nil {
		t.Errorf("the visit %v, want visitor with a leave time", visits[0])
	}
}
