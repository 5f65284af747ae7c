package e2e

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// trunkConfig is a bridge with one trunk, pstn, whose proxy is a sipp UAS
// on 127.0.0.1:%d; it may call UK numbers only. Room 1000 has its own
// caller ID, which wins over the trunk's.
const trunkConfig = `
sip:
  listen: [udp://127.0.0.1:0]
  domain: 127.0.0.1
rtp:
  ports: 42000-42998
http:
  listen: 127.0.0.1:0
log:
  format: json
admin_tokens: ["` + adminToken + `"]
trunks:
  - name: pstn
    proxy: "sip:127.0.0.1:%d"
    username: parley
    password: trunk-secret-1
    caller_id: "+441632960000"
    allow: ['^\+44[0-9]{10}$']
rooms:
  - number: "1000"
    name: Weekly sync
    caller_id: "+441632960100"
`

// directConfig is a bridge with no trunks, for #sip: targets.
const directConfig = `
sip:
  listen: [udp://127.0.0.1:0]
  domain: 127.0.0.1
rtp:
  ports: 42000-42998
http:
  listen: 127.0.0.1:0
log:
  format: json
admin_tokens: ["` + adminToken + `"]
rooms:
  - number: "1000"
    name: Weekly sync
    caller_id: "+441632960100"
`

// Digest credentials of the trunk, and the challenge uas_trunk.xml sends.
const (
	trunkUser  = "parley"
	trunkPass  = "trunk-secret-1"
	trunkRealm = "pstn.example.net"
	trunkNonce = "4a1b9f2e7c3d5a6b8e0f1a2b3c4d5e6f"
)

// TestTrunkDialAuthenticatesAndPresentsCallerID dials a UK number through
// the pstn trunk, played by sipp: the proxy challenges the INVITE with 407
// (RFC 3261 §22.3), Parley must re-send it with Proxy-Authorization for
// the trunk's credentials, and present the caller ID in From and
// P-Asserted-Identity: the room's, or the dial request's when it sets one.
// The callee answers, holds for 3 s and hangs up with BYE.
func TestTrunkDialAuthenticatesAndPresentsCallerID(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name     string
		extra    map[string]any
		callerID string
	}{
		{"room caller ID", nil, "+441632960100"},
		{"request caller ID", map[string]any{"caller_id": "+441632960999"}, "+441632960999"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			uas := startUAS(t, "uas_trunk.xml", map[string]string{
				"RURI":     `\+441632960123@127\.0\.0\.1:UAS_PORT`,
				"CALLERID": regexp.QuoteMeta(tt.callerID),
				"HOLD":     "3000",
			}, 20*time.Second)
			srv := startParley(t, fmt.Sprintf(trunkConfig, uas.port))

			id := srv.dial(t, "1000", "+441632960123", tt.extra)
			if d := srv.waitDial(t, "1000", id, 10*time.Second); d.Status != "answered" || d.Code != 200 {
				uas.dump(t)
				srv.dumpLogs(t)
				t.Fatalf("dial +441632960123: %+v, want answered with 200", d)
			}
			if err := uas.wait(t); err != nil {
				uas.dump(t)
				srv.dumpLogs(t)
				t.Fatalf("the trunk's scenario failed: %v", err)
			}
			if !loggedFields(srv, "dialling", "via", "trunk", "trunk", "pstn", "caller_id", tt.callerID) {
				srv.dumpLogs(t)
				t.Errorf("no %q log line via trunk pstn with caller_id %s", "dialling", tt.callerID)
			}

			logs := uas.logText()
			ruri := sippLogValue(logs, "request-uri")
			auth := sippLogValue(logs, "proxy-authorization")
			if err := checkDigestMD5(auth, "INVITE", ruri, trunkUser, trunkPass, trunkRealm, trunkNonce); err != nil {
				t.Errorf("Proxy-Authorization %q for INVITE %s: %v", auth, ruri, err)
			}
		})
	}
}

// TestTollFraudGuardRefusesBeforeInvite dials numbers the trunk does not
// allow, as a number and as a SIP URI at the trunk's proxy: the API must
// answer 403 saying no trunk allows it, and the trunk, a sipp UAS that
// fails on any INVITE, must receive none.
func TestTollFraudGuardRefusesBeforeInvite(t *testing.T) {
	t.Parallel()
	uas := startUAS(t, "uas_no_invite.xml", nil, 3*time.Second)
	srv := startParley(t, fmt.Sprintf(trunkConfig, uas.port))

	for _, to := range []string{
		"+19005551234",
		fmt.Sprintf("sip:+19005551234@127.0.0.1:%d", uas.port),
	} {
		var res struct {
			Error string `json:"error"`
			Field string `json:"field"`
		}
		code := srv.apiCall(t, "POST", "/api/v1/rooms/1000/dial", map[string]any{"to": to}, &res)
		if code != http.StatusForbidden || !strings.Contains(res.Error, "no trunk allows") {
			t.Errorf("dial %s: %d %q, want 403 saying no trunk allows it", to, code, res.Error)
		}
		if res.Field != "to" {
			t.Errorf("dial %s: error field %q, want \"to\"", to, res.Field)
		}
	}
	srv.waitLog(t, "dial refused", 2, 2*time.Second)
	if len(srv.logged("calling out")) != 0 {
		srv.dumpLogs(t)
		t.Errorf("parley logged %q for a refused number", "calling out")
	}

	uas.waitNoInvite(t)
}

// TestDirectSIPDial calls a SIP endpoint directly with #sip:@HOST:PORT and
// #sip:USER@HOST:PORT: the INVITE goes to that address with the
// Request-URI sip:HOST:PORT or sip:USER@HOST:PORT, and is answered.
func TestDirectSIPDial(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ name, user, ruri string }{
		{"no user", "", `127\.0\.0\.1:UAS_PORT`},
		{"user bob", "bob", `bob@127\.0\.0\.1:UAS_PORT`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			uas := startUAS(t, "uas_answer.xml", map[string]string{"RURI": tt.ruri, "HOLD": "2000"}, 15*time.Second)
			srv := startParley(t, directConfig)
			to := fmt.Sprintf("#sip:%s@127.0.0.1:%d", tt.user, uas.port)

			id := srv.dial(t, "1000", to, nil)
			if d := srv.waitDial(t, "1000", id, 10*time.Second); d.Status != "answered" {
				uas.dump(t)
				srv.dumpLogs(t)
				t.Fatalf("dial %s: %+v, want answered", to, d)
			}
			if err := uas.wait(t); err != nil {
				uas.dump(t)
				srv.dumpLogs(t)
				t.Fatalf("the callee's scenario failed: %v", err)
			}
			if !loggedFields(srv, "dialling", "via", "direct") {
				srv.dumpLogs(t)
				t.Errorf("no %q log line via direct", "dialling")
			}
		})
	}
}

// TestDialBusyAndDeclined checks that each final refusal of the callee
// gives its own dial status, with the SIP code, in the API and the log.
func TestDialBusyAndDeclined(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		response string
		code     int
		status   string
	}{
		{"486 Busy Here", 486, "busy"},
		{"600 Busy Everywhere", 600, "busy"},
		{"603 Decline", 603, "declined"},
		{"404 Not Found", 404, "not_found"},
		{"480 Temporarily Unavailable", 480, "no_answer"},
	} {
		t.Run(tt.response, func(t *testing.T) {
			t.Parallel()
			uas := startUAS(t, "uas_reject.xml", map[string]string{"STATUS": tt.response}, 10*time.Second)
			srv := startParley(t, directConfig)
			to := fmt.Sprintf("#sip:alice@127.0.0.1:%d", uas.port)

			id := srv.dial(t, "1000", to, nil)
			d := srv.waitDial(t, "1000", id, 10*time.Second)
			if d.Status != tt.status || d.Code != tt.code {
				uas.dump(t)
				srv.dumpLogs(t)
				t.Fatalf("dial answered %s: %+v, want status %s, code %d", tt.response, d, tt.status, tt.code)
			}
			if err := uas.wait(t); err != nil {
				uas.dump(t)
				t.Errorf("the callee's scenario failed (no ACK?): %v", err)
			}
			if !loggedFields(srv, "dial failed", "participant", id, "status", tt.status, "code", strconv.Itoa(tt.code)) {
				srv.dumpLogs(t)
				t.Errorf("no %q log line with status %s and code %d", "dial failed", tt.status, tt.code)
			}
		})
	}
}

// TestDialNoAnswerCancels dials a callee that rings and never answers with
// a 3 s ring timeout: the dial ends no_answer after about 3 s, and the
// callee receives CANCEL (RFC 3261 §9.1), to which it answers 200 and 487.
func TestDialNoAnswerCancels(t *testing.T) {
	t.Parallel()
	uas := startUAS(t, "uas_ring_cancel.xml", nil, 15*time.Second)
	srv := startParley(t, directConfig)
	to := fmt.Sprintf("#sip:carol@127.0.0.1:%d", uas.port)

	start := time.Now()
	id := srv.dial(t, "1000", to, map[string]any{"ring_timeout": 3})
	d := srv.waitDial(t, "1000", id, 10*time.Second)
	took := time.Since(start)
	t.Logf("dial ended after %v: %+v", took.Round(10*time.Millisecond), d)
	if d.Status != "no_answer" {
		uas.dump(t)
		srv.dumpLogs(t)
		t.Fatalf("dial %s: %+v, want no_answer", to, d)
	}
	if took < 2800*time.Millisecond || took > 5*time.Second {
		t.Errorf("no_answer after %v, want about 3 s", took)
	}
	if err := uas.wait(t); err != nil {
		uas.dump(t)
		srv.dumpLogs(t)
		t.Fatalf("the callee did not get CANCEL and the ACK of its 487: %v", err)
	}
	if !loggedFields(srv, "dial failed", "participant", id, "status", "no_answer") {
		srv.dumpLogs(t)
		t.Errorf("no %q log line with status no_answer", "dial failed")
	}
}

// loggedFields reports whether parley logged msg with every key=value of kv,
// values compared as printed (so a JSON number 486 matches "486").
func loggedFields(srv *server, msg string, kv ...string) bool {
	for _, rec := range srv.logged(msg) {
		match := true
		for i := 0; i+1 < len(kv); i += 2 {
			if v, ok := rec[kv[i]]; !ok || fmt.Sprint(v) != kv[i+1] {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}

// sippLogValue returns the text after "key: " on the last line of a sipp log
// that has it.
func sippLogValue(logs, key string) string {
	v := ""
	for _, line := range strings.Split(logs, "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), key+": "); ok {
			v = strings.TrimSpace(rest)
		}
	}
	return v
}

var digestParamRE = regexp.MustCompile(`([a-zA-Z-]+)=("([^"]*)"|[^,\s]*)`)

// checkDigestMD5 checks a Digest credential (RFC 2617 §3.2.2, RFC 3261 §22.4)
// against the challenge and the shared secret: the username, realm, nonce
// and digest-uri, and the response computed with MD5.
func checkDigestMD5(header, method, requestURI, user, password, realm, nonce string) error {
	rest, ok := strings.CutPrefix(header, "Digest ")
	if !ok {
		return fmt.Errorf("not a Digest credential")
	}
	p := map[string]string{}
	for _, m := range digestParamRE.FindAllStringSubmatch(rest, -1) {
		v := m[2]
		if strings.HasPrefix(v, `"`) {
			v = m[3]
		}
		p[strings.ToLower(m[1])] = v
	}
	for k, want := range map[string]string{"username": user, "realm": realm, "nonce": nonce, "uri": requestURI} {
		if p[k] != want {
			return fmt.Errorf("%s is %q, want %q", k, p[k], want)
		}
	}
	if alg := p["algorithm"]; alg != "" && !strings.EqualFold(alg, "MD5") {
		return fmt.Errorf("algorithm %s, want MD5", alg)
	}
	h := func(s string) string {
		sum := md5.Sum([]byte(s))
		return hex.EncodeToString(sum[:])
	}
	ha1 := h(user + ":" + realm + ":" + password)
	ha2 := h(method + ":" + p["uri"])
	var want string
	switch p["qop"] {
	case "auth":
		if p["nc"] == "" || p["cnonce"] == "" {
			return fmt.Errorf("qop=auth without nc and cnonce")
		}
		want = h(ha1 + ":" + nonce + ":" + p["nc"] + ":" + p["cnonce"] + ":auth:" + ha2)
	case "":
		want = h(ha1 + ":" + nonce + ":" + ha2)
	default:
		return fmt.Errorf("qop %q, want auth", p["qop"])
	}
	if p["response"] != want {
		return fmt.Errorf("response %s does not match the password (want %s)", p["response"], want)
	}
	return nil
}
