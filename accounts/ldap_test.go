package accounts

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/testslapd"
)

// TestLDAPWithSlapd signs the sample directory's users in against a real
// OpenLDAP, over StartTLS and LDAPS, the operators group named by DN and
// by cn, and checks each refusal.
func TestLDAPWithSlapd(t *testing.T) {
	s := testslapd.Start(t)
	base := LDAPOptions{CAFile: s.CAFile, BindDN: "cn=parley-svc,dc=parley,dc=test", BindPassword: "svc-pw",
		BaseDN: "dc=parley,dc=test", UserFilter: "(uid=%s)", NameAttr: "cn", EmailAttr: "mail",
		PhoneAttr: "telephoneNumber", ExtensionAttr: "pager", Timeout: 3 * time.Second}
	startTLS, ldaps := base, base
	startTLS.URL, startTLS.StartTLS, startTLS.OperatorsGroup = s.URL, true, "operators"
	ldaps.URL, ldaps.OperatorsGroup = s.LDAPS, "cn=operators,ou=groups,dc=parley,dc=test"
	wrongSvc := startTLS
	wrongSvc.BindPassword = "nope"
	plain := startTLS
	plain.StartTLS = false // the server allows it; Parley's config refuses it unless insecure
	noCA := startTLS
	noCA.CAFile = ""
	closed := startTLS
	closed.URL = "ldap://127.0.0.1:" + strconv.Itoa(testslapd.FreePort(t))
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

// TestLDAPSearchWithSlapd searches the sample directory of a real
// OpenLDAP: by partial name, email, extension and phone, with pages of one
// entry, within the limit, with filter characters in the words, and with
// nobody listening.
func TestLDAPSearchWithSlapd(t *testing.T) {
	s := testslapd.Start(t)
	o := LDAPOptions{URL: s.URL, StartTLS: true, CAFile: s.CAFile, BindDN: "cn=parley-svc,dc=parley,dc=test",
		BindPassword: "svc-pw", BaseDN: "dc=parley,dc=test", UserFilter: "(uid=%s)", NameAttr: "cn", EmailAttr: "mail",
		PhoneAttr: "telephoneNumber", ExtensionAttr: "pager", Timeout: 3 * time.Second, PageSize: 1}
	l, err := NewLDAP(o)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		words []string
		limit int
		want  []string
	}{
		{[]string{"arch"}, 10, []string{"alice"}},
		{[]string{"bob"}, 10, []string{"bob"}},
		{[]string{"carol@parley"}, 10, []string{"carol"}},
		{[]string{"1004"}, 10, []string{"dave"}},
		{[]string{"12345603"}, 10, []string{"carol"}},
		{[]string{"parley.test"}, 10, []string{"alice", "bob", "carol"}},
		{[]string{"100"}, 10, []string{"alice", "bob", "carol", "dave"}}, // four pages of one
		{[]string{"100"}, 2, []string{"alice", "bob"}},
		{[]string{"dave", "dalton"}, 10, []string{"dave"}},
		{[]string{"dave", "archer"}, 10, nil},
		{[]string{"*"}, 10, nil},
		{[]string{"a*e"}, 10, nil},
		{[]string{"(uid=*)"}, 10, nil},
		{[]string{")(uid=*"}, 10, nil},
		{[]string{`\`}, 10, nil},
		{[]string{"svc"}, 10, nil}, // not a user: the user filter needs a uid
	} {
		got, err := l.Search(context.Background(), tt.words, tt.limit)
		if err != nil {
			t.Fatalf("%q: %v", tt.words, err)
		}
		var names []string
		for _, u := range got {
			names = append(names, u.Login)
			if u.Source != "ldap" || u.Name == "" || u.Extension == "" || u.Phone == "" {
				t.Errorf("%q: user %+v", tt.words, u)
			}
		}
		slices.Sort(names)
		if !slices.Equal(names, tt.want) {
			t.Errorf("Search(%q, %d) = %v, want %v", tt.words, tt.limit, names, tt.want)
		}
	}
	o.URL = "ldap://127.0.0.1:" + strconv.Itoa(testslapd.FreePort(t))
	down, err := NewLDAP(o)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := down.Search(context.Background(), []string{"bob"}, 10); !errors.Is(err, ErrUnavailable) {
		t.Errorf("nobody listening: err %v, want ErrUnavailable", err)
	}
}
