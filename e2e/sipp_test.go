package e2e

import (
	"bytes"
	"fmt"
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
	dir := t.TempDir()
	path := sippScenario(t, dir, scenario, replace)
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

// sippScenario writes scenario from testdata/sipp into dir, with each key
// of each replace map replaced by its value (map after map), and returns
// the copy's path. It fails the test if sipp is not installed.
func sippScenario(t *testing.T, dir, scenario string, replace ...map[string]string) string {
	t.Helper()
	if _, err := exec.LookPath("sipp"); err != nil {
		t.Fatal("sipp is not installed; run `make test`, which installs it (package sip-tester)")
	}
	text, err := os.ReadFile(filepath.Join("testdata", "sipp", scenario))
	if err != nil {
		t.Fatal(err)
	}
	s := string(text)
	for _, r := range replace {
		for k, v := range r {
			s = strings.ReplaceAll(s, k, v)
		}
	}
	path := filepath.Join(dir, scenario)
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// A sipp call into a dialogRoom (dialog_test.go), run in the background
// with its media and a message trace, and the SIP messages read back from
// that trace.

// dialogSippResult is what a sipp run left: its output, the errors file,
// the message trace, and its exit error.
type dialogSippResult struct {
	out, errors, trace string
	err                error
}

// runSipp runs a scenario with startSipp and waits for it.
func (d *dialogRoom) runSipp(t *testing.T, scenario string, limit time.Duration) dialogSippResult {
	t.Helper()
	return d.startSipp(t, scenario, limit).wait()
}

// dialogSipp is a running sipp.
type dialogSipp struct {
	scenario         string
	limit            time.Duration
	cmd              *exec.Cmd
	out              bytes.Buffer
	errFile, msgFile string
	done             chan error // cmd.Wait's result
	waited           bool       // wait has taken done
}

// startSipp starts a scenario from testdata/sipp against the room (or
// sipTarget) for one call, with TONE_FILE and ALAW_FILE replaced by the
// absolute paths of the tone files (rtp_stream reads paths relative to
// sipp's working directory) and each key of replace by its value, sipp's
// RTP on mediaPort, and a message trace. sipp gives up after limit.
func (d *dialogRoom) startSipp(t *testing.T, scenario string, limit time.Duration) *dialogSipp {
	t.Helper()
	dir := t.TempDir()
	path := sippScenario(t, dir, scenario, map[string]string{"TONE_FILE": d.ulaw, "ALAW_FILE": d.alaw}, d.replace)
	target := d.sipTarget
	if target == "" {
		target = d.srv.sipUDP
	}
	p := &dialogSipp{scenario: scenario, limit: limit, done: make(chan error, 1),
		errFile: filepath.Join(dir, "errors.log"), msgFile: filepath.Join(dir, "messages.log")}
	p.cmd = exec.Command("sipp", "-sf", path, "-s", "1000", "-i", "127.0.0.1",
		"-mi", "127.0.0.1", "-mp", fmt.Sprint(d.mediaPort), "-m", "1", "-nostdin",
		"-timeout", fmt.Sprintf("%ds", int(limit/time.Second)), "-timeout_error",
		"-trace_err", "-error_file", p.errFile, "-trace_msg", "-message_file", p.msgFile,
		target)
	p.cmd.Dir = dir
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		if !p.waited {
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// wait waits for sipp to end, killing it 15 s after its own time limit.
// Call it once.
func (p *dialogSipp) wait() dialogSippResult {
	p.waited = true
	var res dialogSippResult
	select {
	case res.err = <-p.done:
	case <-time.After(p.limit + 15*time.Second):
		_ = p.cmd.Process.Kill()
		res.err = fmt.Errorf("sipp %s did not finish in %v", p.scenario, p.limit+15*time.Second)
		<-p.done
	}
	res.out = p.out.String()
	b, _ := os.ReadFile(p.errFile)
	res.errors = string(b)
	b, _ = os.ReadFile(p.msgFile)
	res.trace = string(b)
	return res
}

// dialogMessage is a SIP message sipp received: when, and its text.
type dialogMessage struct {
	at   time.Time
	text string
}

// header returns the value of the message's first header name, or "".
func (m dialogMessage) header(name string) string {
	for _, line := range strings.Split(m.text, "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(strings.TrimSpace(k), name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// dialogReceived returns the requests of method that sipp received, read
// from its -trace_msg file: blocks headed by a dashed line with the local
// date and time, then "UDP message received [n] bytes :", then the message.
func dialogReceived(t *testing.T, trace, method string) []dialogMessage {
	t.Helper()
	var out []dialogMessage
	for _, block := range strings.Split(trace, "\n-----") {
		stamp, rest, _ := strings.Cut(strings.TrimLeft(block, "-"), "\n")
		kind, msg, _ := strings.Cut(rest, "\n")
		if !strings.Contains(kind, "message received") {
			continue
		}
		msg = strings.TrimLeft(msg, "\r\n")
		if !strings.HasPrefix(msg, method+" ") {
			continue
		}
		at, err := time.ParseInLocation("2006-01-02 15:04:05.999999", strings.TrimSpace(stamp), time.Local)
		if err != nil {
			t.Fatalf("sipp trace time %q: %v", stamp, err)
		}
		out = append(out, dialogMessage{at: at, text: msg})
	}
	return out
}
