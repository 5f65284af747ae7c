package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/config"
)

// syncBuffer is a bytes.Buffer that the app's goroutines may log to while
// the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startTestApp writes yaml to dir/parley.yaml, assembles Parley from it and
// starts it; it is shut down when the test ends (a failed Shutdown fails
// the test), with its log shown if the test failed. It returns the app, its
// config file and its log.
func startTestApp(t *testing.T, dir, yaml string) (*app, string, *syncBuffer) {
	t.Helper()
	path := filepath.Join(dir, "parley.yaml")
	writeConfig(t, path, yaml)
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	logs := new(syncBuffer)
	a, err := newApp(cfg, logs)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := a.Shutdown(context.Background()); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if t.Failed() {
			t.Logf("parley's log:\n%s", logs.String())
		}
	})
	return a, path, logs
}

// TestAppStartShutdown assembles Parley from a config with port-0
// listeners and a temporary SQLite store, checks that SIP answers OPTIONS
// over UDP with 200, that the HTTP server and the separate metrics
// listener serve, and that the store holds the config's room, then shuts
// it down and checks that no goroutine is left behind.
func TestAppStartShutdown(t *testing.T) {
	before := runtime.NumGoroutine()
	dir := t.TempDir()
	path := filepath.Join(dir, "parley.yaml")
	yaml := fmt.Sprintf(`sip:
  listen: [udp://127.0.0.1:0, tcp://127.0.0.1:0]
http:
  listen: 127.0.0.1:0
metrics:
  listen: 127.0.0.1:0
webrtc:
  udp_port: 0
  listen_ip: 127.0.0.1
h323:
  listen: 127.0.0.1:0
store:
  path: %s
rooms:
  - number: "1000"
    name: Stand-up
`, filepath.Join(dir, "parley.db"))
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	a, err := newApp(cfg, &logs)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	stopped := false
	defer func() {
		if !stopped {
			a.Shutdown(context.Background())
		}
		if t.Failed() {
			t.Logf("parley's log:\n%s", logs.String())
		}
	}()

	// SIP: an OPTIONS over UDP is answered 200.
	var udp string
	for _, l := range a.SIPAddrs() {
		if addr, ok := strings.CutPrefix(l, "udp://"); ok {
			udp = addr
		}
	}
	if len(a.SIPAddrs()) != 2 || udp == "" {
		t.Fatalf("SIP listens on %v, want udp and tcp", a.SIPAddrs())
	}
	if status := sipOptions(t, udp); !strings.HasPrefix(status, "SIP/2.0 200 ") {
		t.Errorf("OPTIONS answered %q, want 200", status)
	}

	// HTTP: /healthz on the HTTP server, /metrics on its own listener.
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	if code, body := httpGet(t, client, "http://"+a.HTTPAddr().String()+"/healthz"); code != http.StatusOK {
		t.Errorf("GET /healthz = %d %q, want 200", code, body)
	}
	if a.MetricsAddr() == nil {
		t.Fatal("no metrics listener")
	}
	if code, body := httpGet(t, client, "http://"+a.MetricsAddr().String()+"/metrics"); code != http.StatusOK || !strings.Contains(body, "parley_") {
		t.Errorf("GET /metrics = %d, want 200 with parley_ metrics:\n%.300s", code, body)
	}
	if !a.WebRTCAddr().IsValid() || a.WebRTCAddr().Port() == 0 {
		t.Errorf("WebRTC address %v, want a bound port", a.WebRTCAddr())
	}
	// H.323: the call-signalling listener accepts TCP.
	if h := a.h323.Addr(); !h.IsValid() || h.Port() == 0 {
		t.Errorf("H.323 address %v, want a bound port", h)
	} else if c, err := net.DialTimeout("tcp", h.String(), 5*time.Second); err != nil {
		t.Errorf("H.323 listener: %v", err)
	} else {
		c.Close()
	}

	// Store: the config's room was synced into the SQLite file.
	rooms, err := a.db.Rooms(ctx)
	if err != nil || len(rooms) != 1 || rooms[0].Number != "1000" || !rooms[0].ConfigOwned {
		t.Errorf("stored rooms %+v, %v; want the config's room 1000", rooms, err)
	}

	// Readiness: ready; draining (no call, so the drain ends at once) is not.
	if code, body := httpGet(t, client, "http://"+a.HTTPAddr().String()+"/readyz"); code != http.StatusOK {
		t.Errorf("GET /readyz = %d %q, want 200", code, body)
	}
	a.Drain(make(chan os.Signal))
	if code, body := httpGet(t, client, "http://"+a.HTTPAddr().String()+"/readyz"); code != http.StatusServiceUnavailable ||
		body != "not ready: draining\n" {
		t.Errorf("GET /readyz while draining = %d %q, want 503 not ready: draining", code, body)
	}
	if code, _ := httpGet(t, client, "http://"+a.HTTPAddr().String()+"/healthz"); code != http.StatusOK {
		t.Errorf("GET /healthz while draining = %d, want 200: the process is alive", code)
	}

	stopped = true
	if err := a.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if !strings.Contains(logs.String(), "msg=stopped") {
		t.Errorf("no stopped line in the log")
	}
	if _, err := net.Dial("tcp", a.HTTPAddr().String()); err == nil {
		t.Errorf("HTTP still accepts connections after Shutdown")
	}

	// Nothing Parley started outlives Shutdown.
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines after Shutdown, %d before:\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
}

// sipOptions sends one OPTIONS to addr over UDP and returns the status
// line of the answer.
func sipOptions(t *testing.T, addr string) string {
	t.Helper()
	c, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	local := c.LocalAddr().String()
	req := "OPTIONS sip:1000@" + addr + " SIP/2.0\r\n" +
		"Via: SIP/2.0/UDP " + local + ";branch=z9hG4bK-app-test-1;rport\r\n" +
		"Max-Forwards: 70\r\n" +
		"From: <sip:probe@" + local + ">;tag=app-test\r\n" +
		"To: <sip:1000@" + addr + ">\r\n" +
		"Call-ID: app-test-options@" + local + "\r\n" +
		"CSeq: 1 OPTIONS\r\n" +
		"Content-Length: 0\r\n\r\n"
	if _, err := c.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 4096)
	n, err := c.Read(buf)
	if err != nil {
		t.Fatalf("no answer to OPTIONS: %v", err)
	}
	status, _, _ := strings.Cut(string(buf[:n]), "\r\n")
	return status
}

// httpGet fetches url and returns the status code and the body.
func httpGet(t *testing.T, c *http.Client, url string) (int, string) {
	t.Helper()
	res, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}
