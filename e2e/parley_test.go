package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// parleyBin is the binary built once for the whole package by TestMain.
var parleyBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "parley-e2e")
	if err != nil {
		panic(err)
	}
	parleyBin = filepath.Join(dir, "parley")
	build := exec.Command("go", "build", "-ldflags", buildStamp(), "-o", parleyBin, "../cmd/parley")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		panic("building parley: " + err.Error())
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// server is a running `parley serve`.
type server struct {
	cmd     *exec.Cmd
	config  string // the config file's path, for a reload to rewrite
	sipUDP  string // host:port of the UDP listener
	sipTCP  string // host:port of the TCP listener
	sipTLS  string // host:port of the TLS listener, if any
	h323    string // host:port of the H.323 call-signalling listener
	http    string // host:port of the HTTP listener
	logMu   sync.Mutex
	logs    []map[string]any
	stopped chan struct{}
}

// parleyOption changes how startParley runs the binary.
type parleyOption func(*parleyRun)

// parleyRun is what parleyOptions set.
type parleyRun struct {
	prefix    []string // a command that execs parley, e.g. prlimit with its arguments
	configArg bool     // pass the config as `serve FILE` rather than --config FILE
}

// underCommand runs parley through argv, which must exec its last
// arguments (prlimit --nofile=64:64 --), so that the process is parley.
func underCommand(argv ...string) parleyOption {
	return func(r *parleyRun) { r.prefix = argv }
}

// startParley runs `parley serve --config` on a config whose listeners use
// port 0, and learns the bound addresses from its JSON log.
func startParley(t *testing.T, config string, opts ...parleyOption) *server {
	t.Helper()
	var run parleyRun
	for _, o := range opts {
		o(&run)
	}
	dir := t.TempDir()
	if !strings.Contains(config, "\nwebrtc:") {
		config += "\nwebrtc:\n  udp_port: 0\n  listen_ip: 127.0.0.1\n" // tests run side by side: no fixed port
	}
	if !strings.Contains(config, "\nh323:") {
		config += "\nh323:\n  listen: 127.0.0.1:0\n" // not 1720: tests run side by side
	}
	if !strings.Contains(config, "\nshutdown:") {
		// stop hangs up at once, as before drains: a test that stops with a
		// call up does not wait the default 30 s grace (drain_test.go
		// tests the drain).
		config += "\nshutdown:\n  grace: 0s\n"
	}
	path := filepath.Join(dir, "parley.yaml")
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	argv := append(run.prefix, parleyBin, "serve", "--config", path)
	if run.configArg {
		argv = append(run.prefix, parleyBin, "serve", path)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, config: path, stopped: make(chan struct{})}
	ready := make(chan struct{})
	go func() {
		defer close(s.stopped)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		once := sync.Once{}
		for sc.Scan() {
			line := sc.Text()
			var rec map[string]any
			if json.Unmarshal([]byte(line), &rec) != nil {
				t.Logf("parley: %s", line)
				continue
			}
			s.logMu.Lock()
			s.logs = append(s.logs, rec)
			if rec["msg"] == "sip listening" {
				addr, _ := rec["addr"].(string)
				switch rec["transport"] {
				case "udp":
					s.sipUDP = addr
				case "tcp":
					s.sipTCP = addr
				case "tls":
					s.sipTLS = addr
				}
			}
			if rec["msg"] == "h323 listening" {
				s.h323, _ = rec["addr"].(string)
			}
			if rec["msg"] == "http listening" {
				s.http, _ = rec["addr"].(string)
			}
			s.logMu.Unlock()
			if rec["msg"] == "parley ready" {
				once.Do(func() { close(ready) })
			}
		}
	}()
	t.Cleanup(func() { s.stop(t) })
	select {
	case <-ready:
	case <-s.stopped:
		t.Fatal("parley exited before it was ready")
	case <-time.After(10 * time.Second):
		t.Fatal("parley not ready after 10 s")
	}
	return s
}

// stop sends SIGTERM and waits for a clean exit.
func (s *server) stop(t *testing.T) {
	if s.cmd.ProcessState != nil {
		return
	}
	_ = s.cmd.Process.Signal(os.Interrupt)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	select {
	case <-s.stopped:
	case <-ctx.Done():
		_ = s.cmd.Process.Kill()
		t.Error("parley did not stop within 10 s of SIGINT")
	}
	if err := s.cmd.Wait(); err != nil {
		t.Errorf("parley exited with %v", err)
	}
}

// logged returns the log records whose message is msg.
func (s *server) logged(msg string) []map[string]any {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	var out []map[string]any
	for _, r := range s.logs {
		if r["msg"] == msg {
			out = append(out, r)
		}
	}
	return out
}

// dumpLogs writes parley's log to the test output, for failures.
func (s *server) dumpLogs(t *testing.T) {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	for _, r := range s.logs {
		b, _ := json.Marshal(r)
		t.Log(strings.TrimSpace(string(b)))
	}
}
