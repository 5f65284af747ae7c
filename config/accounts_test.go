package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestAccountsSections: the ldap section's defaults, and each bad setting
// of ldap, admins, session and password_hash refused at its FILE:LINE.
func TestAccountsSections(t *testing.T) {
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	ldap := func(extra string) string {
		return "ldap:\n  url: ldaps://ldap.example.com\n  bind_dn: cn=svc\n  bind_password: pw\n  base_dn: dc=example\n" + extra
	}
	const hash = "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"
	for _, tt := range []struct {
		name, yaml string
		err        string
	}{
		{"no ldap", "rooms: []\n", ""},
		{"minimal ldaps", ldap(""), ""},
		{"starttls with ca", "ldap:\n  url: ldap://127.0.0.1:389\n  start_tls: true\n  ca_file: " + ca +
			"\n  bind_dn: cn=svc\n  bind_password: pw\n  base_dn: dc=x\n", ""},
		{"hash", "extensions:\n  - {number: \"2001\", password: p, password_hash: \"" + hash + "\"}\n", ""},
		{"bad hash", "extensions:\n  - number: \"2001\"\n    password: p\n    password_hash: plain\n",
			"p.yaml:4: extensions[0].password_hash: not a bcrypt hash"},
		{"empty admin", "admins: [\"2001\", \"\"]\n", "p.yaml:1: admins[1]: empty login"},
		{"plain ldap", "ldap:\n  url: ldap://h\n  bind_dn: a\n  bind_password: b\n  base_dn: c\n",
			`p.yaml:2: ldap.url: "ldap://h": ldap:// sends passwords in clear`},
		{"plain ldap allowed", "ldap:\n  url: ldap://h\n  insecure: true\n  bind_dn: a\n  bind_password: b\n  base_dn: c\n", ""},
		{"ldaps with starttls", ldap("  start_tls: true\n"), "p.yaml:6: ldap.start_tls: not with ldaps://"},
		{"bad url", "ldap:\n  url: http://h\n  bind_dn: a\n  bind_password: b\n  base_dn: c\n",
			`p.yaml:2: ldap.url: "http://h": must be ldap://`},
		{"no url", "ldap:\n  bind_dn: a\n  bind_password: b\n  base_dn: c\n", "ldap.url: required"},
		{"no bind dn", "ldap:\n  url: ldaps://h\n  bind_password: b\n  base_dn: c\n", "ldap.bind_dn: required"},
		{"no bind pw", "ldap:\n  url: ldaps://h\n  bind_dn: b\n  base_dn: c\n", "ldap.bind_password: required"},
		{"no base", "ldap:\n  url: ldaps://h\n  bind_dn: b\n  bind_password: c\n", "ldap.base_dn: required"},
		{"filter without %s", ldap("  user_filter: (uid=alice)\n"), "p.yaml:6: ldap.user_filter: \"(uid=alice)\": must be a filter"},
		{"filter with two", ldap("  user_filter: (|(uid=%s)(mail=%s))\n"), "ldap.user_filter"},
		{"filter without parens", ldap("  user_filter: uid=%s\n"), "ldap.user_filter"},
		{"bad attribute", ldap("  attributes:\n    email: \"mail)(x\"\n"), "p.yaml:7: ldap.attributes.email"},
		{"missing ca", ldap("  ca_file: /nonexistent/ca.pem\n"), "p.yaml:6: ldap.ca_file:"},
		{"zero timeout", ldap("  timeout: 0s\n"), "p.yaml:6: ldap.timeout: 0s: must be between"},
		{"long timeout", ldap("  timeout: 2m\n"), "ldap.timeout"},
		{"negative idle", "session:\n  idle_timeout: -1s\n", "p.yaml:2: session.idle_timeout: -1s: must not be negative"},
		{"max below idle", "session:\n  idle_timeout: 1h\n  max_age: 30m\n", "p.yaml:3: session.max_age: 30m0s: must be at least"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse("p.yaml", []byte(tt.yaml))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Session.IdleTimeout != defaultSessionIdle || c.Session.MaxAge != defaultSessionMaxAge {
				t.Errorf("session %+v, want the defaults", c.Session)
			}
			if l := c.LDAP; l != nil {
				a := l.Attributes
				if l.Timeout != 5*time.Second || l.UserFilter != "(uid=%s)" || a.Name != "cn" || a.Email != "mail" ||
					a.Phone != "telephoneNumber" || a.Extension != "pager" {
					t.Errorf("ldap defaults %+v", l)
				}
			}
		})
	}
}

// TestLDAPBindPasswordHidden: a broken ldap section's errors never show
// the service account's password.
func TestLDAPBindPasswordHidden(t *testing.T) {
	_, err := Parse("p.yaml", []byte("ldap:\n  url: nope\n  bind_password: s3cr3t-svc\n"))
	if err == nil || strings.Contains(err.Error(), "s3cr3t-svc") {
		t.Fatalf("error %v", err)
	}
}
