package accounts

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// slapdScript starts OpenLDAP for tests (a copy of the peers' recipe,
// shared with the e2e tests), loaded with sample.ldif beside it.
var slapdScript = filepath.Join("..", "e2e", "testdata", "ldap", "slapd.sh")

// testSlapd is a running slapd: its StartTLS and LDAPS URLs and CA file.
type testSlapd struct{ url, ldaps, ca string }

func startSlapd(t *testing.T) testSlapd {
	t.Helper()
	dir := t.TempDir()
	var out []byte
	var err error
	for range 3 { // a port free a moment ago may be taken since
		cmd := exec.Command(slapdScript, dir, strconv.Itoa(freePort(t)))
		cmd.Env = append(os.Environ(), "LDAPS_PORT="+strconv.Itoa(freePort(t)))
		if out, err = cmd.Output(); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("slapd.sh: %v", err)
	}
	t.Cleanup(func() {
		if out, err := exec.Command(slapdScript, "stop", dir).CombinedOutput(); err != nil {
			t.Errorf("slapd.sh stop: %v %s", err, out)
		}
	})
	var s testSlapd
	for _, f := range strings.Fields(string(out)) {
		k, v, _ := strings.Cut(f, "=")
		switch k {
		case "url":
			s.url = v
		case "ldaps":
			s.ldaps = v
		case "cacert":
			s.ca = v
		}
	}
	if s.url == "" || s.ldaps == "" || s.ca == "" {
		t.Fatalf("slapd.sh printed %q", out)
	}
	return s
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestLDAPWithSlapd signs the sample directory's users in against a real
// OpenLDAP, over StartTLS and LDAPS, the operators group named by DN and
// by cn, and checks each refusal.
func TestLDAPWithSlapd(t *testing.T) {
	s := startSlapd(t)
	base := LDAPOptions{CAFile: s.ca, BindDN: "cn=parley-svc,dc=parley,dc=test", BindPassword: "svc-pw",
		BaseDN: "dc=parley,dc=test", UserFilter: "(uid=%s)", NameAttr: "cn", EmailAttr: "mail",
		PhoneAttr: "telephoneNumber", ExtensionAttr: "pager", Timeout: 3 * time.Second}
	startTLS, ldaps := base, base
	startTLS.URL, startTLS.StartTLS, startTLS.OperatorsGroup = s.url, true, "operators"
	ldaps.URL, ldaps.OperatorsGroup = s.ldaps, "cn=operators,ou=groups,dc=parley,dc=test"
	wrongSvc := startTLS
	wrongSvc.BindPassword = "nope"
	plain := startTLS
	plain.StartTLS = false // the server allows it; Parley's config refuses it unless insecure
	noCA := startTLS
	noCA.CAFile = ""
	closed := startTLS
	closed.URL = "ldap://127.0.0.1:" + strconv.Itoa(freePort(t))
	for _, tt := range []struct {
		name       string
		o          LDAPOptions
		login, pw  string
		role       Role
		email, ext string
		wantErr    error
	}{
		{"alice starttls", startTLS, "alice", "alice-pw", RoleOperator, "alice@parley.test", "1001", nil},
		{"alice ldaps, group by dn", ldaps, "alice", "alice-pw", RoleOperator, "alice@parley.test", "1001", nil},
		{"bob", startTLS, "bob", "bob-pw", RoleUser, "bob@parley.test", "1002", nil},
		{"bob ldaps", ldaps, "bob", "bob-pw", RoleUser, "bob@parley.test", "1002", nil},
		{"dave without mail", startTLS, "dave", "dave-pw", RoleUser, "", "1004", nil},
		{"plain ldap", plain, "carol", "carol-pw", RoleUser, "carol@parley.test", "1003", nil},
		{"wrong password", startTLS, "bob", "alice-pw", "", "", "", ErrInvalid},
		{"unknown", startTLS, "eve", "eve-pw", "", "", "", ErrUnknown},
		{"filter injection", startTLS, "*", "alice-pw", "", "", "", ErrUnknown},
		{"filter injection 2", startTLS, "alice)(uid=*", "alice-pw", "", "", "", ErrUnknown},
		{"empty password", startTLS, "bob", "", "", "", "", ErrInvalid},
		{"service account refused", wrongSvc, "bob", "bob-pw", "", "", "", ErrUnavailable},
		{"untrusted certificate", noCA, "bob", "bob-pw", "", "", "", ErrUnavailable},
		{"nobody listening", closed, "bob", "bob-pw", "", "", "", ErrUnavailable},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l, err := NewLDAP(tt.o)
			if err != nil {
				t.Fatal(err)
			}
			u, err := l.Authenticate(context.Background(), tt.login, tt.pw)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if u.Login != tt.login || u.Role != tt.role || u.Email != tt.email || u.Extension != tt.ext ||
				u.Name == "" || u.Source != "ldap" {
				t.Errorf("got %+v", u)
			}
		})
	}
}

func TestNewLDAPRefuses(t *testing.T) {
	for _, o := range []LDAPOptions{
		{URL: "http://x", UserFilter: "(uid=%s)"},
		{URL: "ldaps://x", UserFilter: "(uid=alice)"},
		{URL: "ldaps://x", UserFilter: "(uid=%s)", CAFile: "/nonexistent"},
		{URL: "ldaps://x", UserFilter: "(uid=%s)", CAFile: "ldap.go"}, // not PEM
	} {
		if _, err := NewLDAP(o); err == nil {
			t.Errorf("NewLDAP(%+v) accepted", o)
		}
	}
}
