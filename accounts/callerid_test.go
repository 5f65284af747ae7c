package accounts

import (
	"context"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/testslapd"
)

// TestCallerIDOfUsers: a local user's caller ID comes from its LocalUser,
// a directory user's from the configured attribute (none when no
// attribute is configured).
func TestCallerIDOfUsers(t *testing.T) {
	s := testslapd.Start(t)
	o := LDAPOptions{URL: s.URL, StartTLS: true, CAFile: s.CAFile, BindDN: "cn=parley-svc,dc=parley,dc=test",
		BindPassword: "svc-pw", BaseDN: "dc=parley,dc=test", UserFilter: "(uid=%s)", NameAttr: "cn", EmailAttr: "mail",
		PhoneAttr: "telephoneNumber", ExtensionAttr: "pager", Timeout: 3 * time.Second}
	withAttr := o
	withAttr.CallerIDAttr = "telephoneNumber"
	const hash = "$2a$04$OvkIGFP64nNVkYQ0zifjhuQAk.6GfXfiBxj5Ad7VM51bZI8UJ57Ay" // "pw", cost 4
	local := NewLocal([]LocalUser{{Login: "2001", Extension: "2001", Hash: hash, CallerID: "+441632960001"},
		{Login: "2002", Extension: "2002", Hash: hash}})
	for _, tt := range []struct {
		name        string
		dir         LDAPOptions
		login, pw   string
		want        string
		localSource bool
	}{
		{"local with caller id", o, "2001", "pw", "+441632960001", true},
		{"local without", o, "2002", "pw", "", true},
		{"ldap attribute", withAttr, "alice", "alice-pw", "+493012345601", false},
		{"ldap no attribute configured", o, "alice", "alice-pw", "", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir, err := NewLDAP(tt.dir)
			if err != nil {
				t.Fatal(err)
			}
			u, err := New(local, dir, nil).SignIn(context.Background(), tt.login, tt.pw)
			if err != nil {
				t.Fatal(err)
			}
			if u.CallerID != tt.want || (u.Source == "local") != tt.localSource {
				t.Errorf("caller ID %q from %s, want %q", u.CallerID, u.Source, tt.want)
			}
		})
	}
}
