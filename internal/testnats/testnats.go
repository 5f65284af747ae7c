// Package testnats starts, for tests, a private nats-server (Debian's
// nats-server, 2.9 or later) with JetStream on a free loopback port, its
// store in a temporary directory of the test. When the binary is absent
// the test is skipped, unless PARLEY_REQUIRE_NATS is set (CI), which fails
// it.
package testnats

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// Server is a running nats-server.
type Server struct {
	// URL is nats://127.0.0.1:PORT.
	URL string

	bin, dir string
	extra    []string // further nats-server arguments (StartWith)
	cmd      *exec.Cmd
	done     chan struct{}
	once     *sync.Once
}

// listening is the log line that names the client port.
var listening = regexp.MustCompile(`Listening for client connections on (127\.0\.0\.1:\d+)`)

// Start starts a nats-server with JetStream and stops it when t ends.
func Start(t testing.TB) *Server {
	t.Helper()
	return StartWith(t)
}

// StartWith is Start with further nats-server arguments, such as
// "--user", "u", "--pass", "p" for a server that wants credentials, or
// "--tls", "--tlscert", CERT, "--tlskey", KEY for one that speaks TLS.
func StartWith(t testing.TB, args ...string) *Server {
	t.Helper()
	bin, err := exec.LookPath("nats-server")
	if err != nil {
		if os.Getenv("PARLEY_REQUIRE_NATS") != "" {
			t.Fatal("nats-server not found and PARLEY_REQUIRE_NATS is set (apt-get install nats-server)")
		}
		t.Skip("nats-server not found (apt-get install nats-server; PARLEY_REQUIRE_NATS=1 makes this a failure)")
	}
	s := &Server{bin: bin, dir: t.TempDir(), extra: args}
	s.start(t, "-1")
	t.Cleanup(func() { s.Stop() })
	return s
}

// Restart starts the stopped server again on the same port and store.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.start(t, s.URL[strings.LastIndex(s.URL, ":")+1:])
}

// start runs nats-server on port ("-1": a free one) and waits until it
// is ready.
func (s *Server) start(t testing.TB, port string) {
	t.Helper()
	args := append([]string{"-a", "127.0.0.1", "-p", port, "-js", "-sd", filepath.Join(s.dir, "js"),
		"-n", "parley-test-" + filepath.Base(s.dir)}, s.extra...)
	cmd := exec.Command(s.bin, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("nats-server: %v", err)
	}
	s.cmd, s.done, s.once = cmd, make(chan struct{}), &sync.Once{}
	done := s.done
	addr := make(chan string, 1)
	go func() {
		defer close(done)
		sc := bufio.NewScanner(stderr)
		client := ""
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				client = m[1]
			}
			if client != "" && strings.Contains(sc.Text(), "Server is ready") {
				select {
				case addr <- client:
				default:
				}
			}
		}
		_ = cmd.Wait()
	}()
	select {
	case a := <-addr:
		s.URL = "nats://" + a
	case <-done:
		t.Fatal("nats-server exited before it was ready")
	case <-time.After(10 * time.Second):
		s.Stop()
		t.Fatal("nats-server not ready within 10 s")
	}
}

// Stop stops the server and waits until it is gone; stopping it again
// does nothing.
func (s *Server) Stop() {
	s.once.Do(func() {
		_ = s.cmd.Process.Signal(os.Interrupt)
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.done
		}
	})
}
