package e2e

import (
	"fmt"
	"math"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/zaf/g711"

	"github.com/parleyhq/parley/internal/testnats"
)

// The tones of the cascade test: one talker on node 1, one on node 2.
const (
	cascadeToneA = 1000.0 // Hz, the talker on node 1
	cascadeToneB = 1400.0 // Hz, the talker on node 2
)

// onsetRun is how many packets in a row carry a tone when it starts:
// fewer are the seams of a prompt.
const onsetRun = 10

// cascadeEar is a phone's media end played by the test: it receives
// PCMU and keeps, per tone, when it was first heard (above -26 dBFS in
// onsetRun packets in a row) and its amplitude in every packet that
// carried it.
type cascadeEar struct {
	conn  *net.UDPConn
	tones map[rune]float64
	done  chan struct{}

	mu    sync.Mutex
	first map[rune]time.Time // guarded by mu; the start of the first run of onsetRun packets
	run   map[rune]int       // guarded by mu; the packets of the current run
	start map[rune]time.Time // guarded by mu; when the current run began
	amps  map[rune][]float64 // guarded by mu
	peak  map[rune]float64   // guarded by mu; the loudest packet of each tone
	n     int                // guarded by mu; packets received
	loud  time.Time          // guarded by mu; the last packet above -40 dBFS
}

func newCascadeEar(t *testing.T, tones map[rune]float64) *cascadeEar {
	t.Helper()
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	e := &cascadeEar{conn: conn, tones: tones, done: make(chan struct{}),
		first: make(map[rune]time.Time), amps: make(map[rune][]float64), peak: make(map[rune]float64),
		run: make(map[rune]int), start: make(map[rune]time.Time)}
	go e.read()
	t.Cleanup(func() {
		conn.Close()
		<-e.done
	})
	return e
}

func (e *cascadeEar) port() int { return e.conn.LocalAddr().(*net.UDPAddr).Port }

// read runs on its own goroutine until the socket is closed.
func (e *cascadeEar) read() {
	defer close(e.done)
	buf := make([]byte, 1500)
	for {
		n, _, err := e.conn.ReadFromUDP(buf)
		if err != nil {
			return
		}
		var pkt rtp.Packet
		if pkt.Unmarshal(buf[:n]) != nil || pkt.PayloadType != 0 {
			continue
		}
		now := time.Now()
		pcm := g711.DecodeUlaw(pkt.Payload)
		x := make([]float64, len(pcm)/2)
		for i := range x {
			x[i] = float64(int16(uint16(pcm[2*i])|uint16(pcm[2*i+1])<<8)) / 32768
		}
		spec := newSpectrum(x, 8000)
		var sq float64
		for _, v := range x {
			sq += v * v
		}
		e.mu.Lock()
		e.n++
		if math.Sqrt(sq/float64(len(x))) > 0.01 {
			e.loud = now
		}
		for l, f := range e.tones {
			a := spec.amplitude(f)
			e.peak[l] = max(e.peak[l], a)
			if a <= 0.05 {
				e.run[l] = 0
				continue
			}
			if e.run[l] == 0 {
				e.start[l] = now
			}
			e.run[l]++
			if _, ok := e.first[l]; !ok && e.run[l] == onsetRun {
				e.first[l] = e.start[l]
			}
			e.amps[l] = append(e.amps[l], a)
		}
		e.mu.Unlock()
	}
}

// waitQuiet waits until the ear has heard packets, none above -40 dBFS
// for the last half second (the greeting prompt, which replaces the
// room's audio for a newcomer, is over), and reports whether it was
// within the timeout.
func (e *cascadeEar) waitQuiet(within time.Duration) bool {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		e.mu.Lock()
		quiet := e.n > 0 && time.Since(e.loud) > 500*time.Millisecond
		e.mu.Unlock()
		if quiet {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

// wait waits until tone l has been heard in n packets and returns when it
// was first heard, and its median amplitude; ok is false on a timeout.
func (e *cascadeEar) wait(l rune, n int, within time.Duration) (first time.Time, amp float64, ok bool) {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		e.mu.Lock()
		if a := e.amps[l]; len(a) >= n {
			s := slices.Clone(a)
			first = e.first[l]
			e.mu.Unlock()
			slices.Sort(s)
			return first, s[len(s)/2], true
		}
		e.mu.Unlock()
		time.Sleep(20 * time.Millisecond)
	}
	return time.Time{}, 0, false
}

// startCascadeNodes starts a nats-server and three nodes on it with
// cluster.sip_routing cascade, node i with the RTP ports from
// rtpBase+100i, once they have joined; rooms, YAML, is added to each
// node's rooms.
func startCascadeNodes(t *testing.T, rtpBase int, rooms ...string) []*server {
	t.Helper()
	ns := testnats.Start(t)
	var nodes []*server
	for i := range 3 {
		lo := rtpBase + 100*i
		cfg := clusterNode(fmt.Sprintf("n%d", i+1), ns.URL, fmt.Sprintf("%d-%d", lo, lo+98))
		cfg = strings.Replace(cfg, "\ncluster:\n", "\n"+strings.Join(rooms, "")+"cluster:\n", 1)
		nodes = append(nodes, startParley(t, cfg+"  sip_routing: cascade\n"))
	}
	for _, n := range nodes {
		n.waitLog(t, "cluster joined", 1, 5*time.Second)
	}
	return nodes
}

// TestClusterCascade: three `parley serve` nodes on one nats-server with
// cluster.sip_routing cascade. A listener calls each node for room 1000
// (node 1 first: the room is node 1's), then a talker on node 1 sends a
// 1 kHz tone and a talker on node 2 a 1.4 kHz one, one after the other:
// each listener hears each tone at its frequency and at the sent level
// (±3 dB), through one link (node 1 to 2 or 3, node 2 to 1) or two (node 2
// to 3, through the owner). The hop's added latency is what a listener on
// another node hears later than the one on the talker's node; it is
// logged.
func TestClusterCascade(t *testing.T) {
	t.Parallel()
	nodes := startCascadeNodes(t, 50200)

	// A listener on each node; node 1's comes first and owns the room.
	tones := map[rune]float64{'A': cascadeToneA, 'B': cascadeToneB}
	var ears []*cascadeEar
	for i, n := range nodes {
		ear := newCascadeEar(t, tones)
		ears = append(ears, ear)
		startBgSipp(t, "pin_go_media.xml", map[string]string{"@PORT@": fmt.Sprint(ear.port())}, "1000", n.sipUDP)
		n.waitLog(t, "call joined", 1, 10*time.Second)
		if i > 0 {
			n.waitLog(t, "cascade: room linked with its owner", 1, 5*time.Second)
		}
	}
	nodes[0].waitLog(t, "cascade: a node joined a room here", 2, 5*time.Second)
	for i, ear := range ears {
		if !ear.waitQuiet(10 * time.Second) {
			t.Fatalf("the listener on node %d still hears prompts (or nothing)", i+1)
		}
	}

	dir := t.TempDir()
	talk := func(n *server, freq float64) {
		t.Helper()
		tone := filepath.Join(dir, fmt.Sprintf("tone%v.ulaw", freq))
		if err := os.WriteFile(tone, g711.EncodeUlaw(dialogPCM(freq, dialogAmplitude, 10*time.Second)), 0o644); err != nil {
			t.Fatal(err)
		}
		startBgSipp(t, "rtp_stop.xml", map[string]string{"TONE_FILE": tone}, "1000", n.sipUDP,
			"-mi", "127.0.0.1", "-mp", fmt.Sprint(dialogFreePort(t)))
	}
	check := func(label rune, from int) {
		t.Helper()
		var heard [3]time.Time
		for i, ear := range ears {
			first, amp, ok := ear.wait(label, 50, 10*time.Second)
			if !ok {
				for _, n := range nodes {
					n.dumpLogs(t)
				}
				ear.mu.Lock()
				msg := fmt.Sprintf("the listener on node %d never heard node %d's talker (%v Hz) for 1 s: %d packets, loudest %.3f, %d above -26 dBFS",
					i+1, from+1, tones[label], ear.n, ear.peak[label], len(ear.amps[label]))
				ear.mu.Unlock()
				t.Fatal(msg)
			}
			heard[i] = first
			level := dB(amp / dialogAmplitude)
			t.Logf("node %d's talker (%v Hz) heard on node %d at %+.1f dB of the sent level", from+1, tones[label], i+1, level)
			if math.Abs(level) > 3 {
				t.Errorf("node %d's talker heard on node %d at %+.1f dB of the sent level, want within 3 dB", from+1, i+1, level)
			}
		}
		for i := range ears {
			if i == from {
				continue
			}
			d := heard[i].Sub(heard[from])
			t.Logf("node %d's talker reaches node %d %v later than node %d's own listener (the cascade's added latency)",
				from+1, i+1, d.Round(time.Millisecond), from+1)
			if d > 500*time.Millisecond {
				t.Errorf("node %d's talker reaches node %d %v later than on its own node, want under 500 ms", from+1, i+1, d)
			}
		}
	}
	talk(nodes[0], cascadeToneA)
	check('A', 0)
	talk(nodes[1], cascadeToneB)
	check('B', 1)
	for i, n := range nodes[1:] {
		if got := n.logged("cluster: a room another node holds has a participant here: both serve it"); len(got) != 0 {
			t.Errorf("node %d claims the room it cascades: %v", i+2, got)
		}
	}
}

// TestClusterCascadeOverflow: two nodes with cluster.max_legs_per_node 1.
// A listener calls node 1, which owns the room; the next call to node 1
// for it gets 302 to node 2 (sipp checks the Contact); a talker calling
// node 2, as the redirected phone would, is taken there as a cascade and
// heard by node 1's listener.
func TestClusterCascadeOverflow(t *testing.T) {
	t.Parallel()
	ns := testnats.Start(t)
	cfg := func(name, ports string) string {
		return clusterNode(name, ns.URL, ports) + "  sip_routing: cascade\n  max_legs_per_node: 1\n"
	}
	n1 := startParley(t, cfg("n1", "50500-50598"))
	n2 := startParley(t, cfg("n2", "50600-50698"))
	n1.waitLog(t, "cluster joined", 1, 5*time.Second)
	n2.waitLog(t, "cluster joined", 1, 5*time.Second)

	ear := newCascadeEar(t, map[rune]float64{'A': cascadeToneA})
	startBgSipp(t, "pin_go_media.xml", map[string]string{"@PORT@": fmt.Sprint(ear.port())}, "1000", n1.sipUDP)
	n1.waitLog(t, "call joined", 1, 10*time.Second)
	contact := "sip:1000@" + n2.sipUDP
	if out, err := runSippWith(t, "redirected.xml", map[string]string{"CONTACT": contact}, "1000", n1.sipUDP); err != nil {
		n1.dumpLogs(t)
		t.Fatalf("a second call to node 1, at its max_legs_per_node: want 302 to node 2 (%s): %v\n%s", contact, err, out)
	}
	if !ear.waitQuiet(10 * time.Second) {
		t.Fatal("the listener on node 1 still hears prompts (or nothing)")
	}
	tone := filepath.Join(t.TempDir(), "tone.ulaw")
	if err := os.WriteFile(tone, g711.EncodeUlaw(dialogPCM(cascadeToneA, dialogAmplitude, 10*time.Second)), 0o644); err != nil {
		t.Fatal(err)
	}
	startBgSipp(t, "rtp_stop.xml", map[string]string{"TONE_FILE": tone}, "1000", n2.sipUDP,
		"-mi", "127.0.0.1", "-mp", fmt.Sprint(dialogFreePort(t)))
	n2.waitLog(t, "cascade: room linked with its owner", 1, 5*time.Second)
	_, amp, ok := ear.wait('A', 50, 10*time.Second)
	if !ok {
		n1.dumpLogs(t)
		n2.dumpLogs(t)
		t.Fatal("node 1's listener never heard the talker cascaded on node 2")
	}
	if level := dB(amp / dialogAmplitude); math.Abs(level) > 3 {
		t.Errorf("the talker on node 2 heard on node 1 at %+.1f dB of the sent level, want within 3 dB", level)
	}
}

// count returns how many packets have carried tone l.
func (e *cascadeEar) count(l rune) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.amps[l])
}

// TestClusterCascadeOwnerDies: three cascading nodes, a listener on each,
// a talker on node 2. Node 1, the room's owner, is killed (SIGKILL): nodes
// 2 and 3 lose their links, one of them takes the room over once node 1's
// lease has expired and the other links to it, and node 3's listener
// hears node 2's talker again; no call on nodes 2 and 3 was dropped.
func TestClusterCascadeOwnerDies(t *testing.T) {
	t.Parallel()
	nodes := startCascadeNodes(t, 50700)
	var ears []*cascadeEar
	for _, n := range nodes {
		ear := newCascadeEar(t, map[rune]float64{'A': cascadeToneA})
		ears = append(ears, ear)
		startBgSipp(t, "pin_go_media.xml", map[string]string{"@PORT@": fmt.Sprint(ear.port())}, "1000", n.sipUDP)
		n.waitLog(t, "call joined", 1, 10*time.Second)
	}
	for i, ear := range ears {
		if !ear.waitQuiet(10 * time.Second) {
			t.Fatalf("the listener on node %d still hears prompts (or nothing)", i+1)
		}
	}
	tone := filepath.Join(t.TempDir(), "tone.ulaw")
	if err := os.WriteFile(tone, g711.EncodeUlaw(dialogPCM(cascadeToneA, dialogAmplitude, 20*time.Second)), 0o644); err != nil {
		t.Fatal(err)
	}
	startBgSipp(t, "rtp_stop.xml", map[string]string{"TONE_FILE": tone}, "1000", nodes[1].sipUDP,
		"-mi", "127.0.0.1", "-mp", fmt.Sprint(dialogFreePort(t)))
	if _, _, ok := ears[2].wait('A', 25, 10*time.Second); !ok {
		t.Fatal("node 3's listener never heard node 2's talker")
	}

	if err := nodes[0].cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	<-nodes[0].stopped
	_ = nodes[0].cmd.Wait()
	if !ears[2].waitQuiet(10 * time.Second) {
		t.Fatal("node 3's listener still hears node 2's talker with node 1 dead")
	}
	before := ears[2].count('A')
	deadline := time.Now().Add(12 * time.Second)
	for ears[2].count('A') < before+25 {
		if time.Now().After(deadline) {
			nodes[1].dumpLogs(t)
			nodes[2].dumpLogs(t)
			t.Fatal("node 3's listener does not hear node 2's talker again after node 1 died")
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("node 3's listener hears node 2's talker again %v after node 1 was killed", time.Since(killed).Round(10*time.Millisecond))
	took := len(nodes[1].logged("cascade: the room's owner is gone: this node took the room over")) +
		len(nodes[2].logged("cascade: the room's owner is gone: this node took the room over"))
	if took != 1 {
		t.Errorf("%d nodes took the room over, want 1", took)
	}
}
