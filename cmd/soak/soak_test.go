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

// TestSoakSmoke is `make soak` in small, so that it cannot rot: 10 G.711
// legs from a real sipp on a real `parley serve` for 30 s, judged as the
// long run is but with a looser bound (RSS moves by a few per cent while a
// small process settles).
func TestSoakSmoke(t *testing.T) {
	for _, tool := range []string{"sipp", "sox"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed; run `make test`, which installs it", tool)
		}
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "parley")
	if out, err := exec.Command("go", "build", "-o", bin, "../parley").CombinedOutput(); err != nil {
		t.Fatalf("building parley: %v\n%s", err, out)
	}
	var progress strings.Builder
	v, err := soak(context.Background(), options{
		parley: bin, sipp: "sipp", dir: filepath.Join(dir, "soak"),
		legs: 10, perRoom: 5, duration: 30 * time.Second, warmup: 5 * time.Second,
		interval: time.Second, tolerance: 0.2, rate: 10, rtpPorts: "45000-45998",
	}, &progress)
	if err != nil {
		t.Fatalf("soak did not run: %v\n%s", err, progress.String())
	}
	var summary strings.Builder
	v.print(&summary)
	t.Log(progress.String() + summary.String())
	if !v.ok() {
		t.Fatal("the smoke soak failed")
	}
	if v.judged < 5 || v.calls.min != 10 {
		t.Errorf("%d samples judged with at least %d legs up, want ≥ 5 with 10", v.judged, v.calls.min)
	}
}

func TestRunFlags(t *testing.T) {
	for _, args := range [][]string{{"-legs", "0"}, {"-duration", "-1s"}, {"-nope"}} {
		if code := run(args, io.Discard, io.Discard); code != 2 {
			t.Errorf("run(%q) = %d, want 2", args, code)
		}
	}
}
