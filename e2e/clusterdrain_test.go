package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zaf/g711"

	"github.com/parleyhq/parley/internal/testnats"
)

// drainNode is the config of node name of a cluster on natsURL sharing
// the PostgreSQL database dsn: three rooms without PIN, no RTP timeout
// (most calls send no media), its own RTP ports, and a drain through the
// cluster (cluster.drain, by default) of up to 15 s on SIGTERM.
func drainNode(name, natsURL, dsn, rtpPorts string) string {
	return fmt.Sprintf(`
sip:
  listen: [udp://127.0.0.1:0]
  domain: 127.0.0.1
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
store:
  driver: postgres
  dsn: "%s"
rooms:
  - number: "1000"
    name: Kept up
  - number: "1001"
    name: Drained
  - number: "1002"
    name: New while draining
cluster:
  node: %s
  nats: [%s]
  lease_ttl: %s
shutdown:
  grace: 15s
`, rtpPorts, adminToken, dsn, name, natsURL, clusterTTL)
}

// silences counts the runs of at least 100 ms without any of the peer's
// tones begun after since, and returns the longest.
func (p *rtpPeer) silences(since time.Time) (n int, longest time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, r := range p.runs {
		if r.first.After(since) && r.label == '.' && r.packets >= 5 {
			n++
			longest = max(longest, r.last.Sub(r.first)+20*time.Millisecond)
		}
	}
	return n, longest
}

// lastPacketAge is how long ago the peer's last packet came.
func (p *rtpPeer) lastPacketAge() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.runs) == 0 {
		return time.Hour
	}
	return time.Since(p.runs[len(p.runs)-1].last)
}

// stillUp fails the test if the sipp call has ended: the bridge hung it
// up (a BYE) or its dialog failed.
func (p *bgSipp) stillUp(t *testing.T, what string) {
	t.Helper()
	select {
	case err := <-p.done:
		p.done <- err
		t.Fatalf("%s ended (%v):\n%s", what, err, p.out.String())
	default:
	}
}

// TestClusterRollingRestart: three `parley serve` nodes share a real
// nats-server and a real PostgreSQL. A talker (a 1 kHz tone) and a
// listener are in room 1000 on node 1; a call is in room 1001 on node 3.
// Node 2, without calls, gets SIGTERM, drains at once, exits and starts
// again. Node 3 is drained with `parley drain --wait` (through the
// cluster, cluster.drain's default): /readyz says
// 503; a call to it for room 1002, which nobody holds, gets 302 to node 1
// or node 2; a new caller for its own room 1001 is taken there; the
// room's callers hang up (kicked through node 1's API, which forwards to
// node 3), node 3 frees the room's lease, parley drain returns, and node
// 3 stops at once on SIGTERM and starts again; node 1 then takes the next call for room 1001. Throughout, the
// calls on node 1 stay up and the listener hears the talker after each
// restart (the silences this machine's load makes are logged); the room, link and attendance rows made before are all there
// through the restarted nodes' APIs.
func TestClusterRollingRestart(t *testing.T) {
	t.Parallel()
	start := time.Now()
	dsn := startPostgres(t)
	ns := testnats.Start(t)
	cfg := map[string]string{
		"n1": drainNode("n1", ns.URL, dsn, "52600-52698"),
		"n2": drainNode("n2", ns.URL, dsn, "52700-52798"),
		"n3": drainNode("n3", ns.URL, dsn, "52800-52898"),
	}
	n1, n2, n3 := startParley(t, cfg["n1"]), startParley(t, cfg["n2"]), startParley(t, cfg["n3"])
	for _, n := range []*server{n1, n2, n3} {
		n.waitLog(t, "cluster joined", 1, 5*time.Second)
	}
	t.Logf("3 nodes, PostgreSQL and NATS up after %v", time.Since(start).Round(time.Millisecond))

	// Durable rows made through node 2: a room and its link.
	if code := n2.apiCall(t, "POST", "/api/v1/rooms", map[string]any{"number": "2000", "name": "Made before"}, nil); code != http.StatusCreated {
		t.Fatalf("POST room 2000 on node 2: %d", code)
	}
	if code := n2.apiCall(t, "POST", "/api/v1/rooms/2000/links", map[string]any{"kind": "guest", "name": "Ann Lee"}, nil); code != http.StatusCreated {
		t.Fatalf("POST a link of room 2000 on node 2: %d", code)
	}

	// Room 1000 on node 1: a talker and a listener who hears it.
	tone := filepath.Join(t.TempDir(), "tone1k.ulaw")
	if err := os.WriteFile(tone, g711.EncodeUlaw(dialogPCM(dialogSippTone, dialogAmplitude, 30*time.Second)), 0o644); err != nil {
		t.Fatal(err)
	}
	talker := startBgSipp(t, "rtp_stop.xml", map[string]string{"TONE_FILE": tone}, "1000", n1.sipUDP,
		"-mi", "127.0.0.1", "-mp", fmt.Sprint(dialogFreePort(t)))
	n1.waitLog(t, "call joined", 1, 10*time.Second)
	ear := newRTPPeer(t, map[rune]float64{'T': dialogSippTone})
	listener := startBgSipp(t, "pin_go_media.xml", map[string]string{"@PORT@": fmt.Sprint(ear.port())}, "1000", n1.sipUDP)
	n1.waitLog(t, "call joined", 2, 10*time.Second)
	if !ear.waitRun('T', 25, 10*time.Second) {
		t.Fatalf("the listener never heard the talker: %q", ear.heard())
	}
	heard := time.Now()
	// Room 1001 on node 3: one caller.
	held := startBgSipp(t, "wait_bye.xml", nil, "1001", n3.sipUDP, "-mp", fmt.Sprint(dialogFreePort(t)))
	n3.waitLog(t, "call joined", 1, 10*time.Second)
	leases := readLeases(t, ns.URL)
	leases.wait(t, "room.1001", "n3", 2*time.Second)
	up := func(when string) {
		t.Helper()
		talker.stillUp(t, "node 1's talker "+when)
		listener.stillUp(t, "node 1's listener "+when)
		if age := ear.lastPacketAge(); age > 2*time.Second {
			t.Fatalf("%s the listener on node 1 gets no media: last packet %v ago", when, age)
		}
		if !ear.waitRun('T', 25, 5*time.Second) {
			t.Fatalf("%s the listener on node 1 no longer hears the talker: %q", when, ear.heard())
		}
		n, longest := ear.silences(heard)
		t.Logf("%s the listener on node 1 hears the talker (%d silences of 100 ms or more so far, the longest %v)", when, n, longest)
	}

	// Node 2 drains (nothing to wait for), stops and starts again.
	restart2 := time.Now()
	if err := n2.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := n2.waitExit(t, 10*time.Second); err != nil {
		t.Fatalf("node 2 exited with %v", err)
	}
	if r := n2.logged("drain over"); len(r) != 1 || r[0]["reason"] != "calls ended" {
		t.Errorf("node 2's drain: %v, want it over as it had no calls", r)
	}
	n2 = startParley(t, cfg["n2"])
	n2.waitLog(t, "cluster joined", 1, 5*time.Second)
	t.Logf("node 2 drained, stopped and rejoined in %v", time.Since(restart2).Round(time.Millisecond))
	up("after node 2's restart")
	held.stillUp(t, "node 3's call after node 2's restart")

	// Node 3 drains (`parley drain --wait`, which returns once its calls
	// ended): it sends a new room elsewhere, keeps its own.
	restart3 := time.Now()
	var drainOut bytes.Buffer
	drainCLI := exec.Command(parleyBin, "drain", "--api", "http://"+n3.http, "--token", adminToken, "--wait", "--timeout", "20s")
	drainCLI.Stdout, drainCLI.Stderr = &drainOut, &drainOut
	if err := drainCLI.Start(); err != nil {
		t.Fatal(err)
	}
	drained := make(chan error, 1)
	go func() { drained <- drainCLI.Wait() }()
	t.Cleanup(func() { _ = drainCLI.Process.Kill(); drained <- <-drained })
	n3.waitLog(t, "cluster: draining: new rooms go to the other nodes", 1, 5*time.Second)
	if code, body := n3.readyz(t); code != http.StatusServiceUnavailable {
		t.Errorf("node 3's /readyz while draining: %d %s, want 503", code, body)
	}
	elsewhere := "sip:1002@(" + regexp.QuoteMeta(n1.sipUDP) + "|" + regexp.QuoteMeta(n2.sipUDP) + ")"
	if out, err := runSippWith(t, "redirected.xml", map[string]string{"CONTACT": elsewhere}, "1002", n3.sipUDP); err != nil {
		n3.dumpLogs(t)
		t.Fatalf("a call for a new room to draining node 3: want 302 to node 1 or 2: %v\n%s", err, out)
	}
	if _, ok, _ := leaseHolder(t, leases, "room.1002"); ok {
		t.Error("draining node 3 leased the new room 1002")
	}
	late := startBgSipp(t, "wait_bye.xml", nil, "1001", n3.sipUDP, "-mp", fmt.Sprint(dialogFreePort(t)))
	n3.waitLog(t, "call joined", 2, 10*time.Second)
	contact := "sip:1001@" + regexp.QuoteMeta(n3.sipUDP)
	if out, err := runSippWith(t, "redirected.xml", map[string]string{"CONTACT": contact}, "1001", n1.sipUDP); err != nil {
		t.Fatalf("a call to node 1 for draining node 3's room: want 302 to node 3: %v\n%s", err, out)
	}

	// Room 1001's callers hang up (kicked through node 1): node 3 frees
	// its lease and exits by itself.
	list := n1.participants(t, "1001")
	if len(list) != 2 {
		t.Fatalf("room 1001 through node 1: %v, want node 3's two callers", list)
	}
	for _, p := range list {
		if code := n1.apiCall(t, "DELETE", "/api/v1/rooms/1001/participants/"+p["id"].(string), nil, nil); code != http.StatusNoContent && code != http.StatusOK {
			t.Fatalf("kick %v through node 1: %d", p["id"], code)
		}
	}
	for _, c := range []*bgSipp{held, late} {
		if err := c.wait(t, 10*time.Second); err != nil {
			t.Fatalf("a caller of node 3's room did not get its BYE: %v\n%s", err, c.out.String())
		}
	}
	select {
	case err := <-drained:
		drained <- err
		if err != nil || !strings.Contains(drainOut.String(), "through the cluster") {
			t.Fatalf("parley drain --wait: %v\n%s", err, drainOut.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("parley drain --wait still waits 10 s after node 3's calls ended:\n%s", drainOut.String())
	}
	if err := n3.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := n3.waitExit(t, 10*time.Second); err != nil {
		t.Fatalf("node 3 exited with %v", err)
	}
	if r := n3.logged("drain over"); len(r) != 1 || r[0]["reason"] != "calls ended" {
		t.Errorf("node 3's drain at SIGTERM: %v, want it over at once (its calls ended)", r)
	}
	if r := n3.logged("cluster: room released"); len(r) == 0 || r[0]["room"] != "1001" {
		t.Errorf("node 3 did not release room 1001 as it emptied: %v", r)
	}
	leases.wait(t, "room.1001", "", time.Second)
	n3 = startParley(t, cfg["n3"])
	n3.waitLog(t, "cluster joined", 1, 5*time.Second)
	t.Logf("node 3 drained (its room emptied), stopped and rejoined in %v", time.Since(restart3).Round(time.Millisecond))
	up("after node 3's restart")

	// The room node 3 held is free: node 1 takes its next call.
	if out, err := runSipp(t, "call_bye.xml", "1001", n1.sipUDP); err != nil {
		t.Fatalf("a call to node 1 for the room node 3 gave up: %v\n%s", err, out)
	}

	// Nothing durable was lost: read through the restarted nodes.
	var room map[string]any
	if code := n3.apiCall(t, "GET", "/api/v1/rooms/2000", nil, &room); code != http.StatusOK || room["name"] != "Made before" {
		t.Errorf("room 2000 through node 3: %d %v", code, room)
	}
	var links []map[string]any
	if code := n2.apiCall(t, "GET", "/api/v1/rooms/2000/links", nil, &links); code != http.StatusOK || len(links) != 1 {
		t.Errorf("room 2000's links through node 2: %d %v, want the one made", code, links)
	}
	var att []map[string]any
	if code := n2.apiCall(t, "GET", "/api/v1/rooms/1001/attendees", nil, &att); code != http.StatusOK || len(att) < 3 {
		t.Errorf("room 1001's attendance through node 2: %d %v, want node 3's two visits and node 1's", code, att)
	}
	if code := n3.apiCall(t, "GET", "/api/v1/rooms/1000/attendees", nil, &att); code != http.StatusOK || len(att) != 2 {
		t.Errorf("room 1000's attendance through node 3: %d %v, want the two callers still in", code, att)
	}

	// Node 1's callers were up through both restarts: hang them up now.
	up("at the end")
	for _, p := range n3.participants(t, "1000") {
		if code := n3.apiCall(t, "DELETE", "/api/v1/rooms/1000/participants/"+p["id"].(string), nil, nil); code != http.StatusNoContent && code != http.StatusOK {
			t.Fatalf("kick %v through node 3: %d", p["id"], code)
		}
	}
	for _, c := range []*bgSipp{talker, listener} {
		if err := c.wait(t, 10*time.Second); err != nil {
			t.Fatalf("node 1's caller did not get its BYE: %v\n%s", err, c.out.String())
		}
	}
	t.Logf("rolling restart of nodes 2 and 3 with calls up on node 1 over %v, the whole test %v",
		time.Since(heard).Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
}

// leaseHolder is the node that holds key's lease, if any.
func leaseHolder(t *testing.T, l *leases, key string) (string, bool, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	owner, err := l.owner(ctx, key)
	return owner, owner != "", err
}
