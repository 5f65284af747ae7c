package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/zaf/g711"

	"github.com/parleyhq/parley/internal/testnats"
)

// clusterTTL is the nodes' lease_ttl: the shortest the config takes, so
// that a dead node's rooms free quickly.
const clusterTTL = time.Second

// clusterNode is the config of node name of a cluster on natsURL: two
// rooms without PIN, no RTP timeout (the calls send no media), its own
// store (startParley's directory) and RTP ports.
func clusterNode(name, natsURL, rtpPorts string) string {
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
rooms:
  - number: "1000"
    name: Cluster room
  - number: "1001"
    name: Failover room
cluster:
  node: %s
  nats: [%s]
  lease_ttl: %s
`, rtpPorts, adminToken, name, natsURL, clusterTTL)
}

// bgSipp is a sipp call run in the background; it is killed when the
// test ends if it has not ended by then.
type bgSipp struct {
	out  bytes.Buffer
	done chan error
}

// startBgSipp runs scenario from testdata/sipp for one call to room at
// target, each key of replace replaced by its value, with sipp's extra
// arguments.
func startBgSipp(t *testing.T, scenario string, replace map[string]string, room, target string, extra ...string) *bgSipp {
	t.Helper()
	dir := t.TempDir()
	path := sippScenario(t, dir, scenario, replace)
	args := append([]string{"-sf", path, "-s", room, "-i", "127.0.0.1", "-m", "1", "-nostdin",
		"-timeout", "30s", "-timeout_error", "-trace_err", "-error_file", filepath.Join(dir, "errors.log")}, extra...)
	cmd := exec.Command("sipp", append(args, target)...)
	p := &bgSipp{done: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr = &p.out, &p.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.done
	})
	return p
}

// wait returns sipp's exit error, failing the test if it runs on past
// within.
func (p *bgSipp) wait(t *testing.T, within time.Duration) error {
	t.Helper()
	select {
	case err := <-p.done:
		p.done <- err // for the cleanup
		return err
	case <-time.After(within):
		t.Fatalf("sipp still runs after %v:\n%s", within, p.out.String())
	}
	return nil
}

// waitRun waits until the last run the peer heard is of label and at
// least n packets long, and reports whether it was within the timeout.
func (p *rtpPeer) waitRun(label rune, n int, within time.Duration) bool {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		p.mu.Lock()
		k := len(p.runs) - 1
		ok := k >= 0 && p.runs[k].label == label && p.runs[k].packets >= n
		p.mu.Unlock()
		if ok {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

// lastRunStart is when the last run the peer heard began.
func (p *rtpPeer) lastRunStart() time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.runs[len(p.runs)-1].first
}

// participants lists room's participants through s's API.
func (s *server) participants(t *testing.T, room string) []map[string]any {
	t.Helper()
	var list []map[string]any
	if code := s.apiCall(t, "GET", "/api/v1/rooms/"+room+"/participants", nil, &list); code != http.StatusOK {
		t.Fatalf("GET participants of %s on %s: %d", room, s.http, code)
	}
	return list
}

// TestClusterRedirectControlFailover: two `parley serve` nodes on one
// nats-server, each with its own store and the same rooms. A talker (a
// 1 kHz tone) and a listener call node 1, which becomes the room's owner;
// a call for that room to node 2 gets 302 with node 1's address as Contact
// (sipp checks it); node 2's API lists node 1's participants, mutes the
// talker (the listener hears it stop within a second; node 1's own API
// shows the mute) and kicks both (each gets node 1's BYE). The room
// emptied, node 2 takes the next call for it. A room whose owner is killed
// (SIGKILL) has its lease expire within the TTL (watched in NATS), and
// node 2 then answers a call for it.
func TestClusterRedirectControlFailover(t *testing.T) {
	t.Parallel()
	ns := testnats.Start(t)
	n1 := startParley(t, clusterNode("n1", ns.URL, "49600-49698"))
	n2 := startParley(t, clusterNode("n2", ns.URL, "49700-49798"))
	n1.waitLog(t, "cluster joined", 1, 5*time.Second)
	n2.waitLog(t, "cluster joined", 1, 5*time.Second)

	// A talker and a listener call node 1: the room is node 1's.
	tone := filepath.Join(t.TempDir(), "tone1k.ulaw")
	if err := os.WriteFile(tone, g711.EncodeUlaw(dialogPCM(dialogSippTone, dialogAmplitude, 10*time.Second)), 0o644); err != nil {
		t.Fatal(err)
	}
	talker := startBgSipp(t, "rtp_stop.xml", map[string]string{"TONE_FILE": tone}, "1000", n1.sipUDP,
		"-mi", "127.0.0.1", "-mp", fmt.Sprint(dialogFreePort(t)))
	n1.waitLog(t, "call joined", 1, 10*time.Second)
	talkerID, _ := n1.logged("call joined")[0]["participant"].(string)
	ear := newRTPPeer(t, map[rune]float64{'T': dialogSippTone})
	listener := startBgSipp(t, "pin_go_media.xml", map[string]string{"@PORT@": fmt.Sprint(ear.port())}, "1000", n1.sipUDP)
	n1.waitLog(t, "call joined", 2, 10*time.Second)
	listenerID, _ := n1.logged("call joined")[1]["participant"].(string)
	if !ear.waitRun('T', 25, 10*time.Second) {
		t.Fatalf("the listener never heard the talker: %q", ear.heard())
	}

	// A call for the room to node 2 is sent to node 1.
	contact := "sip:1000@" + n1.sipUDP
	if out, err := runSippWith(t, "redirected.xml", map[string]string{"CONTACT": contact}, "1000", n2.sipUDP); err != nil {
		n2.dumpLogs(t)
		t.Fatalf("call to node 2 for node 1's room: want 302 with Contact %s: %v\n%s", contact, err, out)
	}
	if len(n2.logged("call joined")) != 0 {
		t.Fatal("node 2 took a call for node 1's room")
	}

	// Node 2's API lists node 1's participants and mutes the talker: the
	// listener on node 1 stops hearing it within a second.
	if list := n2.participants(t, "1000"); len(list) != 2 {
		t.Fatalf("participants through node 2: %v, want node 1's two callers", list)
	}
	var p map[string]any
	muted := time.Now()
	if code := n2.apiCall(t, "PATCH", "/api/v1/rooms/1000/participants/"+talkerID, map[string]any{"muted": true}, &p); code != http.StatusOK {
		t.Fatalf("mute through node 2: %d %v", code, p)
	}
	if !ear.waitRun('.', 25, 5*time.Second) {
		t.Fatalf("the listener still hears the muted talker: %q", ear.heard())
	}
	silent := ear.lastRunStart()
	t.Logf("the talker went silent for the listener %v after the mute was sent to node 2", silent.Sub(muted).Round(time.Millisecond))
	if silent.Sub(muted) > time.Second {
		t.Errorf("the talker went silent %v after the mute through node 2, want within 1 s", silent.Sub(muted))
	}
	for _, got := range n1.participants(t, "1000") {
		if got["id"] == talkerID && got["muted"] != true {
			t.Errorf("node 1's own view after the mute through node 2: %v", got)
		}
	}

	// Node 2's API kicks both: each gets node 1's BYE.
	for _, id := range []string{talkerID, listenerID} {
		if code := n2.apiCall(t, "DELETE", "/api/v1/rooms/1000/participants/"+id, nil, nil); code != http.StatusNoContent && code != http.StatusOK {
			t.Fatalf("kick %s through node 2: %d", id, code)
		}
	}
	for _, c := range []*bgSipp{talker, listener} {
		if err := c.wait(t, 10*time.Second); err != nil {
			t.Fatalf("a kicked caller did not get its BYE: %v\n%s", err, c.out.String())
		}
	}

	// The room emptied: node 1 let it go, and node 2 takes the next call.
	n1.waitLog(t, "cluster: room released", 1, 5*time.Second)
	startBgSipp(t, "wait_bye.xml", nil, "1000", n2.sipUDP)
	n2.waitLog(t, "call joined", 1, 10*time.Second)
	if got := n1.participants(t, "1000"); len(got) != 1 {
		t.Fatalf("node 1's API on node 2's room: %v, want node 2's caller", got)
	}

	// Node 1 owns room 1001 and dies.
	startBgSipp(t, "wait_bye.xml", nil, "1001", n1.sipUDP)
	n1.waitLog(t, "call joined", 3, 10*time.Second)
	leases := readLeases(t, ns.URL)
	leases.wait(t, "room.1001", "n1", 2*time.Second)
	if err := n1.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	<-n1.stopped
	_ = n1.cmd.Wait()
	gone := leases.wait(t, "room.1001", "", clusterTTL+time.Second) // the TTL counts from the last renewal
	t.Logf("room 1001's lease expired %v after its owner was killed (ttl %v)", gone.Sub(killed).Round(10*time.Millisecond), clusterTTL)
	if out, err := runSipp(t, "call_bye.xml", "1001", n2.sipUDP); err != nil {
		n2.dumpLogs(t)
		t.Fatalf("call to node 2 for the dead node's room: %v\n%s", err, out)
	}
}

// leases reads the room leases on a NATS server as another node would.
type leases struct {
	js jetstream.JetStream
}

// readLeases connects to the NATS server at url until the test ends.
func readLeases(t *testing.T, url string) *leases {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return &leases{js: js}
}

// owner returns the node key's lease names, "" when there is none (or no
// bucket yet).
func (l *leases) owner(ctx context.Context, key string) (string, error) {
	kv, err := l.js.KeyValue(ctx, "parley_rooms")
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	e, err := kv.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	var owner struct{ Name string }
	err = json.Unmarshal(e.Value(), &owner)
	return owner.Name, err
}

// wait polls key's lease until its owner is want ("": gone) and returns
// when it saw it; it fails the test if that takes longer than within.
func (l *leases) wait(t *testing.T, key, want string, within time.Duration) time.Time {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	for {
		owner, err := l.owner(ctx, key)
		if err == nil && owner == want {
			return time.Now()
		}
		if ctx.Err() != nil {
			t.Fatalf("lease %s names %q (err %v) after %v, want %q", key, owner, err, within, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestClusterWithoutNATS: a node whose NATS is down starts and takes the
// calls for its rooms (the single-node fallback), and writes their
// leases once NATS is back.
func TestClusterWithoutNATS(t *testing.T) {
	t.Parallel()
	ns := testnats.Start(t)
	ns.Stop()
	n := startParley(t, clusterNode("solo", ns.URL, "49800-49898"))
	bg := startBgSipp(t, "wait_bye.xml", nil, "1000", n.sipUDP)
	n.waitLog(t, "call joined", 1, 10*time.Second)
	if len(n.logged("cluster: cannot learn the room's owner: taking the call here")) == 0 {
		t.Error("taking the call without NATS was not logged")
	}
	ns.Restart(t)
	readLeases(t, ns.URL).wait(t, "room.1000", "solo", 10*time.Second)
	select {
	case err := <-bg.done:
		t.Fatalf("the call ended while NATS came back: %v\n%s", err, bg.out.String())
	default:
	}
}
