package main

import (
	"context"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/testpg"
)

// TestLoadClusterSmoke is `make load-cluster` in small, so that its
// plumbing cannot rot: nats-server, PostgreSQL, three `parley serve`
// nodes with sip_routing cascade and Kamailio in front; 12 phones dial
// Kamailio for one room, which its round robin spreads over the nodes;
// then 5 calls a second for a second through Kamailio hashing the room.
// It asserts that every node took calls, that a silent leg on each heard
// every talker's tone at its level (through the cascade links), that the
// marker's hop to each cascade node was timed, and that no call of the
// setup rate failed: no timing or CPU bounds (the machine running tests
// is shared).
func TestLoadClusterSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real nodes, NATS, PostgreSQL and Kamailio")
	}
	// PostgreSQL as in make load-cluster; without it (and without
	// PARLEY_REQUIRE_POSTGRES, with which testpg installs it) each node
	// keeps a SQLite store: the room spans the nodes all the same.
	store := "postgres"
	if m := testpg.Missing(); m != "" && os.Getenv(testpg.RequireEnv) == "" {
		t.Logf("%s: the nodes keep a SQLite store each", m)
		store = "sqlite"
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "parley")
	if out, err := exec.Command("go", "build", "-o", bin, "../parley").CombinedOutput(); err != nil {
		t.Fatalf("building parley: %v\n%s", err, out)
	}
	o := clusterOptions{parley: bin, nats: "nats-server", kamailio: "kamailio", kamailioCfg: "../../packaging/kamailio/kamailio.cfg",
		store: store, dir: filepath.Join(dir, "load"), legs: []int{12}, window: 4 * time.Second,
		// The warm-up outlasts the greeting prompt, which replaces the
		// room's audio for a newcomer: the tone check hears the window.
		warmup: 3 * time.Second, nodeCPUs: []int{-1, -1, -1}, loadCPU: -1, rtpBase: freeRTPBlock(t, 3*(2*15+100)), setup: 10,
		rates: []int{5}, rateFor: time.Second}
	// A run in which the machine was busy (the generator fell behind its
	// schedule, or a node's mixer ran late: the harness marks both) lost
	// audio that a listener misses: when its tones were not all heard, it
	// is run again, up to smokeAttempts in all.
	var res clusterResults
	for attempt := 1; attempt <= smokeAttempts; attempt++ {
		var out, progress strings.Builder
		var err error
		res, err = clusterLoad(context.Background(), o, &out, &progress)
		t.Log(progress.String() + out.String())
		if err != nil {
			t.Fatalf("the harness did not run: %v", err)
		}
		if len(res.Rooms) != 1 || res.Rooms[0].Err != "" {
			t.Fatalf("the room was not measured: %+v", res.Rooms)
		}
		if room := res.Rooms[0]; room.tonesHeard() || !room.busy() {
			break
		}
		t.Logf("attempt %d: tones missed while the machine was busy", attempt)
	}
	room := res.Rooms[0]
	owners := 0
	for _, n := range room.Nodes {
		if n.Legs == 0 || n.Received == 0 {
			t.Errorf("node %s: %d legs, %d packets received: Kamailio's round robin did not spread the calls", n.Name, n.Legs, n.Received)
		}
		if !n.TonesOK() {
			t.Errorf("node %s: its silent leg did not hear every tone at %v dBFS ± %v: %s", n.Name, toneDBFS, toneTolerance, tones(n.result))
		}
		if n.Owner {
			owners++
		} else if len(n.HopMS) == 0 {
			t.Errorf("node %s: no marker onset timed both there and at the owner", n.Name)
		}
	}
	if owners != 1 {
		t.Errorf("%d owners, want 1", owners)
	}
	if len(res.Rates) != 1 || res.Rates[0].Attempted != 5 || res.Rates[0].Failed != 0 {
		t.Errorf("setup rate through Kamailio: %+v, want 5 calls, none failed", res.Rates)
	}
}

func TestClusterFlags(t *testing.T) {
	for _, args := range [][]string{{"-legs", "5"}, {"-legs", "x"}, {"-node-cpus", "0,1"}, {"-node-cpus", "0,x,1"},
		{"-node-cpus", "0,-2,1"}, {"-window", "0s"}, {"-rates", "0"}, {"-legs", "20000"}, {"-nope"}} {
		if code := run(append([]string{"cluster"}, args...), io.Discard, io.Discard); code != 2 {
			t.Errorf("run(cluster %q) = %d, want 2", args, code)
		}
	}
}

// tonesHeard reports whether every node's silent leg heard every tone.
func (r roomRun) tonesHeard() bool {
	for _, n := range r.Nodes {
		if !n.TonesOK() {
			return false
		}
	}
	return true
}

// busy reports whether the run shows that the machine was not the
// cluster's: the generator fell behind, or a node's mixer ran late.
func (r roomRun) busy() bool {
	for _, n := range r.Nodes {
		if n.Ticks.LateRate() >= 0.001 {
			return true
		}
	}
	return r.SenderLag > maxSenderLag
}

// freeRTPBlock returns the first of n ports, from 30000 on in steps of
// 1000 and below the e2e tests' fixed ranges (42000 and up), of which at
// least three in four are free on 127.0.0.1 now: the
// RTP ports of the bridges or nodes under test. Each takes any free port
// of its range and needs a quarter of it at most, so a few taken (the
// machine's ephemeral ports) are no harm; a range wholly taken, as by
// another load run on a fixed range, would be.
func freeRTPBlock(t *testing.T, n int) int {
	t.Helper()
	for base := 30000; base+n <= 42000; base += 1000 {
		if 4*freeIn(base, n) >= 3*n {
			return base
		}
	}
	t.Fatalf("no block of %d UDP ports, three in four free, between 30000 and 42000", n)
	return 0
}

// freeIn is how many of the n ports from base bind on 127.0.0.1.
func freeIn(base, n int) int {
	free := 0
	for p := base; p < base+n; p++ {
		c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: p})
		if err == nil {
			free++
			c.Close()
		}
	}
	return free
}
