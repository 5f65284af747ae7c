package e2e

import (
	"fmt"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/zaf/g711"

	"github.com/parleyhq/parley/internal/testnats"
)

// The third talker of the three-node test, on node 3 (cascadeToneA and
// cascadeToneB are nodes 1 and 2).
const cascadeToneC = 1800.0 // Hz

// pgClusterNode is the config of node name of a cascading cluster on
// natsURL sharing the PostgreSQL database dsn: rooms 1000 and 1001
// without PIN, extension 2001 (MD5 digest, for baresip 1.0), no RTP
// timeout, its own RTP ports.
func pgClusterNode(name, natsURL, dsn, rtpPorts string) string {
	return fmt.Sprintf(`
sip:
  listen: [udp://127.0.0.1:0]
  domain: 127.0.0.1
  auth_algorithms: [MD5]
rtp:
  ports: %s
http:
  listen: 127.0.0.1:0
log:
  format: json
  level: info
media:
  rtp_timeout: 0s
admin_tokens: ["%s"]
extensions:
  - {number: "2001", name: Alice, password: secret-alice-1}
store:
  driver: postgres
  dsn: "%s"
rooms:
  - number: "1000"
    name: All hands
  - number: "1001"
    name: Node two's room
cluster:
  node: %s
  nats: [%s]
  lease_ttl: %s
  sip_routing: cascade
`, rtpPorts, adminToken, dsn, name, natsURL, clusterTTL)
}

// roomSync is how long a node takes at most to serve a room another
// node's API made (cmd/parley/roomsync.go: two reads of the store, 2 s
// apart).
const roomSync = 4 * time.Second

// longCall makes a sipp scenario wait up to 90 s (not 25 or 30) for
// Parley's BYE, for calls that must outlast a node's death.
var longCall = map[string]string{`timeout="25000"`: `timeout="90000"`, `timeout="30000"`: `timeout="90000"`}

// startLongSipp is startBgSipp for a call of up to 90 s: scenario with
// longCall and the replacements of replace.
func startLongSipp(t *testing.T, scenario string, replace map[string]string, room, target string, extra ...string) *bgSipp {
	t.Helper()
	r := map[string]string{}
	for k, v := range longCall {
		r[k] = v
	}
	for k, v := range replace {
		r[k] = v
	}
	return startBgSipp(t, scenario, r, room, target, append([]string{"-timeout", "120s"}, extra...)...)
}

// talkTone calls room at target with sipp streaming a freq Hz tone for
// seconds, from a free media port, and returns the call.
func talkTone(t *testing.T, freq float64, seconds int, room, target string) *bgSipp {
	t.Helper()
	tone := filepath.Join(t.TempDir(), fmt.Sprintf("tone%v.ulaw", freq))
	if err := os.WriteFile(tone, g711.EncodeUlaw(dialogPCM(freq, dialogAmplitude, time.Duration(seconds)*time.Second)), 0o644); err != nil {
		t.Fatal(err)
	}
	return startLongSipp(t, "rtp_stop.xml", map[string]string{"TONE_FILE": tone}, room, target,
		"-mi", "127.0.0.1", "-mp", fmt.Sprint(dialogFreePort(t)))
}

// silenced watches tone l: armed is closed once a packet of it has come
// after the call (the watch is live and the tone is heard); then, once it
// has not been heard for 300 ms, silent carries when the first packet
// without it came (to the 5 ms of the polling), or the zero time if it is
// still heard after within.
func (e *cascadeEar) silenced(l rune, within time.Duration) (armed <-chan struct{}, silent <-chan time.Time) {
	on, out := make(chan struct{}), make(chan time.Time, 1)
	packets := func() (all, tone int) {
		e.mu.Lock()
		defer e.mu.Unlock()
		return e.n, len(e.amps[l])
	}
	go func() {
		deadline := time.Now().Add(within)
		all, tone := packets()
		var heard, onset time.Time // the last packet with the tone; the first without it since
		for time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
			a, c := packets()
			switch {
			case c != tone:
				if heard.IsZero() {
					close(on)
				}
				heard, onset = time.Now(), time.Time{}
			case a != all && !heard.IsZero() && onset.IsZero():
				onset = time.Now()
			}
			all, tone = a, c
			if !onset.IsZero() && time.Since(heard) > 300*time.Millisecond {
				out <- onset
				return
			}
		}
		out <- time.Time{}
	}()
	return on, out
}

// heardAgain waits until tone l has been heard in n more packets than
// from, and returns the median amplitude of those; ok is false on a
// timeout.
func (e *cascadeEar) heardAgain(l rune, from, n int, within time.Duration) (amp float64, ok bool) {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		e.mu.Lock()
		if a := e.amps[l]; len(a) >= from+n {
			s := slices.Clone(a[from:])
			e.mu.Unlock()
			slices.Sort(s)
			return s[len(s)/2], true
		}
		e.mu.Unlock()
		time.Sleep(20 * time.Millisecond)
	}
	return 0, false
}

// joined waits until s has logged "call joined" more than before times
// and returns the participant ID of the first of those.
func (s *server) joined(t *testing.T, before int) string {
	t.Helper()
	s.waitLog(t, "call joined", before+1, 10*time.Second)
	id, _ := s.logged("call joined")[before]["participant"].(string)
	if id == "" {
		t.Fatalf("call joined on %s names no participant", s.http)
	}
	return id
}

// TestClusterThreeNodes is the issue's check of a cluster: three `parley
// serve` on 127.0.0.1 with cluster.sip_routing cascade, one real
// PostgreSQL database and one real nats-server.
//
//   - Extension 2001 (a real baresip) registers on node 1; node 2's API
//     dials it into room 1001, and it answers: room 1001 is node 2's.
//   - A listener and a talker (1, 1.4 and 1.8 kHz tones) call each node
//     for room 1000, node 1 first (the owner): every listener hears every
//     talker at its frequency and sent level (±3 dB).
//   - A mute of node 1's talker through node 3's API silences it for
//     every listener within a second (the delay is logged); unmuted, it
//     is heard again.
//   - Node 2 is killed (SIGKILL): the calls on nodes 1 and 3 stay up and
//     their listeners hear the other node's talker again at its level;
//     once node 2's lease of room 1001 has expired, a call for it to node
//     3 is taken there (the takeover time is logged).
//   - The rows made before the kill (room 2000 and a link of it, made
//     through node 2's API; the attendance of rooms 1000 and 1001) read
//     the same through node 3's API, and node 1 takes a call for room
//     2000.
func TestClusterThreeNodes(t *testing.T) {
	t.Parallel()
	start := time.Now()
	dsn := startPostgres(t)
	ns := testnats.Start(t)
	var nodes []*server
	for i := range 3 {
		lo := 55000 + 100*i
		nodes = append(nodes, startParley(t, pgClusterNode(fmt.Sprintf("n%d", i+1), ns.URL, dsn, fmt.Sprintf("%d-%d", lo, lo+98))))
	}
	for _, n := range nodes {
		n.waitLog(t, "cluster joined", 1, 5*time.Second)
	}
	n1, n2, n3 := nodes[0], nodes[1], nodes[2]
	t.Logf("PostgreSQL, NATS and 3 nodes up in %v", time.Since(start).Round(time.Millisecond))

	// (a) 2001 registers on node 1 and rings when node 2 dials it.
	alice := newPhoneAccount(t, "alice", quietWAV(t), "PCMU/8000/1", 55300,
		"<sip:2001@"+n1.sipUDP+">;auth_pass=secret-alice-1;regint=300;answermode=auto")
	alice.start(t, 120)
	n1.waitLog(t, "registration added", 1, 10*time.Second)
	aliceID := n2.dial(t, "1001", "2001", map[string]any{"role": "moderator"})
	if d := n2.waitDial(t, "1001", aliceID, 15*time.Second); d.Status != "answered" || d.Name != "Alice" {
		n2.dumpLogs(t)
		t.Fatalf("node 2 dials 2001, registered on node 1: %+v, want answered, named Alice", d)
	}
	leases := readLeases(t, ns.URL)
	leases.wait(t, "room.1001", "n2", 2*time.Second)
	// Rows made through node 2: a room and a link of it.
	made := time.Now()
	if code := n2.apiCall(t, "POST", "/api/v1/rooms", map[string]any{"number": "2000", "name": "Made on node 2"}, nil); code != http.StatusCreated {
		t.Fatalf("POST room 2000 on node 2: %d", code)
	}
	var link map[string]any
	if code := n2.apiCall(t, "POST", "/api/v1/rooms/2000/links", map[string]any{"kind": "guest", "name": "Ann Lee"}, &link); code != http.StatusCreated {
		t.Fatalf("POST a link of room 2000 on node 2: %d %v", code, link)
	}

	// (b) A listener on each node, node 1's first (the room's owner),
	// then a talker on each.
	tones := map[rune]float64{'A': cascadeToneA, 'B': cascadeToneB, 'C': cascadeToneC}
	var ears []*cascadeEar
	var calls []*bgSipp // listeners then talkers, node by node
	for i, n := range nodes {
		ear := newCascadeEar(t, tones)
		ears = append(ears, ear)
		before := len(n.logged("call joined"))
		calls = append(calls, startLongSipp(t, "pin_go_media.xml", map[string]string{"@PORT@": fmt.Sprint(ear.port())}, "1000", n.sipUDP))
		n.joined(t, before)
		if i > 0 {
			n.waitLog(t, "cascade: room linked with its owner", 1, 5*time.Second)
		}
	}
	leases.wait(t, "room.1000", "n1", 2*time.Second)
	for i, ear := range ears {
		if !ear.waitQuiet(10 * time.Second) {
			t.Fatalf("the listener on node %d still hears prompts (or nothing)", i+1)
		}
	}
	var talkerA string
	for i, label := range []rune{'A', 'B', 'C'} {
		before := len(nodes[i].logged("call joined"))
		calls = append(calls, talkTone(t, tones[label], 80, "1000", nodes[i].sipUDP))
		if id := nodes[i].joined(t, before); i == 0 {
			talkerA = id
		}
	}
	heard := func(when string, label rune, ear int, from map[rune]int) {
		t.Helper()
		amp, ok := ears[ear].heardAgain(label, from[label], 50, 10*time.Second)
		if !ok {
			for _, n := range nodes {
				n.dumpLogs(t)
			}
			t.Fatalf("%s: the listener on node %d does not hear the %v Hz talker for 1 s (%d packets of it so far)",
				when, ear+1, tones[label], ears[ear].count(label))
		}
		level := dB(amp / dialogAmplitude)
		t.Logf("%s: the %v Hz talker heard on node %d at %+.1f dB of the sent level", when, tones[label], ear+1, level)
		if math.Abs(level) > 3 {
			t.Errorf("%s: the %v Hz talker heard on node %d at %+.1f dB of the sent level, want within 3 dB", when, tones[label], ear+1, level)
		}
	}
	counts := func() []map[rune]int {
		out := make([]map[rune]int, len(ears))
		for i, e := range ears {
			out[i] = map[rune]int{'A': e.count('A'), 'B': e.count('B'), 'C': e.count('C')}
		}
		return out
	}
	zero := counts()
	for i := range ears {
		for _, label := range []rune{'A', 'B', 'C'} {
			heard("three nodes", label, i, zero[i])
		}
	}

	// (c) Node 3's API mutes node 1's talker: every listener stops
	// hearing it within a second; the others go on.
	if list := n3.participants(t, "1000"); !slices.ContainsFunc(list, func(p map[string]any) bool { return p["id"] == talkerA }) {
		t.Fatalf("node 1's talker %s is not among room 1000's participants through node 3: %v", talkerA, list)
	}
	var quiet []<-chan time.Time
	for i, ear := range ears {
		armed, last := ear.silenced('A', 10*time.Second)
		select {
		case <-armed:
		case <-time.After(2 * time.Second):
			t.Fatalf("the listener on node %d does not hear node 1's talker before the mute", i+1)
		}
		quiet = append(quiet, last)
	}
	muted := time.Now()
	var p map[string]any
	if code := n3.apiCall(t, "PATCH", "/api/v1/rooms/1000/participants/"+talkerA, map[string]any{"muted": true}, &p); code != http.StatusOK {
		t.Fatalf("mute node 1's talker through node 3: %d %v", code, p)
	}
	for i, q := range quiet {
		silent := <-q
		if silent.IsZero() {
			t.Fatalf("the listener on node %d still hears node 1's muted talker", i+1)
		}
		d := silent.Sub(muted)
		t.Logf("node 1's talker, muted through node 3, silent on node %d from %v after the request", i+1, d.Round(time.Millisecond))
		if d > time.Second {
			t.Errorf("node 1's talker, muted through node 3, heard on node %d for %v, want under 1 s", i+1, d)
		}
	}
	after := counts()
	for i := range ears {
		for _, label := range []rune{'B', 'C'} {
			if _, ok := ears[i].heardAgain(label, after[i][label], 25, 5*time.Second); !ok {
				t.Fatalf("the listener on node %d no longer hears the %v Hz talker after the mute of another", i+1, tones[label])
			}
		}
	}
	if code := n3.apiCall(t, "PATCH", "/api/v1/rooms/1000/participants/"+talkerA, map[string]any{"muted": false}, &p); code != http.StatusOK {
		t.Fatalf("unmute node 1's talker through node 3: %d %v", code, p)
	}
	after = counts()
	for i := range ears {
		heard("unmuted", 'A', i, after[i])
	}

	// What the store holds before the kill, read through node 3, which
	// serves the room node 2's API made.
	for n3.apiCall(t, "GET", "/api/v1/rooms/2000", nil, nil) != http.StatusOK {
		if time.Since(made) > 3*roomSync {
			t.Fatalf("node 3 does not serve room 2000, made on node 2, %v later", time.Since(made))
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("room 2000, made on node 2, served by node 3 (checked %v after it was made)", time.Since(made).Round(10*time.Millisecond))
	attendance := func(room string) []string {
		t.Helper()
		var rows []map[string]any
		if code := n3.apiCall(t, "GET", "/api/v1/rooms/"+room+"/attendees", nil, &rows); code != http.StatusOK {
			t.Fatalf("room %s's attendees through node 3: %d", room, code)
		}
		var out []string
		for _, r := range rows {
			out = append(out, fmt.Sprint(r["name"], "|", r["came_by"], "|", r["joined_at"]))
		}
		return out
	}
	before := map[string][]string{"1000": attendance("1000"), "1001": attendance("1001")}
	if len(before["1000"]) < 6 || len(before["1001"]) < 1 {
		t.Fatalf("attendance through node 3 before the kill: %v, want the 6 callers of room 1000 and Alice in 1001", before)
	}

	// (d) Node 2 dies: the calls on nodes 1 and 3 stay up and hear each
	// other; room 1001 goes to node 3 at its next call.
	if err := n2.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	<-n2.stopped
	_ = n2.cmd.Wait()
	after = counts()
	heard("node 2 killed", 'C', 0, after[0])
	heard("node 2 killed", 'A', 2, after[2])
	for _, i := range []int{0, 2, 3, 5} { // nodes 1 and 3's listeners and talkers
		calls[i].stillUp(t, fmt.Sprintf("call %d (node %d)", i+1, i%3+1))
	}
	gone := leases.wait(t, "room.1001", "", clusterTTL+2*time.Second)
	joinedBefore := len(n3.logged("call joined"))
	startLongSipp(t, "wait_bye.xml", nil, "1001", n3.sipUDP)
	n3.joined(t, joinedBefore)
	took := time.Now()
	leases.wait(t, "room.1001", "n3", 2*time.Second)
	t.Logf("node 2's room 1001: its lease gone %v after the SIGKILL (lease_ttl %v), a new call to node 3 taken there %v after it",
		gone.Sub(killed).Round(10*time.Millisecond), clusterTTL, took.Sub(killed).Round(10*time.Millisecond))

	// (e) Nothing durable was lost: read through node 3 again.
	for room, rows := range before {
		now := attendance(room)
		for _, r := range rows {
			if !slices.Contains(now, r) {
				t.Errorf("room %s's attendance lost %q after node 2's death: now %v", room, r, now)
			}
		}
	}
	var links []map[string]any
	if code := n3.apiCall(t, "GET", "/api/v1/rooms/2000/links", nil, &links); code != http.StatusOK ||
		!slices.ContainsFunc(links, func(l map[string]any) bool { return l["id"] == link["id"] }) {
		t.Errorf("room 2000's links through node 3 after node 2's death: %d %v, want the one node 2 made (%v)", code, links, link["id"])
	}
	var rooms []map[string]any
	if code := n3.apiCall(t, "GET", "/api/v1/rooms", nil, &rooms); code != http.StatusOK || len(rooms) != 3 {
		t.Errorf("rooms through node 3 after node 2's death: %d %v, want 1000, 1001 and 2000", code, rooms)
	}
	if out, err := runSipp(t, "call_bye.xml", "2000", n1.sipUDP); err != nil {
		t.Errorf("a call to node 1 for room 2000, made on node 2: %v\n%s", err, out)
	}
	t.Logf("the whole test: %v", time.Since(start).Round(time.Millisecond))
}
