package e2e

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// refuse dials to into room 1000 and wants 403 with the error field "to"
// and a message containing want.
func refuse(t *testing.T, srv *server, to, want string) {
	t.Helper()
	var res struct {
		Error string `json:"error"`
		Field string `json:"field"`
	}
	code := srv.apiCall(t, "POST", "/api/v1/rooms/1000/dial", map[string]any{"to": to}, &res)
	if code != http.StatusForbidden || res.Field != "to" || !strings.Contains(res.Error, want) {
		t.Errorf("dial %s: %d %q (field %q), want 403 on \"to\" containing %q", to, code, res.Error, res.Field, want)
	}
}

// TestTollFraudSpellingsRefused writes the trunk's host (a sipp UAS on
// 127.0.0.1, proxy sip:127.0.0.1:PORT, UK numbers only) the ways that
// once bypassed the allow list, localhost and [::ffff:127.0.0.1], and
// others (decimal, octal, hex and short IPv4, trailing dots, upper case,
// an escaped number): POST /dial must answer 403 for each, Parley must log
// no "calling out", and the trunk must see no INVITE.
func TestTollFraudSpellingsRefused(t *testing.T) {
	t.Parallel()
	uas := startUAS(t, "uas_no_invite.xml", nil, 5*time.Second)
	srv := startParley(t, fmt.Sprintf(trunkConfig, uas.port))
	p := uas.port
	targets := []string{
		fmt.Sprintf("sip:+33612345678@localhost:%d", p),
		fmt.Sprintf("sip:+33612345678@[::ffff:127.0.0.1]:%d", p),
		fmt.Sprintf("sip:+33612345678@2130706433:%d", p),
		fmt.Sprintf("sip:+33612345678@127.0.0.1.:%d", p),
		fmt.Sprintf("sip:+33612345678@LOCALHOST:%d", p),
		fmt.Sprintf("sip:+33612345678@localhost.:%d", p),
		fmt.Sprintf("#sip:+33612345678@0177.0.0.1:%d", p),
		fmt.Sprintf("#sip:+33612345678@0x7f.1:%d", p),
		fmt.Sprintf("sip:%%2B33612345678@127.1:%d", p),
		fmt.Sprintf("sip:612345678;phone-context=+33@[::FFFF:7F00:1]:%d;user=phone", p),
		"sip:+33612345678@127.0.0.1", // the trunk's address at another port is still the trunk
	}
	for _, to := range targets {
		refuse(t, srv, to, "no trunk allows +33612345678")
	}
	refuse(t, srv, fmt.Sprintf("#sip:operator@localhost:%d", p), "only phone numbers it allows may")
	srv.waitLog(t, "dial refused", len(targets)+1, 2*time.Second)
	if n := len(srv.logged("calling out")); n != 0 {
		srv.dumpLogs(t)
		t.Errorf("parley logged %q %d times for refused targets", "calling out", n)
	}
	uas.waitNoInvite(t)
}

// TestTollFraudAllowedSpellingGoesThrough dials an allowed UK number at
// the trunk's host spelt "LOCALHOST.": the call goes through the trunk
// (its digest and caller ID) to the address the router checked, with the
// Request-URI written at the trunk's proxy, and is answered.
func TestTollFraudAllowedSpellingGoesThrough(t *testing.T) {
	t.Parallel()
	uas := startUAS(t, "uas_trunk.xml", map[string]string{
		"RURI":     `\+441632960123@127\.0\.0\.1:UAS_PORT`,
		"CALLERID": regexp.QuoteMeta("+441632960100"),
		"HOLD":     "1000",
	}, 15*time.Second)
	srv := startParley(t, fmt.Sprintf(trunkConfig, uas.port))
	to := fmt.Sprintf("sip:%%2B44-1632-960123@LOCALHOST.:%d", uas.port)
	id := srv.dial(t, "1000", to, nil)
	if d := srv.waitDial(t, "1000", id, 10*time.Second); d.Status != "answered" || d.Code != 200 {
		uas.dump(t)
		srv.dumpLogs(t)
		t.Fatalf("dial %s: %+v, want answered with 200", to, d)
	}
	if err := uas.wait(t); err != nil {
		uas.dump(t)
		t.Fatalf("the trunk's scenario failed: %v", err)
	}
	if !loggedFields(srv, "dialling", "via", "trunk", "trunk", "pstn") ||
		!loggedFields(srv, "calling out", "destination", fmt.Sprintf("127.0.0.1:%d", uas.port)) {
		srv.dumpLogs(t)
		t.Errorf("no dialling via trunk pstn sent to 127.0.0.1:%d", uas.port)
	}
}

// TestDirectAllowList runs Parley with dialout.direct_allow set to one
// network: a direct target outside it, Parley's own SIP address and a
// multicast address are refused with 403 and nothing is sent; a name whose
// address is inside it is called, at the address the check resolved.
func TestDirectAllowList(t *testing.T) {
	t.Parallel()
	uas := startUAS(t, "uas_answer.xml", map[string]string{"RURI": `bob@localhost:UAS_PORT`, "HOLD": "1000"}, 15*time.Second)
	srv := startParley(t, directConfig+"dialout:\n  direct_allow: [127.0.0.1/32]\n")
	refuse(t, srv, fmt.Sprintf("#sip:bob@127.0.0.2:%d", uas.port), "127.0.0.2 is not in dialout.direct_allow")
	refuse(t, srv, "sip:bob@[::1]:5060", "::1 is not in dialout.direct_allow")
	refuse(t, srv, "#sip:1000@"+srv.sipUDP, "Parley's own SIP address")
	refuse(t, srv, "#sip:@224.0.0.1", "multicast")
	if n := len(srv.logged("calling out")); n != 0 {
		srv.dumpLogs(t)
		t.Fatalf("parley logged %q %d times for refused targets", "calling out", n)
	}
	// A name is resolved once, by the check: the INVITE goes to the address
	// approved (127.0.0.1 is in the list), not to a new lookup of the name.
	to := fmt.Sprintf("#sip:bob@LocalHost.:%d", uas.port)
	id := srv.dial(t, "1000", to, nil)
	if d := srv.waitDial(t, "1000", id, 10*time.Second); d.Status != "answered" {
		uas.dump(t)
		srv.dumpLogs(t)
		t.Fatalf("dial %s: %+v, want answered", to, d)
	}
	if err := uas.wait(t); err != nil {
		uas.dump(t)
		t.Fatalf("the callee's scenario failed: %v", err)
	}
	if !loggedFields(srv, "calling out", "destination", fmt.Sprintf("127.0.0.1:%d", uas.port)) {
		srv.dumpLogs(t)
		t.Errorf("no %q sent to the checked address 127.0.0.1:%d", "calling out", uas.port)
	}
}

// TestTollFraudRegisteredContactAtTrunk registers extension 2001 with a
// Contact at the trunk's address (a device chooses its own Contact), then
// dials the extension: Parley must not ring that contact, so the trunk sees
// no INVITE and the dial fails saying why.
func TestTollFraudRegisteredContactAtTrunk(t *testing.T) {
	t.Parallel()
	uas := startUAS(t, "uas_no_invite.xml", nil, 6*time.Second)
	srv := startParley(t, fmt.Sprintf(trunkConfig, uas.port)+"extensions:\n  - {number: \"2001\", name: Alice, password: secret1}\n")
	contact := fmt.Sprintf("Contact: <sip:+19005551234@127.0.0.1:%d>", uas.port)
	if out, err := runSippWith(t, "register.xml", map[string]string{"Contact: <sip:[service]@[local_ip]:[local_port]>": contact},
		"2001", srv.sipUDP, "-au", "2001", "-ap", "secret1"); err != nil {
		srv.dumpLogs(t)
		t.Fatalf("REGISTER failed: %v\n%s", err, out)
	}
	id := srv.dial(t, "1000", "2001", nil)
	if d := srv.waitDial(t, "1000", id, 5*time.Second); d.Status != "failed" || !strings.Contains(d.Reason, "is the address of trunk pstn") {
		srv.dumpLogs(t)
		t.Errorf("dial 2001: %+v, want failed because the contact is the trunk's address", d)
	}
	if n := len(srv.logged("calling out")); n != 0 {
		srv.dumpLogs(t)
		t.Errorf("parley logged %q %d times", "calling out", n)
	}
	err := uas.wait(t)
	if code := sippExitCode(err); code != 97 || strings.Contains(uas.trace(), "INVITE") {
		uas.dump(t)
		t.Fatalf("the trunk was reached: sipp exited %d (%v), want 97 with no INVITE", code, err)
	}
}
