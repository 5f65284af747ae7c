package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/testnats"
)

// TestClusterScheduleRunsOnOwner: two `parley serve` nodes share a real
// nats-server and PostgreSQL; a caller on node 2 makes room 1000 node
// 2's. A conference scheduled for the room through node 1 starts on node
// 2 only (the call out, a sipp callee, is dialled once, from node 2, and
// answers into the room node 2 serves), and at its end node 2 says
// goodbye and hangs up its caller; node 1 neither starts nor ends it.
func TestClusterScheduleRunsOnOwner(t *testing.T) {
	t.Parallel()
	dsn := startPostgres(t)
	ns := testnats.Start(t)
	node := func(name, ports string) *server {
		return startParley(t, strings.Replace(drainNode(name, ns.URL, dsn, ports), "grace: 15s", "grace: 5s", 1))
	}
	n1, n2 := node("n1", "52900-52998"), node("n2", "53000-53098")
	n1.waitLog(t, "cluster joined", 1, 5*time.Second)
	n2.waitLog(t, "cluster joined", 1, 5*time.Second)

	caller := startBgSipp(t, "wait_bye.xml", nil, "1000", n2.sipUDP, "-mp", fmt.Sprint(dialogFreePort(t)))
	n2.waitLog(t, "call joined", 1, 10*time.Second)
	readLeases(t, ns.URL).wait(t, "room.1000", "n2", 2*time.Second)

	callee := startUAS(t, "uas_answer.xml", map[string]string{"RURI": `alice@127\.0\.0\.1:UAS_PORT`, "HOLD": "3000"}, 30*time.Second)
	start := time.Now().Add(3 * time.Second).Truncate(time.Second)
	end := start.Add(5 * time.Second)
	body := map[string]any{"start": start.Format(time.RFC3339), "end": end.Format(time.RFC3339), "time_zone": "UTC",
		"participants": []map[string]any{{"target": fmt.Sprintf("#sip:alice@127.0.0.1:%d", callee.port), "role": "attendee"}}}
	var created map[string]any
	if code := n1.apiCall(t, "POST", "/api/v1/rooms/1000/schedules", body, &created); code != http.StatusCreated {
		t.Fatalf("POST schedule through node 1: %d %v", code, created)
	}
	n2.waitLog(t, "scheduled conference starting", 1, 10*time.Second)
	n2.waitLog(t, "dial answered", 1, 10*time.Second)
	if err := callee.wait(t); err != nil {
		callee.dump(t)
		t.Errorf("the scheduled callee: %v", err)
	}
	n2.waitLog(t, "scheduled conference ending", 1, 10*time.Second)
	if err := caller.wait(t, 10*time.Second); err != nil {
		t.Errorf("node 2's caller at the scheduled end: want its BYE: %v\n%s", err, caller.out.String())
	}
	for _, msg := range []string{"scheduled conference starting", "dial answered", "scheduled conference ending"} {
		if r := n1.logged(msg); len(r) != 0 {
			t.Errorf("node 1, which does not hold the room, logged %q: %v", msg, r)
		}
	}
	var schedules []map[string]any
	if code := n1.apiCall(t, "GET", "/api/v1/rooms/1000/schedules", nil, &schedules); code != http.StatusOK || len(schedules) != 1 ||
		schedules[0]["started_at"] == nil || schedules[0]["ended_at"] == nil {
		t.Errorf("the schedule through node 1: %d %v, want started and ended", code, schedules)
	}
}
