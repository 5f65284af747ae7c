package sip

import (
	"fmt"
	"strings"
	"testing"
	"time"

	gosip "github.com/emiago/sipgo/sip"

	"github.com/parleyhq/parley/sip/digest"
)

// TestRegistrarGuard is the regression test of the registrar's old failure
// table: a success of the attacker's own extension from the same address
// reset its count, and the count was per address only. Each case runs
// guesses on 2001 for a minute of the fixture's clock, one try every 10 ms
// (6,000 tries), and counts the guesses actually verified: the old table
// let through all 6,000 with the attacker's own successes between them or
// from rotating sources, and logged every refused REGISTER of the single
// source.
func TestRegistrarGuard(t *testing.T) {
	for _, tt := range []struct {
		name       string
		source     func(i int) string
		ownSuccess bool // register 2002 rightly from the same source after each guess
		maxGuesses int
	}{
		// 3 free, then 1+2+4+8+16 s: about 8 guesses in the first minute.
		{"one source", func(int) string { return "192.0.2.20:5060" }, false, 10},
		{"one source with its own successes between", func(int) string { return "192.0.2.20:5060" }, true, 10},
		// 20 on the key from fresh sources, then 1+2+4+8+16+30 s.
		{"rotating sources", func(i int) string { return fmt.Sprintf("198.51.%d.%d:5060", i/250, i%250+1) }, false, 30},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newRegFixture(t, RegistrarOptions{})
			guesses, n := 0, 0
			send := func(ext, password, source string) *gosip.Response {
				n++
				return f.send(t, regReq{ext: ext, contacts: []string{"<sip:x@192.0.2.10>"}, callID: fmt.Sprint("g-", n),
					auth: f.creds(t, digest.MD5, ext, password), source: source}.build(t))
			}
			for i := range 6000 {
				src := tt.source(i)
				switch res := send("2001", fmt.Sprint("guess-", i), src); res.StatusCode {
				case 401:
					guesses++
				case 403:
				default:
					t.Fatalf("guess %d: %d", i, res.StatusCode)
				}
				if tt.ownSuccess {
					send("2002", "secret2", src)
				}
				f.clock.Advance(10 * time.Millisecond)
			}
			t.Logf("%d guesses verified in 60 s (%.2f/s)", guesses, float64(guesses)/60)
			if guesses > tt.maxGuesses {
				t.Errorf("%d guesses verified in a minute, want at most %d", guesses, tt.maxGuesses)
			}
			// A flood of refusals is not logged per request.
			if c := strings.Count(f.log(), `"msg":"register refused"`); c > 0 {
				t.Errorf("%d 'register refused' lines", c)
			}
		})
	}
}

// TestRegistrarBanOutlivesSuccess: a source banned for guessing stays
// banned for its own extension with the right password.
func TestRegistrarBanOutlivesSuccess(t *testing.T) {
	f := newRegFixture(t, RegistrarOptions{})
	n := 0
	send := func(ext, password string) int {
		n++
		return f.send(t, regReq{ext: ext, contacts: []string{"<sip:x@192.0.2.10>"}, callID: fmt.Sprint("b-", n),
			auth: f.creds(t, digest.MD5, ext, password), source: "192.0.2.30:5060"}.build(t)).StatusCode
	}
	for i := 0; i < 30; {
		if send("2001", "wrong") == 401 {
			i++
		}
		f.clock.Advance(31 * time.Second) // past any wait
	}
	if got := send("2002", "secret2"); got != 403 {
		t.Errorf("banned source, right password: %d, want 403", got)
	}
	f.clock.Advance(29 * time.Minute)
	if got := send("2002", "secret2"); got != 403 {
		t.Errorf("29 minutes into the ban: %d, want 403", got)
	}
	f.clock.Advance(2 * time.Minute)
	if got := send("2002", "secret2"); got != 200 {
		t.Errorf("after the ban: %d, want 200", got)
	}
}

// TestRegistrarMalformedFlood: malformed credentials count as failures, so
// that a flood of them is soon refused with 403 and no log line each.
func TestRegistrarMalformedFlood(t *testing.T) {
	f := newRegFixture(t, RegistrarOptions{})
	for i := range 1000 {
		f.send(t, regReq{ext: "2001", contacts: []string{"<sip:x@192.0.2.10>"}, callID: fmt.Sprint("m-", i),
			auth: `Digest username="2001", realm=`, source: "192.0.2.40:5060"}.build(t))
	}
	if !strings.Contains(f.log(), "malformed") {
		t.Fatalf("no malformed credentials logged:\n%s", f.log())
	}
	if n := strings.Count(f.log(), `"msg":"register auth failed"`); n > 5 {
		t.Errorf("%d log lines for 1000 malformed REGISTERs, want at most 5", n)
	}
}

// TestRegistrarAttackSparesThePhone: while rotating sources guess 2001's
// password, the phone that registered 2001 before keeps refreshing (no
// lockout of the legitimate user), and a newcomer is held off.
func TestRegistrarAttackSparesThePhone(t *testing.T) {
	f := newRegFixture(t, RegistrarOptions{})
	n := 0
	send := func(password, source string) int {
		n++
		return f.send(t, regReq{ext: "2001", contacts: []string{"<sip:2001@192.0.2.10>"}, callID: fmt.Sprint("p-", n),
			auth: f.creds(t, digest.MD5, "2001", password), source: source}.build(t)).StatusCode
	}
	if got := send("secret1", "192.0.2.10:5060"); got != 200 {
		t.Fatalf("the phone registers: %d", got)
	}
	for i := range 100 {
		send("guess", fmt.Sprintf("198.51.100.%d:5060", i+1))
	}
	if got := send("secret1", "192.0.2.10:5060"); got != 200 {
		t.Errorf("the phone refreshes during the attack: %d, want 200", got)
	}
	if got := send("secret1", "203.0.113.9:5060"); got != 403 {
		t.Errorf("a newcomer during the attack: %d, want 403 (held off)", got)
	}
}
