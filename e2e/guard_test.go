package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// guardConfig has two extensions and a room with a PIN and a moderator PIN,
// the guard's default limits, and short token lives for the TTL test.
const guardConfig = `
sip:
  listen: [udp://127.0.0.1:0]
  domain: 127.0.0.1
  auth_algorithms: [MD5]
rtp:
  ports: 44000-44998
http:
  listen: 127.0.0.1:0
log:
  format: json
  level: info
extensions:
  - {number: "2001", name: Alice, password: secret1}
  - {number: "2002", name: Bob, password: secret2}
rooms:
  - {number: "1000", name: Guarded, pin: "4321", moderator_pin: "9999"}
api:
  token_ttl: 3s
  token_max_ttl: 10s
`

// guessResult is what the guessing scripts print.
type guessResult struct {
	Verified int     `json:"verified"`
	Refused  int     `json:"refused"`
	OwnOK    int     `json:"own_ok"`
	PINs     int     `json:"pins"`
	Calls    int     `json:"calls"`
	Elapsed  float64 `json:"elapsed"`
}

// runGuesser runs one of testdata/guard's scripts and decodes its line.
func runGuesser(t *testing.T, script string, args ...string) guessResult {
	t.Helper()
	out, err := exec.Command("python3", append([]string{filepath.Join("testdata", "guard", script)}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", script, err, out)
	}
	var r guessResult
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("%s printed %q: %v", script, out, err)
	}
	return r
}

// linesAbout counts parley's log lines whose source field is the address
// ip (with a port, or as the guard's /32).
func linesAbout(srv *server, ip string) int {
	srv.logMu.Lock()
	defer srv.logMu.Unlock()
	n := 0
	for _, r := range srv.logs {
		if s, _ := r["source"].(string); strings.HasPrefix(s, ip+":") || s == ip+"/32" {
			n++
		}
	}
	return n
}

// TestGuardRegistrar is the regression test of registrar password
// guessing, each attack against a fresh `parley serve` for 10 s:
//
//   - svcrack with 200 wrong passwords and then the right one: it must not
//     find it, Parley checks at most 8 of them, and writes a bounded number
//     of log lines about the scanner;
//   - one address guessing 2001 and registering its own 2002 rightly
//     after every guess (which reset the old failure count: 2,196
//     guesses/s were checked on main): at most 8 checked;
//   - 50 rotating addresses (127.0.0.2-51) guessing 2001 (250 in 5 s on
//     main, 5 per address): at most 30 checked, the per-extension count
//     holding them.
func TestGuardRegistrar(t *testing.T) {
	if _, err := exec.LookPath("svcrack"); err != nil {
		t.Fatal("svcrack is not installed (Debian package sipvicious)")
	}
	// The three attacks each wait out their own Parley's guard: side by side.
	t.Run("svcrack", func(t *testing.T) {
		t.Parallel()
		srv := startParley(t, guardConfig)
		words := filepath.Join(t.TempDir(), "words.txt")
		var list strings.Builder
		for i := range 200 {
			fmt.Fprintf(&list, "wrong%d\n", i)
		}
		list.WriteString("secret1\n")
		if err := os.WriteFile(words, []byte(list.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		_, port, _ := strings.Cut(srv.sipUDP, ":")
		start := time.Now()
		cmd := exec.Command("svcrack", "-u", "2001", "-d", words, "-p", port, "--maximumtime", "5", "127.0.0.1")
		out, _ := cmd.CombinedOutput()
		elapsed := time.Since(start)
		verified := 0
		for _, r := range srv.logged("register auth failed") {
			if r["username"] == "2001" {
				verified++
			}
		}
		lines := linesAbout(srv, "127.0.0.1")
		t.Logf("svcrack ran %.1f s: Parley checked %d of its 201 passwords (%.2f/s), %d log lines about 127.0.0.1",
			elapsed.Seconds(), verified, float64(verified)/elapsed.Seconds(), lines)
		if strings.Contains(string(out), "secret1") {
			t.Errorf("svcrack found the password:\n%s", out)
		}
		if verified > 8 {
			t.Errorf("Parley checked %d passwords, want at most 8", verified)
		}
		if max := 8 + 2 + int(elapsed/time.Minute); lines > max {
			srv.dumpLogs(t)
			t.Errorf("%d log lines about the scanner, want at most %d", lines, max)
		}
	})
	for _, tt := range []struct {
		name    string
		args    []string
		maxSeen int
	}{
		{"own successes between guesses", []string{"2001", "10", "1", "2002", "secret2"}, 8},
		{"rotating sources", []string{"2001", "10", "50"}, 30},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := startParley(t, guardConfig)
			host, port, _ := strings.Cut(srv.sipUDP, ":")
			r := runGuesser(t, "guess_register.py", append([]string{host, port}, tt.args...)...)
			t.Logf("%d guesses checked in %.1f s (%.2f/s), %d refused unchecked, %d own registrations; %d guard log lines",
				r.Verified, r.Elapsed, float64(r.Verified)/r.Elapsed, r.Refused, r.OwnOK, len(srv.logged("guard: source blocked")))
			if r.Verified > tt.maxSeen {
				t.Errorf("%d guesses checked in %.0f s, want at most %d", r.Verified, r.Elapsed, tt.maxSeen)
			}
			if r.Verified+r.Refused < 100 {
				t.Errorf("only %d tries in %.0f s: the attack did not run", r.Verified+r.Refused, r.Elapsed)
			}
		})
	}
}

// TestGuardPIN guesses room 1000's PIN with 50 calls at once from one
// address for 15 s, typing PINs as SIP INFO as fast as Parley answers.
// On main Parley checked 637 PINs in 10 s (64/s); the guard lets it check
// at most 12 in 15 s (3 free, then after 1, 2, 4, 8 s), and logs the
// source at most once a minute.
func TestGuardPIN(t *testing.T) {
	t.Parallel()
	srv := startParley(t, guardConfig)
	host, port, _ := strings.Cut(srv.sipUDP, ":")
	r := runGuesser(t, "guess_pin.py", host, port, "1000", "15", "50")
	checked := len(srv.logged("wrong pin"))
	guardLines := len(srv.logged("guard: source blocked"))
	t.Logf("%d calls typed %d PINs in %.1f s; Parley checked %d (%.2f/s); %d guard log lines",
		r.Calls, r.PINs, r.Elapsed, checked, float64(checked)/r.Elapsed, guardLines)
	if r.PINs < 100 {
		t.Fatalf("only %d PINs typed: the attack did not run", r.PINs)
	}
	if checked > 12 {
		t.Errorf("Parley checked %d PINs in %.0f s, want at most 12", checked, r.Elapsed)
	}
	if guardLines > 1 {
		t.Errorf("%d guard log lines for one source in %.0f s, want 1", guardLines, r.Elapsed)
	}
	if len(srv.logged("call joined")) != 0 {
		t.Error("a guessing call joined the room")
	}
}

// TestGuardConsole guesses the moderator PIN at the console sign-in with
// 10 clients at once for 10 s. On main the address could try 5 a minute;
// now it gets at most 8 PINs checked in 10 s (3 free, then after 1, 2, 4
// s) and 429 with Retry-After for the rest, the right PIN included, each
// 429 counted in parley_guard_blocked_total{kind="console"}.
func TestGuardConsole(t *testing.T) {
	t.Parallel()
	srv := startParley(t, guardConfig)
	url := "http://" + srv.http + "/api/v1/rooms/1000/console-login"
	// A client of its own, whose connections are closed at the end: a
	// connection dialled but never used would hold parley's shutdown.
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 10}}
	defer client.CloseIdleConnections()
	var mu sync.Mutex
	codes := map[int]int{}
	retryAfter := true
	deadline := time.Now().Add(10 * time.Second)
	var wg sync.WaitGroup
	for c := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; time.Now().Before(deadline); i++ {
				resp, err := client.Post(url, "application/json", strings.NewReader(fmt.Sprintf(`{"pin": "%d%03d"}`, c, i%1000)))
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				mu.Lock()
				codes[resp.StatusCode]++
				if resp.StatusCode == http.StatusTooManyRequests && resp.Header.Get("Retry-After") == "" {
					retryAfter = false
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	t.Logf("10 s of console sign-ins: %d wrong PINs checked (403), %d held off (429); %d guard log lines",
		codes[403], codes[429], len(srv.logged("guard: source blocked")))
	if codes[403] > 8 || codes[429] < 100 || len(codes) != 2 {
		t.Errorf("answers %v, want at most 8 403s and the rest (over 100) 429", codes)
	}
	if !retryAfter {
		t.Error("a 429 without Retry-After")
	}
	resp, err := client.Post(url, "application/json", strings.NewReader(`{"pin": "9999"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("the right PIN right after: %d, want 429", resp.StatusCode)
	}
	// Every 429 is counted in the metrics.
	resp, err = client.Get("http://" + srv.http + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want := fmt.Sprintf(`parley_guard_blocked_total{kind="console"} %d`, codes[429]+1)
	if !strings.Contains(string(b), want) {
		t.Errorf("/metrics lacks %s", want)
	}
}

// TestGuardTokenTTL signs in at the console with the moderator PIN: the
// token works, and stops working with a 401 saying it expired once the
// configured api.token_ttl (3 s) has passed; so does a token it mints.
func TestGuardTokenTTL(t *testing.T) {
	srv := startParley(t, guardConfig)
	base := "http://" + srv.http + "/api/v1/rooms/1000"
	resp, err := http.Post(base+"/console-login", "application/json", strings.NewReader(`{"pin": "9999"}`))
	if err != nil {
		t.Fatal(err)
	}
	var nt struct {
		Token     string    `json:"token"`
		ExpiresAt time.Time `json:"expires_at"`
	}
	err = json.NewDecoder(resp.Body).Decode(&nt)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("console login: %d %v", resp.StatusCode, err)
	}
	minted := time.Now()
	get := func(token string) (int, string) {
		req, _ := http.NewRequest("GET", base+"/participants", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get(nt.Token); code != http.StatusOK {
		t.Fatalf("fresh console token: %d %s", code, body)
	}
	req, _ := http.NewRequest("POST", base+"/tokens", strings.NewReader(`{"role": "moderator"}`))
	req.Header.Set("Authorization", "Bearer "+nt.Token)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var child struct {
		Token     string     `json:"token"`
		ExpiresAt *time.Time `json:"expires_at"`
	}
	err = json.NewDecoder(resp.Body).Decode(&child)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusCreated || child.ExpiresAt == nil {
		t.Fatalf("mint with the console token: %d %v, expires %v; want 201 with an expiry", resp.StatusCode, err, child.ExpiresAt)
	}
	for _, tok := range []string{nt.Token, child.Token} {
		for {
			code, body := get(tok)
			if code == http.StatusOK && time.Since(minted) < 10*time.Second {
				time.Sleep(200 * time.Millisecond) // polling for the expiry
				continue
			}
			if code != http.StatusUnauthorized || !strings.Contains(body, "token expired at") {
				t.Fatalf("after %v: %d %s, want 401 saying the token expired", time.Since(minted), code, body)
			}
			if age := time.Since(minted); age < 2500*time.Millisecond {
				t.Errorf("token refused after %v, before its 3 s TTL", age)
			}
			break
		}
	}
}

// TestGuardPINBan: with guard.ban_after 4, one caller that keeps guessing
// is banned, and its next PIN ends the call the way wrong PINs do (the
// wrong-PIN prompt, goodbye, BYE), in this call and in the next ones.
func TestGuardPINBan(t *testing.T) {
	t.Parallel()
	srv := startParley(t, guardConfig+"guard:\n  ban_after: 4\n  base_delay: 100ms\n")
	host, port, _ := strings.Cut(srv.sipUDP, ":")
	r := runGuesser(t, "guess_pin.py", host, port, "1000", "16", "1")
	refused := 0
	for _, rec := range srv.logged("call refused") {
		if rec["reason"] == "too many wrong PINs" && rec["banned"] == true {
			refused++
		}
	}
	t.Logf("%d calls, %d PINs typed; %d checked; %d calls refused as banned", r.Calls, r.PINs, len(srv.logged("wrong pin")), refused)
	if n := len(srv.logged("wrong pin")); n != 4 {
		t.Errorf("%d PINs checked, want 4 (then banned)", n)
	}
	if len(srv.logged("guard: source banned")) != 1 || refused < 2 || r.Calls < 2 {
		srv.dumpLogs(t)
		t.Errorf("want one ban and at least two calls refused as banned, got %d calls, %d refused", r.Calls, refused)
	}
}

// TestGuardSvwar: while extension 2001 is slowed by a guessing attack from
// rotating addresses, svwar (REGISTER scan without credentials) still
// cannot tell the extensions from numbers that do not exist.
func TestGuardSvwar(t *testing.T) {
	if _, err := exec.LookPath("svwar"); err != nil {
		t.Fatal("svwar is not installed (Debian package sipvicious)")
	}
	srv := startParley(t, guardConfig)
	host, port, _ := strings.Cut(srv.sipUDP, ":")
	r := runGuesser(t, "guess_register.py", host, port, "2001", "3", "40")
	if r.Refused == 0 {
		t.Fatalf("the attack did not slow 2001: %+v", r)
	}
	out, err := exec.Command("svwar", "-e1990-2010", "-m", "REGISTER", "-p", port, "--force", host).CombinedOutput()
	if err != nil {
		t.Fatalf("svwar: %v\n%s", err, out)
	}
	if strings.Contains(string(out), "2001") || strings.Contains(string(out), "2002") || !strings.Contains(string(out), "found nothing") {
		t.Errorf("svwar told extensions apart:\n%s", out)
	}
}
