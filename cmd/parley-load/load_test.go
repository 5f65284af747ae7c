package main

import (
	"context"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestLoadSmoke is `make load` in small, so that the harness cannot rot:
// 20 legs in one room for 10 s on a real `parley serve`, and on Janus's
// AudioBridge when janus is installed. It asserts only that the harness
// ran and that a silent leg heard every talker's tone at its level: no
// timing, CPU or delivery bounds (the machine running tests is shared).
func TestLoadSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real bridges")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "parley")
	if out, err := exec.Command("go", "build", "-o", bin, "../parley").CombinedOutput(); err != nil {
		t.Fatalf("building parley: %v\n%s", err, out)
	}
	o := options{parley: bin, dir: filepath.Join(dir, "load"), legs: []int{20},
		scenarios: []scenario{scenarios["one-room"]}, window: 10 * time.Second, warmup: 2 * time.Second,
		bridgeCPU: -1, loadCPU: -1, rtpBase: 41000, setup: 10}
	if j, err := exec.LookPath("janus"); err == nil {
		o.janus = j
	} else {
		t.Log("janus is not installed (scripts/deps.sh test installs it): Parley only")
	}
	var out, progress strings.Builder
	all, err := load(context.Background(), o, &out, &progress)
	t.Log(progress.String() + out.String())
	if err != nil {
		t.Fatalf("the harness did not run: %v", err)
	}
	rs := all["one-room"]
	if want := 1 + boolInt(o.janus != ""); len(rs) != want {
		t.Fatalf("%d results, want %d", len(rs), want)
	}
	for _, r := range rs {
		if r.Received == 0 {
			t.Errorf("%s: the legs received nothing", r.Bridge)
		}
		if !r.TonesOK() {
			t.Errorf("%s: the silent leg did not hear every tone at %v dBFS ± %v: %s", r.Bridge, toneDBFS, toneTolerance, tones(r))
		}
	}
}

func TestRunFlags(t *testing.T) {
	for _, args := range [][]string{{"-legs", "0"}, {"-legs", "x"}, {"-scenario", "nope"}, {"-window", "0s"}, {"-nope"}} {
		if code := run(args, io.Discard, io.Discard); code != 2 {
			t.Errorf("run(%q) = %d, want 2", args, code)
		}
	}
}
