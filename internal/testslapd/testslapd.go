// Package testslapd starts, for tests, a private OpenLDAP server on
// loopback ports (slapd.sh beside this file, Debian's slapd and
// ldap-utils) loaded with sample.ldif: alice (in cn=operators), bob,
// carol and dave (no mail), passwords "<uid>-pw", extensions in pager,
// the service account cn=parley-svc,dc=parley,dc=test ("svc-pw").
package testslapd

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// Server is a running slapd.
type Server struct {
	// URL is ldap://127.0.0.1:PORT, which offers StartTLS.
	URL string
	// LDAPS is ldaps://127.0.0.1:PORT.
	LDAPS string
	// CAFile is the server's self-signed certificate (PEM), for both.
	CAFile string

	dir, script string
}

// Start starts a slapd on free ports, in a temporary directory of t, and
// stops it when t ends.
func Start(t testing.TB) *Server {
	t.Helper()
	_, self, _, _ := runtime.Caller(0)
	s := &Server{dir: t.TempDir(), script: filepath.Join(filepath.Dir(self), "slapd.sh")}
	var out []byte
	var err error
	for range 3 { // a port free a moment ago may be taken since
		cmd := exec.Command(s.script, s.dir, strconv.Itoa(FreePort(t)))
		cmd.Env = append(os.Environ(), "LDAPS_PORT="+strconv.Itoa(FreePort(t)))
		cmd.Stderr = os.Stderr
		if out, err = cmd.Output(); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("slapd.sh: %v", err)
	}
	t.Cleanup(func() { s.Stop(t) })
	for _, f := range strings.Fields(string(out)) {
		k, v, _ := strings.Cut(f, "=")
		switch k {
		case "url":
			s.URL = v
		case "ldaps":
			s.LDAPS = v
		case "cacert":
			s.CAFile = v
		}
	}
	if s.URL == "" || s.LDAPS == "" || s.CAFile == "" {
		t.Fatalf("slapd.sh printed %q", out)
	}
	return s
}

// Stop stops the server and waits until it is gone; stopping it again
// does nothing.
func (s *Server) Stop(t testing.TB) {
	t.Helper()
	if out, err := exec.Command(s.script, "stop", s.dir).CombinedOutput(); err != nil {
		t.Errorf("slapd.sh stop: %v\n%s", err, out)
	}
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
