package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/testnats"
)

// TestClusterPostgresDown: two cascading nodes share one PostgreSQL
// database and one nats-server; extension 2001 (a real baresip) registers
// on node 1; a talker (1 kHz) and a listener are in room 1000 on node 1.
// PostgreSQL crashes (pg_ctl stop -m immediate):
//
//   - the listener still hears the talker, both calls stay up;
//   - API reads and writes on either node fail at once with 503, a
//     Retry-After and a message naming the database; no node exits;
//   - a new call for room 1000 to either node joins it (rooms are in
//     memory), and node 2's API dials 2001 into it (the dial goes to the
//     room's owner, node 1, whose registrar holds the binding).
//
// PostgreSQL comes back (the same data, recovered): without a restart of
// either node, API writes succeed on both, a new call is recorded in the
// attendance, and node 2 rings 2001 (its binding read from the database)
// into a room of its own. Then node 1 is restarted (SIGTERM, started
// again) and still rings 2001, registered on it before the restart.
func TestClusterPostgresDown(t *testing.T) {
	t.Parallel()
	pg, dsn := startPostgresServer(t)
	ns := testnats.Start(t)
	cfg := []string{
		pgClusterNode("n1", ns.URL, dsn, "55400-55498"),
		pgClusterNode("n2", ns.URL, dsn, "55500-55598"),
	}
	n1, n2 := startParley(t, cfg[0]), startParley(t, cfg[1])
	for _, n := range []*server{n1, n2} {
		n.waitLog(t, "cluster joined", 1, 5*time.Second)
	}
	alice := newPhoneAccount(t, "alice", quietWAV(t), "PCMU/8000/1", 55600,
		"<sip:2001@"+n1.sipUDP+">;auth_pass=secret-alice-1;regint=300;answermode=auto")
	alice.start(t, 120)
	n1.waitLog(t, "registration added", 1, 10*time.Second)

	ear := newCascadeEar(t, map[rune]float64{'A': cascadeToneA})
	listener := startLongSipp(t, "pin_go_media.xml", map[string]string{"@PORT@": fmt.Sprint(ear.port())}, "1000", n1.sipUDP)
	n1.joined(t, 0)
	talker := talkTone(t, cascadeToneA, 80, "1000", n1.sipUDP)
	n1.joined(t, 1)
	if _, ok := ear.heardAgain('A', 0, 50, 10*time.Second); !ok {
		t.Fatal("the listener on node 1 never heard the talker")
	}
	attendance := func(n *server) int {
		t.Helper()
		var rows []map[string]any
		if code := n.apiCall(t, "GET", "/api/v1/rooms/1000/attendees", nil, &rows); code != http.StatusOK {
			t.Fatalf("room 1000's attendees through %s: %d", n.http, code)
		}
		return len(rows)
	}
	visits := attendance(n2)

	// PostgreSQL crashes.
	if err := pg.Crash(); err != nil {
		t.Fatal(err)
	}
	down := time.Now()
	if _, ok := ear.heardAgain('A', ear.count('A'), 50, 5*time.Second); !ok {
		t.Fatal("the listener no longer hears the talker with PostgreSQL down")
	}
	for _, r := range []struct {
		n            *server
		method, path string
		body         string
	}{
		{n1, "POST", "/api/v1/rooms", `{"number": "2000", "name": "Made while down"}`},
		{n2, "POST", "/api/v1/rooms/1001/links", `{"kind": "guest", "name": "Ann Lee"}`},
		{n2, "GET", "/api/v1/rooms/1000/attendees", ""},
		{n1, "GET", "/api/v1/rooms/1001/links", ""},
	} {
		took := time.Now()
		code, h, body := r.n.apiRaw(t, r.method, r.path, "application/json", []byte(r.body))
		d := time.Since(took)
		var e struct{ Error string }
		_ = json.Unmarshal(body, &e)
		t.Logf("%s %s with PostgreSQL down: %d (Retry-After %q) %q in %v", r.method, r.path, code, h.Get("Retry-After"), e.Error, d.Round(time.Millisecond))
		if code != http.StatusServiceUnavailable || h.Get("Retry-After") == "" || !strings.Contains(e.Error, "database") {
			t.Errorf("%s %s with PostgreSQL down: %d (Retry-After %q) %s, want 503 with Retry-After naming the database",
				r.method, r.path, code, h.Get("Retry-After"), body)
		}
		if d > 2*time.Second {
			t.Errorf("%s %s with PostgreSQL down took %v, want it to fail at once", r.method, r.path, d)
		}
	}
	code, body := n1.readyz(t)
	t.Logf("/readyz with PostgreSQL down: %d %s", code, body)
	for i, n := range []*server{n1, n2} {
		before := len(n.logged("call joined"))
		took := time.Now()
		startLongSipp(t, "wait_bye.xml", nil, "1000", n.sipUDP)
		n.joined(t, before)
		t.Logf("a new call for room 1000 to node %d with PostgreSQL down joined in %v", i+1, time.Since(took).Round(time.Millisecond))
	}
	id := n2.dial(t, "1000", "2001", nil)
	if d := n2.waitDial(t, "1000", id, 15*time.Second); d.Status != "answered" {
		t.Errorf("node 2 dials 2001 into node 1's room with PostgreSQL down: %+v, want answered", d)
	}
	n2.apiCall(t, "DELETE", "/api/v1/rooms/1000/participants/"+id, nil, nil)
	listener.stillUp(t, "the listener")
	talker.stillUp(t, "the talker")
	if _, ok := ear.heardAgain('A', ear.count('A'), 25, 5*time.Second); !ok {
		t.Fatal("the listener no longer hears the talker with PostgreSQL down")
	}

	// PostgreSQL is back: everything works again without a restart.
	if err := pg.Resume(); err != nil {
		t.Fatal(err)
	}
	t.Logf("PostgreSQL back %v after it crashed", time.Since(down).Round(time.Millisecond))
	for i, n := range []*server{n1, n2} {
		number := fmt.Sprint(2000 + 2*i)
		if code := n.apiCall(t, "POST", "/api/v1/rooms", map[string]any{"number": number, "name": "Made when back"}, nil); code != http.StatusCreated {
			t.Errorf("POST room %s on node %d with PostgreSQL back: %d, want 201", number, i+1, code)
		}
	}
	before := len(n2.logged("call joined"))
	startLongSipp(t, "wait_bye.xml", nil, "1000", n2.sipUDP)
	n2.joined(t, before)
	deadline := time.Now().Add(5 * time.Second)
	for attendance(n1) <= visits {
		if time.Now().After(deadline) {
			t.Fatalf("a call made with PostgreSQL back is not in room 1000's attendance: %d rows, %d before the crash", attendance(n1), visits)
		}
		time.Sleep(100 * time.Millisecond)
	}
	id = n2.dial(t, "1001", "2001", nil)
	if d := n2.waitDial(t, "1001", id, 15*time.Second); d.Status != "answered" {
		t.Errorf("node 2 dials 2001 (registered on node 1) with PostgreSQL back: %+v, want answered", d)
	}
	if code := n2.apiCall(t, "DELETE", "/api/v1/rooms/1001/participants/"+id, nil, nil); code != http.StatusNoContent && code != http.StatusOK {
		t.Fatalf("hang up 2001 in room 1001: %d", code)
	}
	n2.waitLog(t, "cluster: room released", 1, 5*time.Second)

	// Node 1 restarts: 2001, registered on it before, still rings.
	if err := n1.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := n1.waitExit(t, 10*time.Second); err != nil {
		t.Fatalf("node 1 exited with %v", err)
	}
	n1 = startParley(t, cfg[0])
	n1.waitLog(t, "cluster joined", 1, 5*time.Second)
	id = n1.dial(t, "1001", "2001", nil)
	if d := n1.waitDial(t, "1001", id, 15*time.Second); d.Status != "answered" {
		n1.dumpLogs(t)
		t.Errorf("restarted node 1 dials 2001, registered on it before: %+v, want answered", d)
	}
}
