package e2e

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The SIP message trace (`parley trace`) against a real parley serve and
// real peers: sipp calls from two addresses, sngrep as the HEP collector
// and tshark reading what sngrep captured.

const traceConfig = roomConfig + `admin_tokens: ["` + adminToken + `"]
`

// parleyCLI runs the parley binary's client command args against srv and
// returns its stdout; a non-zero exit fails the test.
func parleyCLI(t *testing.T, srv *server, args ...string) string {
	t.Helper()
	args = append(args, "--api", "http://"+srv.http, "--token", adminToken)
	cmd := exec.Command(parleyBin, args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("parley %s: %v\n%s%s", strings.Join(args, " "), err, out.String(), errOut.String())
	}
	return out.String()
}

// sippCall makes one call_bye call into room 1000 over UDP from ip and
// returns its Call-ID, prefix-1@ip; a failed call fails the test.
func sippCall(t *testing.T, srv *server, ip, prefix string) string {
	t.Helper()
	out, err := runSipp(t, "call_bye.xml", "1000", srv.sipUDP, "-i", ip, "-cid_str", prefix+"-%u@%s")
	if err != nil {
		t.Errorf("sipp from %s: %v\n%s", ip, err, out)
	}
	return prefix + "-1@" + ip
}

// waitLogged waits until parley has logged a line msg whose key is value.
func waitLogged(t *testing.T, srv *server, msg, key, value string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		for _, r := range srv.logged(msg) {
			if r[key] == value {
				return
			}
		}
		if time.Now().After(deadline) {
			srv.dumpLogs(t)
			t.Fatalf("no %q log line with %s=%s", msg, key, value)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// hepCollector is sngrep listening for HEP v3 on UDP and writing what it
// gets to a pcap file.
type hepCollector struct {
	cmd  *exec.Cmd
	addr string
	pcap string
	done chan error
}

func startSngrep(t *testing.T) *hepCollector {
	t.Helper()
	if _, err := exec.LookPath("sngrep"); err != nil {
		t.Fatal("sngrep is not installed; run `make test`, which installs it (package sngrep)")
	}
	// sngrep takes a port, not port 0: take a free one from the kernel.
	probe, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := probe.LocalAddr().String()
	probe.Close()
	c := &hepCollector{addr: addr, pcap: filepath.Join(t.TempDir(), "hep.pcap"), done: make(chan error, 1)}
	c.cmd = exec.Command("sngrep", "-N", "-q", "-L", "udp:"+addr, "-O", c.pcap)
	var out bytes.Buffer
	c.cmd.Stdout, c.cmd.Stderr = &out, &out
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { c.done <- c.cmd.Wait() }()
	t.Cleanup(func() {
		_ = c.cmd.Process.Kill()
		<-c.done
	})
	// Listening once the port is taken.
	deadline := time.Now().Add(10 * time.Second)
	for {
		pc, err := net.ListenPacket("udp4", addr)
		if err != nil && errors.Is(err, syscall.EADDRINUSE) {
			return c
		}
		if err == nil {
			pc.Close()
		}
		if time.Now().After(deadline) {
			t.Fatalf("sngrep not listening on %s after 10 s: %s", addr, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop ends sngrep, which then has written its pcap.
func (c *hepCollector) stop(t *testing.T) {
	t.Helper()
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(10 * time.Second):
		t.Fatal("sngrep did not stop within 10 s of SIGTERM")
	}
	c.done <- nil // for the cleanup
}

// sipInPcap returns the SIP messages tshark reads in path, one line each:
// "SRC -> DST METHOD-OR-STATUS CSEQ-METHOD CALL-ID".
func sipInPcap(t *testing.T, path string) []string {
	t.Helper()
	out, err := exec.Command("tshark", "-r", path, "-Y", "sip", "-T", "fields", "-E", "separator=|",
		"-e", "ip.src", "-e", "ip.dst", "-e", "sip.Method", "-e", "sip.Status-Code", "-e", "sip.CSeq.method",
		"-e", "sip.Call-ID").CombinedOutput()
	if err != nil {
		t.Fatalf("tshark: %v\n%s", err, out)
	}
	var msgs []string
	for line := range strings.Lines(string(out)) {
		f := strings.Split(strings.TrimSpace(line), "|")
		if len(f) != 6 {
			continue
		}
		msgs = append(msgs, fmt.Sprintf("%s -> %s %s%s %s %s", f[0], f[1], f[2], f[3], f[4], f[5]))
	}
	return msgs
}

// traceHeader is the line before each message in a trace file.
var traceHeader = regexp.MustCompile(`^\d{4}-\d\d-\d\dT[0-9:.]+Z (recv|sent) `)

// tracedMessages reads a trace file's messages as their header lines,
// start lines and CSeq: "recv udp A -> B call-id=\"X\" … | INVITE sip:… |
// CSeq: 1 INVITE".
func tracedMessages(text string) []string {
	var msgs []string
	lines := strings.Split(text, "\n")
	for i := 0; i+1 < len(lines); i++ {
		if !traceHeader.MatchString(lines[i]) {
			continue
		}
		m := lines[i] + " | " + strings.TrimSuffix(lines[i+1], "\r")
		for _, l := range lines[i+2:] {
			l = strings.TrimSuffix(l, "\r")
			if l == "" {
				break
			}
			if strings.HasPrefix(strings.ToLower(l), "cseq:") {
				m += " | " + l
			}
		}
		msgs = append(msgs, m)
	}
	return msgs
}

// readTrace reads the trace file at path once it holds a message with
// every part of each of wants (messages are written once sent, so the
// peer may have the last before the file does), or after 10 s.
func readTrace(t *testing.T, path string, wants ...[]string) (text string, msgs []string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		data, err := os.ReadFile(path)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		text, msgs = string(data), tracedMessages(string(data))
		all := true
		for _, w := range wants {
			all = all && hasMessage(msgs, w...)
		}
		if all || time.Now().After(deadline) {
			return text, msgs
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// hasMessage tells whether one of msgs contains every one of parts.
func hasMessage(msgs []string, parts ...string) bool {
	for _, m := range msgs {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(m, p)
		}
		if all {
			return true
		}
	}
	return false
}

// TestTraceBySource: `parley trace on --source` traces a sipp call from
// that address (INVITE, 200, ACK, BYE, 200) into sip.trace.file and to
// sngrep over HEP, a call from 127.0.0.2 meanwhile not at all, and after
// `parley trace off` nothing more.
func TestTraceBySource(t *testing.T) {
	coll := startSngrep(t)
	traceFile := filepath.Join(t.TempDir(), "sip-trace.log")
	srv := startParley(t, strings.Replace(traceConfig, "  domain: 127.0.0.1\n", fmt.Sprintf(
		"  domain: 127.0.0.1\n  trace:\n    file: %s\n    hep: {address: %q, agent_id: 7, password: hep-secret}\n",
		traceFile, coll.addr), 1))

	if out := parleyCLI(t, srv, "trace", "on", "--source", "127.0.0.1"); !strings.Contains(out, "trace 1 on: source 127.0.0.1/32") {
		t.Fatalf("trace on: %q", out)
	}
	if out := parleyCLI(t, srv, "trace", "list"); !strings.Contains(out, "source 127.0.0.1/32") {
		t.Errorf("trace list: %q", out)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // the other source calls at the same time
		defer wg.Done()
		sippCall(t, srv, "127.0.0.2", "other")
	}()
	traced := sippCall(t, srv, "127.0.0.1", "traced")
	wg.Wait()
	other := "other-1@127.0.0.2"
	waitLogged(t, srv, "call answered", "call_id", other) // the other call did happen
	if out := parleyCLI(t, srv, "trace", "off"); !strings.Contains(out, "1 traces off") {
		t.Errorf("trace off: %q", out)
	}
	after := sippCall(t, srv, "127.0.0.1", "after")
	waitLogged(t, srv, "call answered", "call_id", after)

	call := `call-id="` + traced + `"`
	wants := [][]string{
		{"recv udp 127.0.0.1:", call, "| INVITE sip:1000@"},
		{"sent udp 127.0.0.1:", call, "| SIP/2.0 200 OK"},
		{"recv udp 127.0.0.1:", call, "| ACK sip:"},
		{"recv udp 127.0.0.1:", call, "| BYE sip:"},
		{"sent udp 127.0.0.1:", call, "| SIP/2.0 200 OK", "| CSeq: 2 BYE"},
	}
	text, msgs := readTrace(t, traceFile, wants...)
	for _, want := range wants {
		if !hasMessage(msgs, want...) {
			t.Errorf("trace file lacks %q", want)
		}
	}
	for _, not := range []string{"127.0.0.2", other, after} {
		if strings.Contains(text, not) {
			t.Errorf("trace file has %q, which was not to be traced", not)
		}
	}
	if t.Failed() {
		t.Logf("trace file:\n%s", text)
	}
	if fi, err := os.Stat(traceFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("trace file mode %v, %v; want 0600", fi.Mode(), err)
	}

	// The collector got the same call, and only it.
	coll.stop(t)
	hep := sipInPcap(t, coll.pcap)
	for _, want := range [][]string{
		{"127.0.0.1 -> 127.0.0.1 INVITE INVITE " + traced},
		{"200 INVITE " + traced},
		{"127.0.0.1 -> 127.0.0.1 BYE BYE " + traced},
		{"200 BYE " + traced},
	} {
		if !hasMessage(hep, want...) {
			t.Errorf("sngrep's capture lacks %q; it has:\n%s", want, strings.Join(hep, "\n"))
		}
	}
	for _, m := range hep {
		if strings.Contains(m, "127.0.0.2") || strings.Contains(m, after) {
			t.Errorf("sngrep got %q, which was not to be traced", m)
		}
	}
}

// TestTraceByCallIDToLog: without sip.trace.file a trace by Call-ID goes
// to the log, and `parley trace --follow` prints it as it comes; another
// call from the same address is not traced.
func TestTraceByCallIDToLog(t *testing.T) {
	srv := startParley(t, traceConfig)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	follow := exec.CommandContext(ctx, parleyBin, "trace", "--follow", "--api", "http://"+srv.http, "--token", adminToken)
	stdout, err := follow.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := follow.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cancel()
		_ = follow.Wait()
	}()
	lines := make(chan string, 1000)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()

	srv.waitLog(t, "api sip trace followed", 1, 10*time.Second)
	want := "wanted-1@127.0.0.1"
	if out := parleyCLI(t, srv, "trace", "on", "--call-id", want, "--for", "2m"); !strings.Contains(out, "trace 1 on: call-id "+want) {
		t.Fatalf("trace on: %q", out)
	}
	sippCall(t, srv, "127.0.0.1", "unwanted")
	sippCall(t, srv, "127.0.0.1", "wanted")
	waitLogged(t, srv, "call ended", "call_id", want)

	seen := map[string]bool{}
	for _, r := range srv.logged("sip trace") {
		if r["call_id"] != want {
			t.Errorf("traced another call: %v", r)
			continue
		}
		msg, _ := r["message"].(string)
		start, _, _ := strings.Cut(msg, "\r\n")
		seen[r["dir"].(string)+" "+r["transport"].(string)+" "+strings.Fields(start)[0]] = true
	}
	for _, m := range []string{"recv udp INVITE", "sent udp SIP/2.0", "recv udp ACK", "recv udp BYE"} {
		if !seen[m] {
			t.Errorf("log lacks a traced %q; has %v", m, seen)
		}
	}

	// --follow printed the call's INVITE.
	deadline := time.After(10 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("parley trace --follow ended early")
			}
			if strings.HasPrefix(l, "INVITE sip:1000@") {
				return
			}
			if strings.Contains(l, "unwanted") {
				t.Errorf("--follow printed the other call: %q", l)
			}
		case <-deadline:
			t.Fatal("parley trace --follow printed no INVITE in 10 s")
		}
	}
}

// TestTraceTCP: a call over TCP is traced whole, each message once,
// however the stream carries it.
func TestTraceTCP(t *testing.T) {
	traceFile := filepath.Join(t.TempDir(), "sip-trace.log")
	srv := startParley(t, strings.Replace(traceConfig, "  domain: 127.0.0.1\n",
		"  domain: 127.0.0.1\n  trace:\n    file: "+traceFile+"\n", 1))
	parleyCLI(t, srv, "trace", "on", "--source", "127.0.0.0/8")
	out, err := runSipp(t, "call_bye.xml", "1000", srv.sipTCP, "-t", "t1", "-cid_str", "tcp-%u@%s")
	if err != nil {
		t.Fatalf("sipp over tcp: %v\n%s", err, out)
	}
	waitLogged(t, srv, "call ended", "call_id", "tcp-1@127.0.0.1")
	call := `call-id="tcp-1@127.0.0.1"`
	text, msgs := readTrace(t, traceFile, []string{"sent tcp", call, "| SIP/2.0 200 OK", "| CSeq: 2 BYE"})
	data := []byte(text)
	for _, want := range []struct {
		n     int
		parts []string
	}{
		{1, []string{"recv tcp 127.0.0.1:", call, "| INVITE sip:1000@"}},
		{1, []string{"recv tcp 127.0.0.1:", call, "| ACK sip:"}},
		{1, []string{"recv tcp 127.0.0.1:", call, "| BYE sip:"}},
		{2, []string{"sent tcp 127.0.0.1:", call, "| SIP/2.0 200 OK"}},
	} {
		n := 0
		for _, m := range msgs {
			if hasMessage([]string{m}, want.parts...) {
				n++
			}
		}
		if n != want.n {
			t.Errorf("trace file has %d of %q, want %d", n, want.parts, want.n)
		}
	}
	// Each message whole: the INVITE's SDP ends the INVITE.
	if !strings.Contains(string(data), "a=sendrecv\r\n\n") {
		t.Error("the INVITE's body is not traced whole")
	}
	if t.Failed() {
		t.Logf("trace file:\n%s", data)
	}
}

// TestTraceDialOut: the requests Parley originates are traced too: a call
// out to a sipp callee (INVITE and ACK sent, 200 received), from the
// listening socket.
func TestTraceDialOut(t *testing.T) {
	traceFile := filepath.Join(t.TempDir(), "sip-trace.log")
	srv := startParley(t, strings.Replace(dialConfig, "  domain: 127.0.0.1\n",
		"  domain: 127.0.0.1\n  trace:\n    file: "+traceFile+"\n", 1))
	uas := startUAS(t, "uas_answer.xml", map[string]string{"RURI": `bob@127\.0\.0\.1:UAS_PORT`, "HOLD": "1000"}, 20*time.Second)
	parleyCLI(t, srv, "trace", "on", "--source", "127.0.0.1")
	srv.dial(t, "1000", fmt.Sprintf("#sip:bob@127.0.0.1:%d", uas.port), nil)
	if err := uas.wait(t); err != nil {
		uas.dump(t)
		t.Fatalf("callee: %v", err)
	}
	to := fmt.Sprintf(" -> 127.0.0.1:%d ", uas.port)
	from := fmt.Sprintf("udp 127.0.0.1:%d -> %s ", uas.port, srv.sipUDP)
	wants := [][]string{
		{"sent udp " + srv.sipUDP + to, "| INVITE sip:bob@127.0.0.1:"},
		{"recv " + from, "| SIP/2.0 200 OK"},
		{"sent udp " + srv.sipUDP + to, "| ACK sip:"},
	}
	_, msgs := readTrace(t, traceFile, wants...)
	for _, want := range wants {
		if !hasMessage(msgs, want...) {
			t.Errorf("trace file lacks %q; has\n%s", want, strings.Join(msgs, "\n"))
		}
	}
}

// TestTraceTLS: an OPTIONS over TLS (openssl s_client) and its 200 are
// traced in clear, as transport tls.
func TestTraceTLS(t *testing.T) {
	cert, key := writeCert(t, t.TempDir())
	traceFile := filepath.Join(t.TempDir(), "sip-trace.log")
	cfg := strings.Replace(traceConfig, "listen: [udp://127.0.0.1:0, tcp://127.0.0.1:0]",
		fmt.Sprintf("listen: [udp://127.0.0.1:0, tls://127.0.0.1:0]\n  tls: {cert: %s, key: %s}\n  trace: {file: %s}",
			cert, key, traceFile), 1)
	srv := startParley(t, cfg)
	parleyCLI(t, srv, "trace", "on", "--call-id", "e2e-trace-tls-1")
	cmd := exec.Command("openssl", "s_client", "-connect", srv.sipTLS, "-quiet", "-verify_return_error", "-CAfile", cert)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	msg := "OPTIONS sip:1000@" + srv.sipTLS + " SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:5999;branch=z9hG4bK-e2e-trace-tls;rport\r\n" +
		"From: <sip:probe@127.0.0.1>;tag=t1\r\nTo: <sip:1000@" + srv.sipTLS + ">\r\nCall-ID: e2e-trace-tls-1\r\n" +
		"CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
	if _, err := stdin.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	answered := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "SIP/2.0 ") {
				answered <- strings.HasPrefix(sc.Text(), "SIP/2.0 200")
				return
			}
		}
		answered <- false
	}()
	select {
	case ok := <-answered:
		if !ok {
			t.Fatal("OPTIONS over TLS not answered 200")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no answer to OPTIONS over TLS within 10 s")
	}
	wants := [][]string{
		{"recv tls 127.0.0.1:", "-> " + srv.sipTLS, `call-id="e2e-trace-tls-1"`, "| OPTIONS sip:1000@"},
		{"sent tls " + srv.sipTLS + " -> 127.0.0.1:", `call-id="e2e-trace-tls-1"`, "| SIP/2.0 200 OK"},
	}
	_, msgs := readTrace(t, traceFile, wants...)
	for _, want := range wants {
		if !hasMessage(msgs, want...) {
			t.Errorf("trace file lacks %q; has\n%s", want, strings.Join(msgs, "\n"))
		}
	}
}
