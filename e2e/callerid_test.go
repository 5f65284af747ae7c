package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// callerIDConfig is trunkConfig's bridge (the pstn trunk is a sipp UAS on
// 127.0.0.1:%d) with two web users: 2001, Alice, owner of room 1000, with
// her own caller ID, and 2009, an admin; the trunk lets anyone present
// +44163296009X. Its %s are the two users' password hashes.
const callerIDConfig = `
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
admins: ["2009"]
extensions:
  - {number: "2001", name: Alice, password: sip-a, password_hash: "%s", caller_id: "+441632960001"}
  - {number: "2009", name: Root, password: sip-r, password_hash: "%s"}
trunks:
  - name: pstn
    proxy: "sip:127.0.0.1:%d"
    username: parley
    password: trunk-secret-1
    caller_id: "+441632960000"
    allow: ['^\+44[0-9]{10}$']
    allowed_caller_ids: ['^\+44163296009[0-9]$']
rooms:
  - number: "1000"
    name: Weekly sync
    owner: "2001"
    caller_id: "+441632960100"
`

// TestCallerIDPerUser: a signed-in user's dial-out through a real trunk
// (sipp, which checks From and P-Asserted-Identity) presents the user's
// own caller ID; an admin may present any, a user one the trunk lists as
// allowed; a user asking for a foreign caller ID gets 403 naming
// caller_id and the trunk receives no INVITE.
func TestCallerIDPerUser(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, login, ask, presented string
	}{
		{"user's own", "2001", "", "+441632960001"},
		{"admin asks for another", "2009", "+441632960999", "+441632960999"},
		{"user asks for a trunk-allowed one", "2001", "+441632960091", "+441632960091"},
		{"user asks for a foreign one", "2001", "+441632960999", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var uas *sippUAS
			if tt.presented == "" {
				uas = startUAS(t, "uas_no_invite.xml", nil, 3*time.Second)
			} else {
				uas = startUAS(t, "uas_trunk.xml", map[string]string{
					"RURI":     `\+441632960123@127\.0\.0\.1:UAS_PORT`,
					"CALLERID": regexp.QuoteMeta(tt.presented),
					"HOLD":     "500",
				}, 20*time.Second)
			}
			srv := startParley(t, fmt.Sprintf(callerIDConfig, hashPW(t, "pw-2001"), hashPW(t, "pw-2009"), uas.port))
			c := newWebClient(t, "http://"+srv.http, nil)
			if res, _ := c.signIn(tt.login, "pw-"+tt.login); res.StatusCode != http.StatusCreated {
				t.Fatalf("sign-in of %s: %d", tt.login, res.StatusCode)
			}
			body := map[string]string{"to": "+441632960123"}
			if tt.ask != "" {
				body["caller_id"] = tt.ask
			}
			res, data := c.do("POST", "/api/v1/rooms/1000/dial", body, true)
			var out struct {
				ParticipantID string `json:"participant_id"`
				Route         struct {
					CallerID string `json:"caller_id"`
				} `json:"route"`
				Error, Field string
			}
			if err := json.Unmarshal(data, &out); err != nil {
				t.Fatalf("dial answer %q: %v", data, err)
			}
			if tt.presented == "" {
				if res.StatusCode != http.StatusForbidden || out.Field != "caller_id" || !strings.Contains(out.Error, tt.ask) {
					t.Errorf("dial with a foreign caller ID: %d %s, want 403 naming caller_id", res.StatusCode, data)
				}
				uas.waitNoInvite(t)
				return
			}
			if res.StatusCode != http.StatusAccepted || out.Route.CallerID != tt.presented {
				t.Fatalf("dial: %d %s, want 202 presenting %s", res.StatusCode, data, tt.presented)
			}
			if d := srv.waitDial(t, "1000", out.ParticipantID, 10*time.Second); d.Status != "answered" {
				uas.dump(t)
				t.Fatalf("dial: %+v, want answered", d)
			}
			if err := uas.wait(t); err != nil { // the scenario checks From and P-Asserted-Identity
				uas.dump(t)
				srv.dumpLogs(t)
				t.Fatalf("the trunk did not see caller ID %s: %v", tt.presented, err)
			}
		})
	}
}
