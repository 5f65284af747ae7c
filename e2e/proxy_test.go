package e2e

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// proxyConfig trusts the proxy on 127.0.0.1 only, and makes the guard
// hold a source off after its first wrong PIN, for 30 s.
const proxyConfig = `
sip:
  listen: [udp://127.0.0.1:0]
rtp:
  ports: 45100-45198
http:
  listen: 127.0.0.1:0
  trusted_proxies: [127.0.0.1/32]
log:
  format: json
  level: info
guard:
  free_failures: 1
  base_delay: 30s
  max_delay: 30s
rooms:
  - {number: "1000", name: Proxied, pin: "4321", moderator_pin: "9999"}
`

// startNginx runs nginx as a reverse proxy on 127.0.0.1 in front of
// upstream, appending the client's address to X-Forwarded-For as
// admins set it up; it returns nginx's address and stops it when the
// test ends.
func startNginx(t *testing.T, upstream string) string {
	t.Helper()
	if _, err := exec.LookPath("nginx"); err != nil {
		t.Fatal("nginx is not installed; run `make test`, which installs it (nginx-light)")
	}
	dir := t.TempDir()
	addr := fmt.Sprintf("127.0.0.1:%d", freeTCPPort(t))
	conf := fmt.Sprintf(`daemon off;
master_process off;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log info;
events {}
http {
  access_log %[1]s/access.log;
  client_body_temp_path %[1]s/body;
  proxy_temp_path %[1]s/proxy;
  fastcgi_temp_path %[1]s/fastcgi;
  uwsgi_temp_path %[1]s/uwsgi;
  scgi_temp_path %[1]s/scgi;
  server {
    listen %[2]s;
    location / {
      proxy_pass http://%[3]s;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }
  }
}
`, dir, addr, upstream)
	path := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	errLog := filepath.Join(dir, "error.log")
	d := startDaemon(t, exec.Command("nginx", "-p", dir, "-e", errLog, "-c", path), errLog)
	d.waitReady(t, 10*time.Second, func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	return addr
}

// clientFrom is an HTTP client whose connections come from the loopback
// address ip (Linux routes all of 127.0.0.0/8 to lo).
func clientFrom(t *testing.T, ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	tr := &http.Transport{DialContext: d.DialContext, DisableKeepAlives: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

// consoleLogin sends a wrong moderator PIN to room 1000 at base, with
// X-Forwarded-For xff unless empty, and returns the status.
func consoleLogin(t *testing.T, c *http.Client, base, xff string) int {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), "POST", "http://"+base+"/api/v1/rooms/1000/console-login", strings.NewReader(`{"pin": "1111"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if xff != "" {
		req.Header.Set("X-Forwarded-For", xff)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

// untilBlocked sends wrong PINs until the answer is 429 and returns how
// many were answered 403 first; at most 5 tries (the guard holds a
// source off after its first failure).
func untilBlocked(t *testing.T, c *http.Client, base string, xff func(i int) string) int {
	t.Helper()
	for i := range 5 {
		switch code := consoleLogin(t, c, base, xff(i)); code {
		case http.StatusTooManyRequests:
			return i
		case http.StatusForbidden:
		default:
			t.Fatalf("try %d: status %d, want 403 or 429", i, code)
		}
	}
	t.Fatal("5 wrong PINs and never a 429")
	return 0
}

// TestTrustedProxyRateLimitPerClient is issue 13's proxy check, through a
// real nginx that appends the client's address to X-Forwarded-For:
// client A (127.0.0.2) guesses the console PIN until the guard holds it
// off; client B (127.0.0.3), through the same proxy, is not held off; A
// forging X-Forwarded-For is still A. A peer that is not a trusted proxy
// (127.0.0.4, straight to Parley) is held off whatever X-Forwarded-For it
// sends. The log lines name the clients, not the proxy.
func TestTrustedProxyRateLimitPerClient(t *testing.T) {
	srv := startParley(t, proxyConfig)
	proxy := startNginx(t, srv.http)
	a, b, direct := clientFrom(t, "127.0.0.2"), clientFrom(t, "127.0.0.3"), clientFrom(t, "127.0.0.4")
	none := func(int) string { return "" }

	if n := untilBlocked(t, a, proxy, none); n < 1 {
		t.Errorf("A was held off after %d wrong PINs, want at least 1 answered 403", n)
	}
	if code := consoleLogin(t, b, proxy, ""); code != http.StatusForbidden {
		t.Errorf("B through the proxy after A was held off: %d, want 403 (its own limit)", code)
	}
	if code := consoleLogin(t, a, proxy, "198.51.100.77"); code != http.StatusTooManyRequests {
		t.Errorf("A forging X-Forwarded-For: %d, want 429 (nginx appends A's address, which is read)", code)
	}
	if n := untilBlocked(t, direct, srv.http, func(i int) string { return fmt.Sprintf("198.51.100.%d", i+1) }); n < 1 {
		t.Errorf("the untrusted peer was held off after %d wrong PINs, want at least 1 answered 403", n)
	}

	remotes := map[string]int{}
	for _, r := range srv.logged("api console login refused") {
		ip, _, err := net.SplitHostPort(fmt.Sprint(r["remote"]))
		if err != nil {
			ip = fmt.Sprint(r["remote"])
		}
		remotes[ip]++
	}
	if remotes["127.0.0.2"] == 0 || remotes["127.0.0.3"] == 0 || remotes["127.0.0.4"] == 0 || remotes["127.0.0.1"] != 0 || len(remotes) != 3 {
		t.Errorf("refused logins logged by remote %v, want 127.0.0.2, .3 and .4 (never the proxy, nor a forged address)", remotes)
	}
}
