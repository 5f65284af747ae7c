package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runSipp runs one sipp scenario from testdata/sipp against target
// (host:port) for one call and returns its exit error and output. Extra
// arguments are passed through (e.g. -key fmts "0 8").
func runSipp(t *testing.T, scenario, service, target string, extra ...string) (string, error) {
	return runSippWith(t, scenario, nil, service, target, extra...)
}

// runSippWith is runSipp on a copy of the scenario in which each key of
// replace is replaced by its value (for what sipp cannot take as a -key,
// such as an expected response code).
func runSippWith(t *testing.T, scenario string, replace map[string]string, service, target string, extra ...string) (string, error) {
	t.Helper()
	if _, err := exec.LookPath("sipp"); err != nil {
		t.Fatal("sipp is not installed; run `make test`, which installs it (package sip-tester)")
	}
	dir := t.TempDir()
	text, err := os.ReadFile(filepath.Join("testdata", "sipp", scenario))
	if err != nil {
		t.Fatal(err)
	}
	s := string(text)
	for k, v := range replace {
		s = strings.ReplaceAll(s, k, v)
	}
	path := filepath.Join(dir, scenario)
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"-sf", path, "-s", service,
		"-i", "127.0.0.1", "-m", "1", "-nostdin", "-timeout", "40s", "-trace_err",
		"-error_file", filepath.Join(dir, "errors.log")}
	args = append(args, extra...)
	if target != "" { // a UAS has none
		args = append(args, target)
	}
	cmd := exec.Command("sipp", args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		// Parley logs before it answers, but the test reads its log on
		// another goroutine: give that a moment before callers look.
		time.Sleep(200 * time.Millisecond)
		return out.String(), err
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("sipp %s did not finish in 60 s", scenario)
	}
	return "", nil
}
