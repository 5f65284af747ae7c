package tsharkcheck

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Live is a running capture of the loopback interface (tshark -i lo), for
// an end-to-end test to capture what Parley and its peer say and decode it
// afterwards:
//
//	live := tsharkcheck.StartLive(t, "tcp port 1720 or tcp portrange 30000-30100")
//	... the call ...
//	frames := tsharkcheck.DecodeFile(t, live.Stop(t))
//
// Capturing needs the right to (root, or membership of the wireshark group
// with dumpcap's capabilities); the test fails without it.
type Live struct {
	cmd    *exec.Cmd
	exited chan struct{}
	path   string
	marker string
	port   int
}

// startWatch collects tshark's standard error and closes ready when it
// says it captures.
type startWatch struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	ready chan struct{}
	seen  bool
}

func (w *startWatch) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if !w.seen && strings.Contains(w.buf.String(), "Capturing on") {
		w.seen = true
		close(w.ready)
	}
	return len(p), nil
}

func (w *startWatch) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.TrimSpace(w.buf.String())
}

// StartLive starts capturing the loopback packets that the capture filter
// (pcap-filter syntax) selects into a file in t.TempDir, and returns once
// tshark captures (it has written a marker datagram sent after it said it
// captures: the filter may start later than that). The capture also holds
// the marker datagrams, UDP between two ports of 127.0.0.1. The test's
// cleanup stops a capture not stopped.
func StartLive(t testing.TB, filter string) *Live {
	t.Helper()
	// The marker's port: a port no one uses, found by binding it.
	probe, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := probe.LocalAddr().(*net.UDPAddr).Port
	probe.Close()
	token := make([]byte, 12)
	rand.Read(token)
	l := &Live{
		path:   filepath.Join(t.TempDir(), "live.pcapng"),
		marker: "tsharkcheck-stop-" + hex.EncodeToString(token),
		port:   port,
	}
	full := fmt.Sprintf("(%s) or (udp port %d)", filter, port)
	l.cmd = exec.Command("tshark", "-n", "-i", "lo", "-f", full, "-w", l.path)
	said := &startWatch{ready: make(chan struct{})}
	l.cmd.Stderr = said
	if err := l.cmd.Start(); err != nil {
		t.Fatalf("tshark: %v", err)
	}
	exited := make(chan struct{})
	go func() { l.cmd.Wait(); close(exited) }()
	l.exited = exited
	t.Cleanup(l.stop)
	select {
	case <-said.ready:
	case <-exited:
		t.Fatalf("tshark stopped before capturing: %s", said)
	case <-time.After(20 * time.Second):
		t.Fatalf("tshark did not start capturing within 20 s: %s", said)
	}
	l.sync(t, "start")
	return l
}

// Stop sends a marker datagram through the loopback interface, waits until
// the capture file holds it (so every packet sent before Stop is in the
// file), stops tshark and returns the file's path.
func (l *Live) Stop(t testing.TB) string {
	t.Helper()
	l.sync(t, "stop")
	l.stop()
	return l.path
}

// sync sends marker datagrams (the marker and what) through the loopback
// interface until the capture file holds one: tshark then captures, and
// has written every packet sent before.
func (l *Live) sync(t testing.TB, what string) {
	t.Helper()
	conn, err := net.Dial("udp4", fmt.Sprintf("127.0.0.1:%d", l.port))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	mark := []byte(l.marker + "-" + what)
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := conn.Write(mark); err != nil && !isRefused(err) {
			t.Fatal(err)
		}
		if b, err := os.ReadFile(l.path); err == nil && bytes.Contains(b, mark) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("tshark did not write the %s marker within 20 s", what)
		}
		time.Sleep(50 * time.Millisecond) // polling the file, not an assertion
	}
}

// isRefused is the ICMP port unreachable the previous marker datagram drew.
func isRefused(err error) bool {
	return strings.Contains(err.Error(), "connection refused")
}

// stop ends tshark (SIGINT, so that it closes the file properly) and waits
// for it; it does nothing once tshark has exited.
func (l *Live) stop() {
	select {
	case <-l.exited:
		return
	default:
	}
	l.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-l.exited:
	case <-time.After(10 * time.Second):
		l.cmd.Process.Kill()
		<-l.exited
	}
}
