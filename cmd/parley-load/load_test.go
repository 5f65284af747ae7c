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
// 20 phones in one room for 7 s on a real `parley serve`, and on Janus's
// AudioBridge when janus is installed; then 4 WebRTC browsers (pion,
// Opus) in one room for 4 s on Parley. It asserts only that the harness
// ran and that a silent leg heard every talker's tone at its level: no
// timing, CPU or delivery bounds (the machine running tests is shared).
func TestLoadSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real bridges")
	}
	dir := t.TempDir()
	bin := buildParley(t, dir)
	janus, err := exec.LookPath("janus")
	if err != nil {
		t.Log("janus is not installed (scripts/deps.sh test installs it): Parley only")
	}
	for _, tc := range []struct {
		scenario string
		legs     int
		window   time.Duration
	}{
		{"one-room", 20, 7 * time.Second},
		{"browsers", 4, 4 * time.Second},
	} {
		o := options{parley: bin, janus: janus, dir: filepath.Join(dir, "load"), legs: []int{tc.legs},
			scenarios: []scenario{scenarios[tc.scenario]}, window: tc.window, warmup: time.Second,
			bridgeCPU: -1, loadCPU: -1, rtpBase: freeRTPBlock(t, 2*tc.legs+100), setup: 10}
		// A run in which the generator fell behind its schedule (the
		// machine was busy: the harness marks such a row untrustworthy)
		// sent the bridge gaps that a listener hears: when its tones were
		// not all heard, it is run again, up to smokeAttempts in all.
		var rs []result
		for attempt := 1; attempt <= smokeAttempts; attempt++ {
			var out, progress strings.Builder
			all, err := load(context.Background(), o, &out, &progress)
			t.Log(progress.String() + out.String())
			if err != nil {
				t.Fatalf("%s: the harness did not run: %v", tc.scenario, err)
			}
			rs = all[tc.scenario]
			if tonesHeard(rs) || !generatorLagged(rs) {
				break
			}
			t.Logf("%s: attempt %d: tones missed while the load generator fell behind its schedule", tc.scenario, attempt)
		}
		if want := 1 + boolInt(o.janus != ""); len(rs) != want {
			t.Fatalf("%s: %d results, want %d", tc.scenario, len(rs), want)
		}
		for _, r := range rs {
			if r.Skipped != "" && r.Bridge == "Parley" {
				t.Errorf("%s: Parley was not measured: %s", tc.scenario, r.Skipped)
			}
			if r.Skipped != "" {
				continue
			}
			if r.Received == 0 {
				t.Errorf("%s, %s: the legs received nothing", tc.scenario, r.Bridge)
			}
			if !r.TonesOK() {
				t.Errorf("%s, %s: the silent leg did not hear every tone at %v dBFS ± %v: %s", tc.scenario, r.Bridge, toneDBFS, toneTolerance, tones(r))
			}
		}
	}
}

// smokeAttempts is how many times TestLoadSmoke runs a case whose tones
// were missed while its generator fell behind.
const smokeAttempts = 3

// tonesHeard reports whether every measured run's listener heard every
// tone.
func tonesHeard(rs []result) bool {
	for _, r := range rs {
		if r.Skipped == "" && !r.TonesOK() {
			return false
		}
	}
	return true
}

// generatorLagged reports whether the generator fell behind its schedule
// in any of the runs, so that their figures are not to be trusted.
func generatorLagged(rs []result) bool {
	for _, r := range rs {
		if r.Skipped == "" && r.SenderLag > maxSenderLag {
			return true
		}
	}
	return false
}

func TestRunFlags(t *testing.T) {
	for _, args := range [][]string{{"-legs", "0"}, {"-legs", "x"}, {"-scenario", "nope"}, {"-window", "0s"}, {"-nope"},
		{"-rates", "10,0"}, {"-browser-legs", "x"},
		{"-legs", "30000"}, {"-rates", "20000"}, {"-rate-for", "0s"}, {"-jitter", "-1ms"}, {"-jitter", "2s"}} {
		if code := run(args, io.Discard, io.Discard); code != 2 {
			t.Errorf("run(%q) = %d, want 2", args, code)
		}
	}
}
