package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// daemon is a third-party server (nginx, Pebble) that a test runs.
type daemon struct {
	name   string
	exited chan struct{}
	out    output // its stdout and stderr
}

// output keeps what a daemon writes, readable while it runs.
type output struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.Write(p)
}

// String returns everything written so far.
func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// startDaemon starts cmd with its output kept, and kills it when the test
// ends; if the test failed, it then logs the output and logFile (the
// daemon's own log, if it has one).
func startDaemon(t *testing.T, cmd *exec.Cmd, logFile string) *daemon {
	t.Helper()
	d := &daemon{name: filepath.Base(cmd.Path), exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = &d.out, &d.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { cmd.Wait(); close(d.exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-d.exited
		if t.Failed() {
			var log []byte
			if logFile != "" {
				log, _ = os.ReadFile(logFile)
			}
			t.Logf("%s:\n%s%s", d.name, d.out.String(), log)
		}
	})
	return d
}

// waitReady calls ready every 50 ms until it returns true, and fails the
// test if the daemon exits first or within passes.
func (d *daemon) waitReady(t *testing.T, within time.Duration, ready func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !ready() {
		select {
		case <-d.exited:
			t.Fatalf("%s exited:\n%s", d.name, d.out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not ready after %v", d.name, within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
