package e2e

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/parleyhq/parley/internal/testcert"
	"github.com/parleyhq/parley/internal/testslapd"
)

// accountsConfig has a local user 2001 (web password "local-pw", the
// given bcrypt hash), the extensions of the directory's bob (1002) and
// carol (1003), rooms owned by bob, by carol, and one bob is a member
// of, a guard whose first wait is 10 s (a held-off client stays so
// however slow the test runs), the http tls lines and the ldap section.
const accountsConfig = `
sip:
  listen: [udp://127.0.0.1:0]
  domain: 127.0.0.1
rtp:
  ports: 46100-46198
http:
  listen: 127.0.0.1:0
%s
log:
  format: json
  level: info
guard:
  base_delay: 10s # a held-off client stays held off however slow the test runs
admin_tokens: ["` + adminToken + `"]
extensions:
  - {number: "2001", name: Local Lou, password: sip-secret-2001, password_hash: "%s"}
  - {number: "1002", name: Bob, password: sip-secret-1002}
  - {number: "1003", name: Carol, password: sip-secret-1003}
rooms:
  - {number: "3000", name: Bob's room, owner: "1002"}
  - {number: "3001", name: Carol's room, owner: "1003"}
  - {number: "3002", name: Team room, owner: "1003", members: ["1002"]}
%s
`

// ldapSection is the ldap section for slapd s at url (StartTLS or not).
func ldapSection(s *testslapd.Server, startTLS bool, url string) string {
	return fmt.Sprintf(`ldap:
  url: %s
  start_tls: %v
  ca_file: %s
  bind_dn: cn=parley-svc,dc=parley,dc=test
  bind_password: svc-pw
  base_dn: dc=parley,dc=test
  user_filter: "(uid=%%s)"
  operators_group: operators
  timeout: 3s
`, url, startTLS, s.CAFile)
}

// webClient is a browser-like client of the session API: it keeps the
// session cookie and the CSRF token by hand, so the test sees both.
type webClient struct {
	t      *testing.T
	base   string
	client *http.Client
	cookie *http.Cookie
	csrf   string
}

func newWebClient(t *testing.T, base string, tr *http.Transport) *webClient {
	if tr == nil {
		tr = &http.Transport{}
	}
	tr.DisableKeepAlives = true
	t.Cleanup(tr.CloseIdleConnections)
	return &webClient{t: t, base: base, client: &http.Client{Transport: tr, Timeout: 10 * time.Second}}
}

// do sends a request with the cookie (if any), the CSRF header if csrf is
// set, and body as JSON; it returns the response and its body.
func (c *webClient) do(method, path string, body any, csrf bool) (*http.Response, []byte) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.cookie != nil {
		req.AddCookie(&http.Cookie{Name: c.cookie.Name, Value: c.cookie.Value})
	}
	if csrf {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	res, err := c.client.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return res, data
}

// sessionInfo is the answer of POST and GET /api/v1/session.
type sessionInfo struct {
	User struct {
		Login, Name, Email, Extension, Role, Source string
	} `json:"user"`
	CSRFToken string `json:"csrf_token"`
}

// signIn posts user and password and returns the status; on 201 it keeps
// the cookie and the CSRF token.
func (c *webClient) signIn(user, password string) (*http.Response, sessionInfo) {
	c.t.Helper()
	res, data := c.do("POST", "/api/v1/session", map[string]string{"user": user, "password": password}, false)
	var info sessionInfo
	if res.StatusCode == http.StatusCreated {
		if err := json.Unmarshal(data, &info); err != nil {
			c.t.Fatalf("sign-in answer %q: %v", data, err)
		}
		for _, ck := range res.Cookies() {
			if ck.Name == "parley_session" {
				c.cookie = ck
			}
		}
		if c.cookie == nil {
			c.t.Fatalf("sign-in of %s set no parley_session cookie: %v", user, res.Header["Set-Cookie"])
		}
		c.csrf = info.CSRFToken
	} else {
		c.t.Logf("sign-in of %s: %d %s", user, res.StatusCode, data)
	}
	return res, info
}

// rooms returns the numbers GET /api/v1/rooms lists for the session.
func (c *webClient) rooms() []string {
	c.t.Helper()
	res, data := c.do("GET", "/api/v1/rooms", nil, false)
	if res.StatusCode != http.StatusOK {
		c.t.Fatalf("GET /api/v1/rooms: %d %s", res.StatusCode, data)
	}
	var rooms []struct{ Number string }
	if err := json.Unmarshal(data, &rooms); err != nil {
		c.t.Fatal(err)
	}
	var out []string
	for _, r := range rooms {
		out = append(out, r.Number)
	}
	slices.Sort(out)
	return out
}

func hashPW(t *testing.T, pw string) string {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return string(h)
}

// TestWebSignInLDAP is issue 14's sign-in against a real directory
// (OpenLDAP over StartTLS): alice, in the operators group, sees every
// room; bob sees the rooms his extension owns or is a member of and not
// carol's; the session cookie is HttpOnly and SameSite=Strict (not Secure
// over plain HTTP); a change made with the cookie needs the CSRF token
// (403 without, 200 with) while the admin token needs none; signing out
// ends the session on the server; a wrong password is refused and then
// throttled with 429 and Retry-After; with the directory stopped an LDAP
// user gets a clear 503 while the local user still signs in.
func TestWebSignInLDAP(t *testing.T) {
	dir := testslapd.Start(t)
	srv := startParley(t, fmt.Sprintf(accountsConfig, "", hashPW(t, "local-pw"), ldapSection(dir, true, dir.URL)))
	base := "http://" + srv.http

	alice := newWebClient(t, base, nil)
	if res, info := alice.signIn("alice", "alice-pw"); res.StatusCode != http.StatusCreated ||
		info.User.Role != "operator" || info.User.Source != "ldap" || info.User.Extension != "1001" ||
		info.User.Email != "alice@parley.test" || info.CSRFToken == "" {
		t.Fatalf("alice: %d %+v", res.StatusCode, info)
	}
	ck := alice.cookie
	if !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Secure || ck.Path != "/" || len(ck.Value) < 43 {
		t.Errorf("cookie over plain HTTP %+v: want HttpOnly, SameSite=Strict, Path=/, not Secure, 256-bit value", ck)
	}
	if got := alice.rooms(); !slices.Equal(got, []string{"3000", "3001", "3002"}) {
		t.Errorf("alice (operator) sees rooms %v, want all three", got)
	}

	bob := newWebClient(t, base, nil)
	if res, info := bob.signIn("bob", "bob-pw"); res.StatusCode != http.StatusCreated || info.User.Role != "user" {
		t.Fatalf("bob: %d %+v", res.StatusCode, info)
	}
	if got := bob.rooms(); !slices.Equal(got, []string{"3000", "3002"}) {
		t.Errorf("bob sees rooms %v, want his own 3000 and 3002 (member)", got)
	}
	if res, data := bob.do("GET", "/api/v1/rooms/3001", nil, false); res.StatusCode != http.StatusNotFound {
		t.Errorf("bob reads carol's room: %d %s, want 404", res.StatusCode, data)
	}
	var who sessionInfo
	if res, data := bob.do("GET", "/api/v1/session", nil, false); res.StatusCode != http.StatusOK ||
		json.Unmarshal(data, &who) != nil || who.User.Login != "bob" || who.User.Role != "user" || who.CSRFToken != bob.csrf {
		t.Errorf("GET /api/v1/session: %d %s", res.StatusCode, data)
	}

	// CSRF: a change with the cookie alone is refused, with the token done.
	// (mute-all: config rooms themselves are read-only through the API.)
	muteAll := map[string]string{}
	if res, data := bob.do("POST", "/api/v1/rooms/3000/mute-all", muteAll, false); res.StatusCode != http.StatusForbidden ||
		!strings.Contains(string(data), "X-CSRF-Token") {
		t.Errorf("POST without X-CSRF-Token: %d %s, want 403 naming the header", res.StatusCode, data)
	}
	if res, data := bob.do("POST", "/api/v1/rooms/3000/mute-all", muteAll, true); res.StatusCode != http.StatusOK ||
		!strings.Contains(string(data), "muted") {
		t.Errorf("POST with X-CSRF-Token: %d %s, want 200", res.StatusCode, data)
	}
	if res, data := bob.do("POST", "/api/v1/rooms/3002/mute-all", muteAll, true); res.StatusCode != http.StatusForbidden {
		t.Errorf("bob (member, not owner) mutes room 3002: %d %s, want 403", res.StatusCode, data)
	}
	if recs := srv.logged("api mute all"); len(recs) != 1 || recs[0]["by"] != "user bob" {
		t.Errorf("mute-all log lines %v, want one by user bob", recs)
	}
	// The admin token needs no CSRF token.
	req, _ := http.NewRequest("POST", base+"/api/v1/rooms/3001/mute-all", strings.NewReader(`{}`))
	req.Header.Set("Authorization", "Bearer "+adminToken)
	req.Header.Set("Content-Type", "application/json")
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusOK {
		t.Errorf("POST with the admin token: %v %v, want 200", res, err)
	} else {
		res.Body.Close()
	}

	// Sign-out ends the session: the same cookie no longer works.
	if res, _ := bob.do("DELETE", "/api/v1/session", nil, false); res.StatusCode != http.StatusForbidden {
		t.Errorf("sign-out without X-CSRF-Token: %d, want 403", res.StatusCode)
	}
	if res, data := bob.do("DELETE", "/api/v1/session", nil, true); res.StatusCode != http.StatusNoContent {
		t.Errorf("sign-out: %d %s", res.StatusCode, data)
	}
	for _, path := range []string{"/api/v1/rooms", "/api/v1/session"} {
		if res, data := bob.do("GET", path, nil, false); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("GET %s after sign-out: %d %s, want 401", path, res.StatusCode, data)
		}
	}

	// A wrong password: refused, then throttled. From 127.0.0.2, so the
	// other clients' address is not held off.
	eve := newWebClient(t, base, &http.Transport{DialContext: (&net.Dialer{
		LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}).DialContext})
	res, _ := eve.signIn("carol", "guess-1")
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d, want 401", res.StatusCode)
	}
	throttled := false
	for i := 2; i <= 8 && !throttled; i++ {
		res, _ := eve.signIn("carol", fmt.Sprintf("guess-%d", i))
		switch res.StatusCode {
		case http.StatusUnauthorized:
		case http.StatusTooManyRequests:
			throttled = true
			if ra, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || ra < 1 || ra > 10 {
				t.Errorf("429 with Retry-After %q", res.Header.Get("Retry-After"))
			}
		default:
			t.Fatalf("guess %d: %d", i, res.StatusCode)
		}
	}
	if !throttled {
		t.Error("8 wrong passwords in a row were never throttled")
	}
	// Even the right password waits while the address is held off.
	if res, _ := eve.signIn("carol", "carol-pw"); res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("right password while held off: %d, want 429", res.StatusCode)
	}

	// The directory goes away: LDAP users get a clear 503, the local user
	// still signs in.
	dir.Stop(t)
	carol := newWebClient(t, base, nil)
	res, data := carol.do("POST", "/api/v1/session", map[string]string{"user": "carol", "password": "carol-pw"}, false)
	if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(data), "directory") ||
		!strings.Contains(string(data), "local users still can") {
		t.Errorf("LDAP user with the directory stopped: %d %s, want 503 saying the directory cannot be reached", res.StatusCode, data)
	}
	lou := newWebClient(t, base, nil)
	if res, info := lou.signIn("2001", "local-pw"); res.StatusCode != http.StatusCreated || info.User.Source != "local" {
		t.Errorf("local user with the directory stopped: %d %+v", res.StatusCode, info)
	}
	if res, _ := lou.signIn("2001", "sip-secret-2001"); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("the SIP password signs in to the web: %d, want 401", res.StatusCode)
	}
	if len(srv.logged("signed in")) < 3 {
		t.Errorf("signed-in log lines: %d", len(srv.logged("signed in")))
	}
}

// TestWebSignInLDAPSOverHTTPS: Parley served over HTTPS, the directory
// over LDAPS: the session cookie is Secure, and a sign-in works.
func TestWebSignInLDAPSOverHTTPS(t *testing.T) {
	dir := testslapd.Start(t)
	ca := testcert.NewCA(t, "Parley test CA")
	tmp := t.TempDir()
	certFile, keyFile := filepath.Join(tmp, "http.pem"), filepath.Join(tmp, "http.key")
	ca.Issue(t, certFile, keyFile, testHost)
	tlsSection := fmt.Sprintf("  tls:\n    cert: %s\n    key: %s", certFile, keyFile)
	srv := startParley(t, fmt.Sprintf(accountsConfig, tlsSection, hashPW(t, "local-pw"), ldapSection(dir, false, dir.LDAPS)))
	c := newWebClient(t, "https://"+srv.http, &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.Pool, ServerName: testHost}})
	res, info := c.signIn("alice", "alice-pw")
	if res.StatusCode != http.StatusCreated || info.User.Role != "operator" {
		t.Fatalf("alice over LDAPS: %d %+v", res.StatusCode, info)
	}
	if ck := c.cookie; !ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode {
		t.Errorf("cookie over HTTPS %+v: want Secure, HttpOnly, SameSite=Strict", ck)
	}
}
