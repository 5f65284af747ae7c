package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/testslapd"
)

// directoryConfig has the local user 2001 (web password hash given), the
// extension 1002, which the directory's bob has as his extension and a
// baresip registers as, the unregistered 1003 (carol's), room 1000 and
// the ldap section.
const directoryConfig = `
sip:
  listen: [udp://127.0.0.1:0]
  domain: 127.0.0.1
  auth_algorithms: [MD5]   # baresip 1.0 fails when offered two challenges
rtp:
  ports: 47300-47398
http:
  listen: 127.0.0.1:0
log:
  format: json
  level: info
admin_tokens: ["` + adminToken + `"]
extensions:
  - {number: "2001", name: Lou Local, email: lou@example.com, password: sip-secret-2001, password_hash: "%s"}
  - {number: "1002", name: Bob Desk, password: sip-secret-1002}
  - {number: "1003", name: Carol Desk, password: sip-secret-1003}
rooms:
  - {number: "1000", name: Directory room}
%s
`

// directoryUser is one user of GET /api/v1/directory's answer.
type directoryUser struct {
	Login, Name, Email, Phone, Extension, Source string
	Online                                       bool
}

// search asks GET /api/v1/directory?q= with the session and returns the
// users as "source:login" with "+online", and the warning.
func (c *webClient) search(q string) (users []directoryUser, warning string) {
	c.t.Helper()
	res, data := c.do("GET", "/api/v1/directory?q="+url.QueryEscape(q), nil, false)
	var out struct {
		Users   []directoryUser
		Warning string
	}
	if res.StatusCode != http.StatusOK || json.Unmarshal(data, &out) != nil {
		c.t.Fatalf("search %q: %d %s", q, res.StatusCode, data)
	}
	return out.Users, out.Warning
}

// found names users as source:login, with "+" when online.
func found(users []directoryUser) []string {
	out := []string{}
	for _, u := range users {
		s := u.Source + ":" + u.Login
		if u.Online {
			s += "+"
		}
		out = append(out, s)
	}
	return out
}

// TestDirectory is issue 14's directory against a real OpenLDAP and a
// real phone: a signed-in user finds users by partial name, email and
// number, local and LDAP; an extension a baresip has registered shows
// online and one nobody has registered does not; a room token gets 403;
// dialling a directory user's name calls their extension (baresip
// answers) under their name; with the LDAP server stopped, a search
// still lists the local users with a warning (and a query asked moments
// before is answered from the cache).
func TestDirectory(t *testing.T) {
	dir := testslapd.Start(t)
	srv := startParley(t, fmt.Sprintf(directoryConfig, hashPW(t, "local-pw"), ldapSection(dir, true, dir.URL)))
	lou := newWebClient(t, "http://"+srv.http, nil)
	if res, _ := lou.signIn("2001", "local-pw"); res.StatusCode != http.StatusCreated {
		t.Fatalf("sign-in: %d", res.StatusCode)
	}
	check := func(q string, want []string, wantWarning bool) []directoryUser {
		t.Helper()
		users, warning := lou.search(q)
		if got := found(users); !slices.Equal(got, want) || (warning != "") != wantWarning {
			t.Errorf("search %q: %v warning %q, want %v (warning %v)", q, got, warning, want, wantWarning)
		}
		return users
	}
	users := check("arch", []string{"ldap:alice"}, false)
	if len(users) == 1 {
		if u := users[0]; u.Name != "Alice Archer" || u.Email != "alice@parley.test" || u.Extension != "1001" ||
			u.Phone != "+493012345601" {
			t.Errorf("alice: %+v", u)
		}
	}
	check("LOU", []string{"local:2001"}, false)
	check("example.com", []string{"local:2001"}, false)
	check("bob", []string{"local:1002", "ldap:bob"}, false)
	check("1002", []string{"local:1002", "ldap:bob"}, false)
	check("carol", []string{"local:1003", "ldap:carol"}, false)

	bob := newPhoneAccount(t, "bob", quietWAV(t), "PCMU/8000/1", 47500,
		"<sip:1002@"+srv.sipUDP+">;auth_pass=sip-secret-1002;regint=300;answermode=auto")
	bob.start(t, 20)
	srv.waitLog(t, "registration added", 1, 10*time.Second)
	check("1002", []string{"local:1002+", "ldap:bob+"}, false)
	check("desk", []string{"local:1002+", "local:1003"}, false)

	// A room token (what a guest or attendee holds) sees nothing of it.
	var tok struct{ Token string }
	if code := srv.apiCall(t, "POST", "/api/v1/rooms/1000/tokens", map[string]string{"role": "moderator"}, &tok); code != 201 {
		t.Fatalf("mint: %d", code)
	}
	req, _ := http.NewRequest("GET", "http://"+srv.http+"/api/v1/directory?q=bob", nil)
	req.Header.Set("Authorization", "Bearer "+tok.Token)
	if res, data := httpDo(t, req); res.StatusCode != http.StatusForbidden || strings.Contains(string(data), "Baker") {
		t.Errorf("room token: %d %s, want 403", res.StatusCode, data)
	}

	// dial by the directory user's name rings their extension.
	id := srv.dial(t, "1000", "bob baker", nil)
	if d := srv.waitDial(t, "1000", id, 15*time.Second); d.Status != "answered" || d.Name != "Bob Baker" {
		t.Errorf("dial bob baker: %+v, want answered and named Bob Baker", d)
	}
	if log := bob.logText(); !strings.Contains(log, "INVITE sip:") {
		t.Errorf("baresip 1002 got no INVITE:\n%s", log)
	}

	dir.Stop(t)
	check("carol", []string{"local:1003", "ldap:carol"}, false) // asked moments ago: from the cache
	check("caro", []string{"local:1003"}, true)                 // LDAP cannot be asked
	check("caro", []string{"local:1003"}, true)                 // and again: errors are not cached
	srv.waitLog(t, "directory search: ldap unavailable", 2, 5*time.Second)
}

// quietWAV writes 20 s of silence for a phone to send.
func quietWAV(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "quiet.wav")
	if err := writeTone(p, 8000, 0, 0, 20); err != nil {
		t.Fatal(err)
	}
	return p
}
