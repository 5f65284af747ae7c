package e2e

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The tests of this file hold Parley's transport limits and process
// state against a real `parley serve`: SIP over TCP that is half sent
// (slowloris) or exhausts the descriptors (EMFILE), SIGHUP during a call,
// and a room's lock across a restart. sipp is the legitimate peer.

// transportConfig is a one-room config with an admin token and the given
// sip.tcp settings; extra is appended (a store path).
func transportConfig(readTimeout string, perIP int, extra string) string {
	return fmt.Sprintf(`
sip:
  listen: [udp://127.0.0.1:0, tcp://127.0.0.1:0]
  domain: 127.0.0.1
  tcp:
    read_timeout: %s
    max_conns_per_ip: %d
    max_conns: %d
rtp:
  ports: 46000-46198
http:
  listen: 127.0.0.1:0
log:
  format: json
  level: info
admin_tokens: ["%s"]
rooms:
  - number: "1000"
    name: E2E room
%s`, readTimeout, perIP, perIP, adminToken, extra)
}

// halfSent is the start of a SIP request that never ends: no empty line.
const halfSent = "OPTIONS sip:1000@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bK-half\r\nFrom: <sip:slow@127.0.0.1>"

// TestSIPTCPHalfSentClosed: 320 connections that send half a request are
// closed by Parley within sip.tcp.read_timeout, while sipp's call over TCP
// is answered meanwhile (regression: all were held for as long as the
// client wished, 3,000 of 3,000 after 90 s).
func TestSIPTCPHalfSentClosed(t *testing.T) {
	const conns, readTimeout = 320, 2 * time.Second
	srv := startParley(t, transportConfig("2s", 1000, ""))
	closedAfter := make(chan time.Duration, conns)
	var wg sync.WaitGroup
	for range conns {
		c, err := net.Dial("tcp4", srv.sipTCP)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.Write([]byte(halfSent)); err != nil {
			t.Fatal(err)
		}
		sent := time.Now()
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.SetReadDeadline(sent.Add(readTimeout + 5*time.Second))
			buf := make([]byte, 256)
			for {
				if _, err := c.Read(buf); err != nil {
					var ne net.Error
					if errors.As(err, &ne) && ne.Timeout() {
						closedAfter <- -1 // still open
					} else {
						closedAfter <- time.Since(sent)
					}
					return
				}
			}
		}()
	}
	if out, err := runSipp(t, "call_bye.xml", "1000", srv.sipTCP, "-t", "t1"); err != nil {
		t.Fatalf("sipp's call over TCP failed while half-sent connections were open: %v\n%s", err, out)
	}
	wg.Wait()
	close(closedAfter)
	var open, early int
	var slowest time.Duration
	for d := range closedAfter {
		switch {
		case d < 0:
			open++
		case d < readTimeout-200*time.Millisecond:
			early++
		}
		slowest = max(slowest, d)
	}
	t.Logf("%d half-sent connections: %d still open after %v, %d closed before the read timeout, slowest closed after %v",
		conns, open, readTimeout+5*time.Second, early, slowest)
	if open > 0 || early > 0 {
		t.Errorf("%d connections still open, %d closed early; want all closed after the %v read timeout", open, early, readTimeout)
	}
	if n := len(srv.logged("sip tcp connection closed: message not complete within the read timeout")); n > 2 {
		t.Errorf("%d log lines for the closed connections; want at most 2 (one per 5 s)", n)
	}
}

// TestSIPTCPSurvivesEMFILE: Parley runs with 64 descriptors; TCP
// connections exhaust them, so accepting fails with EMFILE; once they are
// released, the TCP listener accepts again and sipp's OPTIONS over TCP
// gets 200 (regression: the listener stopped for good).
func TestSIPTCPSurvivesEMFILE(t *testing.T) {
	srv := startParley(t, transportConfig("60s", 1000, ""), underCommand("prlimit", "--nofile=64:64", "--"))
	var conns []net.Conn
	for range 100 {
		c, err := net.Dial("tcp4", srv.sipTCP) // the kernel's backlog completes the handshake
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	// Parley has taken all its descriptors when its table is full.
	fds := filepath.Join("/proc", strconv.Itoa(srv.cmd.Process.Pid), "fd")
	deadline := time.Now().Add(10 * time.Second)
	for {
		open, err := os.ReadDir(fds)
		if err != nil {
			t.Fatal(err)
		}
		if len(open) >= 64 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("parley holds %d descriptors after 100 connections; want its limit, 64", len(open))
		}
		time.Sleep(50 * time.Millisecond)
	}
	srv.waitLog(t, "sip tcp accept failed; retrying", 1, 5*time.Second)
	if err := srv.logged("sip tcp accept failed; retrying")[0]["err"]; !strings.Contains(fmt.Sprint(err), "too many open files") {
		t.Errorf("accept failed with %v; want EMFILE (too many open files)", err)
	}
	for _, c := range conns {
		c.Close()
	}
	if out, err := runSipp(t, "options.xml", "1000", srv.sipTCP, "-t", "t1"); err != nil {
		srv.dumpLogs(t)
		t.Fatalf("OPTIONS over TCP after the descriptors came back failed: %v\n%s", err, out)
	}
	if n := len(srv.logged("sip listener stopped")); n > 0 {
		t.Errorf("a SIP listener stopped")
	}
}

// TestSIGHUPReloadKeepsCall: SIGHUP during a call reloads the config
// (here the same file: no changes) and changes nothing else: the process
// runs on, answers OPTIONS, and the call gets no BYE until the process is
// stopped (regression: SIGHUP killed parley, exit 129, without a BYE).
func TestSIGHUPReloadKeepsCall(t *testing.T) {
	srv := startParley(t, transportConfig("10s", 32, ""))
	call := make(chan error, 1)
	var out string
	go func() {
		var err error
		out, err = runSipp(t, "wait_bye.xml", "1000", srv.sipUDP)
		call <- err
	}()
	srv.waitLog(t, "call answered", 1, 10*time.Second)
	if err := srv.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	srv.waitLog(t, "config reloaded", 1, 5*time.Second)
	if !loggedWith(srv, "config reloaded", "changes", "no changes") {
		srv.dumpLogs(t)
		t.Errorf("the reload of the same file did not say %q", "no changes")
	}
	if out, err := runSipp(t, "options.xml", "1000", srv.sipUDP); err != nil {
		t.Fatalf("OPTIONS after SIGHUP failed: %v\n%s", err, out)
	}
	select {
	case <-srv.stopped:
		t.Fatal("parley exited after SIGHUP")
	case err := <-call:
		t.Fatalf("the call ended after SIGHUP (err %v)\n%s", err, out)
	default:
	}
	if n := len(srv.logged("hanging up")); n > 0 {
		t.Errorf("parley hung up %d calls after SIGHUP", n)
	}
	srv.stop(t) // now the call gets its BYE
	if err := <-call; err != nil {
		t.Fatalf("no BYE when parley stopped after the SIGHUP: %v\n%s", err, out)
	}
	if n := len(srv.logged("SIGHUP: reloading the config")); n != 1 {
		t.Errorf("%d SIGHUP log lines, want 1", n)
	}
}

// TestRoomLockSurvivesRestart: a room locked through the REST API is still
// locked after parley restarts on the same store: the API says so and a
// caller (not a moderator) is refused (regression: every start opened
// every room).
func TestRoomLockSurvivesRestart(t *testing.T) {
	store := "store:\n  path: " + filepath.Join(t.TempDir(), "parley.db") + "\n"
	config := transportConfig("10s", 32, store)
	first := startParley(t, config)
	var room struct {
		Locked bool `json:"locked"`
	}
	if code := first.apiCall(t, "PATCH", "/api/v1/rooms/1000", map[string]any{"locked": true}, &room); code != 200 || !room.Locked {
		t.Fatalf("PATCH locked: %d, locked %v", code, room.Locked)
	}
	first.stop(t)

	second := startParley(t, config)
	room.Locked = false
	if code := second.apiCall(t, "GET", "/api/v1/rooms/1000", nil, &room); code != 200 || !room.Locked {
		t.Fatalf("after the restart: GET room %d, locked %v; want locked", code, room.Locked)
	}
	if out, err := runSipp(t, "wait_bye.xml", "1000", second.sipUDP); err != nil {
		t.Fatalf("a caller into the locked room got no BYE: %v\n%s", err, out)
	}
	refused := false
	for _, r := range second.logged("call refused") {
		refused = refused || strings.HasSuffix(fmt.Sprint(r["reason"]), "room locked")
	}
	if !refused {
		second.dumpLogs(t)
		t.Error("the call was not refused with reason \"room locked\"")
	}
	// Unlocking is stored too.
	second.apiCall(t, "PATCH", "/api/v1/rooms/1000", map[string]any{"locked": false}, &room)
	second.stop(t)
	third := startParley(t, config)
	if third.apiCall(t, "GET", "/api/v1/rooms/1000", nil, &room); room.Locked {
		t.Error("unlocked room locked again after a restart")
	}
}

// TestMetricsListener: with metrics.listen set, /metrics is served there
// and no longer on the main HTTP listener.
func TestMetricsListener(t *testing.T) {
	srv := startParley(t, transportConfig("10s", 32, "metrics:\n  listen: 127.0.0.1:0\n"))
	recs := srv.logged("metrics listening")
	if len(recs) != 1 {
		t.Fatalf("%d \"metrics listening\" log lines, want 1", len(recs))
	}
	get := func(addr string) (int, string) {
		res, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(body)
	}
	if code, body := get(fmt.Sprint(recs[0]["addr"])); code != 200 || !strings.Contains(body, "parley_") {
		t.Errorf("GET /metrics on metrics.listen: %d, %.200q", code, body)
	}
	if code, _ := get(srv.http); code == 200 {
		t.Error("GET /metrics on http.listen: 200; want it served only on metrics.listen")
	}
}
