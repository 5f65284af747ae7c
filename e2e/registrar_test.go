package e2e

import (
	"testing"
	"time"
)

// registrarConfig is roomConfig with one extension that may register.
//
// sipp 3.6.1 answers only the first WWW-Authenticate of a 401 and knows
// only MD5, so the realm must offer MD5 first for these tests (RFC 8760
// §2.4 lets the server order the challenges by its own preference).
const registrarConfig = roomConfig + `extensions:
  - {number: "2001", name: Alice, password: secret1}
`

// TestRegistrarSipp registers with sipp (RFC 3261 §10.2): 401, then 200
// with the right password; 401 twice with a wrong password or an unknown
// extension, each failure logged with its reason.
func TestRegistrarSipp(t *testing.T) {
	srv := startParley(t, registrarConfig)

	t.Run("right password", func(t *testing.T) {
		if out, err := runSipp(t, "register.xml", "2001", srv.sipUDP, "-au", "2001", "-ap", "secret1"); err != nil {
			srv.dumpLogs(t)
			t.Fatalf("REGISTER with the right password failed: %v\n%s", err, out)
		}
		if !loggedWith(srv, "registration added", "extension", "2001") {
			srv.dumpLogs(t)
			t.Error(`no "registration added" log line for 2001`)
		}
	})

	for _, tt := range []struct{ name, ext, password, reason string }{
		{"wrong password", "2001", "not-the-password", "wrong password"},
		{"unknown extension", "2999", "secret1", "unknown extension"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if out, err := runSipp(t, "register_refused.xml", tt.ext, srv.sipUDP, "-au", tt.ext, "-ap", tt.password); err != nil {
				srv.dumpLogs(t)
				t.Fatalf("did not get 401 twice: %v\n%s", err, out)
			}
			if !loggedWith(srv, "register auth failed", "reason", tt.reason) {
				srv.dumpLogs(t)
				t.Errorf("no log line with reason %q", tt.reason)
			}
		})
	}
}

// loggedWith reports whether some log record with message msg has
// key=value, waiting up to 2 s for it: sipp may exit before parley's log
// line has been read from its stderr.
func loggedWith(srv *server, msg, key, value string) bool {
	deadline := time.Now().Add(2 * time.Second)
	for {
		for _, rec := range srv.logged(msg) {
			if rec[key] == value {
				return true
			}
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}
