package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// sipp as the callee of a call out: a UAS scenario on its own port, its
// exit, trace and logs.

// sippUAS is a sipp process playing a callee scenario from testdata/sipp
// on its own UDP port, for one call.
type sippUAS struct {
	scenario string
	port     int
	dir      string
	timeout  time.Duration
	cmd      *exec.Cmd
	out      bytes.Buffer // sipp's stdout and stderr; read once done is closed
	done     chan struct{}
	err      error // the exit error; set before done is closed
}

// startUAS runs a callee scenario on a free UDP port of 127.0.0.1, after
// replacing each key of replace by its value and UAS_PORT by the port, and
// returns once sipp listens. sipp ends after one call or after timeout.
func startUAS(t *testing.T, scenario string, replace map[string]string, timeout time.Duration) *sippUAS {
	t.Helper()
	// The port is free when chosen but not held: another process may take
	// it before sipp binds it, so a failed bind is retried on a new port.
	for attempt := 0; ; attempt++ {
		u := &sippUAS{scenario: scenario, port: freeUDPPort(t), dir: t.TempDir(), timeout: timeout, done: make(chan struct{})}
		path := sippScenario(t, u.dir, scenario, replace, map[string]string{"UAS_PORT": strconv.Itoa(u.port)})
		u.cmd = exec.Command("sipp", "-sf", path, "-i", "127.0.0.1", "-p", strconv.Itoa(u.port),
			"-m", "1", "-nostdin", "-timeout", fmt.Sprintf("%ds", int(timeout.Seconds())),
			"-trace_err", "-error_file", filepath.Join(u.dir, "errors.log"),
			"-trace_msg", "-message_file", filepath.Join(u.dir, "messages.log"),
			"-trace_logs", "-log_file", filepath.Join(u.dir, "logs.log"))
		u.cmd.Dir = u.dir
		u.cmd.Stdout, u.cmd.Stderr = &u.out, &u.out
		if err := u.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() {
			u.err = u.cmd.Wait()
			close(u.done)
		}()
		t.Cleanup(func() {
			select {
			case <-u.done:
			default:
				_ = u.cmd.Process.Kill()
				<-u.done
			}
		})
		if u.waitListening(2 * time.Second) {
			return u
		}
		select {
		case <-u.done:
			if attempt < 3 && sippExitCode(u.err) == 254 { // -2: could not bind
				continue
			}
			t.Fatalf("sipp %s exited before listening: %v\n%s", scenario, u.err, u.out.String())
		default:
			t.Fatalf("sipp %s is not listening on udp port %d after 2 s", scenario, u.port)
		}
	}
}

// waitListening waits until sipp has bound its UDP port, as the kernel's
// socket table shows, or sipp has exited.
func (u *sippUAS) waitListening(within time.Duration) bool {
	want := fmt.Sprintf("0100007F:%04X", u.port)
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		select {
		case <-u.done:
			return false
		default:
		}
		table, err := os.ReadFile("/proc/net/udp")
		if err != nil {
			// No /proc: give sipp the time it takes to start.
			time.Sleep(500 * time.Millisecond)
			return true
		}
		sc := bufio.NewScanner(bytes.NewReader(table))
		for sc.Scan() {
			if f := strings.Fields(sc.Text()); len(f) > 1 && f[1] == want {
				return true
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

// wait waits for sipp to exit and returns its exit error.
func (u *sippUAS) wait(t *testing.T) error {
	t.Helper()
	select {
	case <-u.done:
		return u.err
	case <-time.After(u.timeout + 10*time.Second):
		_ = u.cmd.Process.Kill()
		<-u.done
		t.Fatalf("sipp %s did not exit within %v", u.scenario, u.timeout+10*time.Second)
		return nil
	}
}

// trace returns the SIP messages sipp sent and received so far.
func (u *sippUAS) trace() string {
	b, _ := os.ReadFile(filepath.Join(u.dir, "messages.log"))
	return string(b)
}

// logText returns what the scenario's <log> actions wrote.
func (u *sippUAS) logText() string {
	b, _ := os.ReadFile(filepath.Join(u.dir, "logs.log"))
	return string(b)
}

// dump writes sipp's output, errors and SIP trace to the test log.
func (u *sippUAS) dump(t *testing.T) {
	t.Helper()
	select {
	case <-u.done:
		t.Logf("sipp %s exited: %v\n%s", u.scenario, u.err, tailLines(u.out.String(), 30))
	default:
		t.Logf("sipp %s is still running", u.scenario)
	}
	errs, _ := os.ReadFile(filepath.Join(u.dir, "errors.log"))
	t.Logf("sipp errors:\n%s", errs)
	t.Logf("sipp SIP trace:\n%s", u.trace())
}

func tailLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// sippExitCode is a process's exit status (0 for nil, -1 if it did not exit).
func sippExitCode(err error) int {
	if err == nil {
		return 0
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	return -1
}

// waitNoInvite waits for the sipp UAS to end and fails the test if a call
// reached it: with none, sipp's global timeout ends it with 97; an INVITE
// would have failed the scenario (exit 1).
func (u *sippUAS) waitNoInvite(t *testing.T) {
	t.Helper()
	err := u.wait(t)
	if code := sippExitCode(err); code != 97 || strings.Contains(u.trace(), "INVITE") {
		u.dump(t)
		t.Fatalf("the trunk was reached: sipp exited %d (%v), want 97 with no INVITE", code, err)
	}
}
