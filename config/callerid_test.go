package config

import (
	"strings"
	"testing"
)

// TestCallerIDSettings: a user's caller_id, a trunk's allowed_caller_ids
// and the ldap caller_id attribute are read, and a bad one is refused at
// its FILE:LINE.
func TestCallerIDSettings(t *testing.T) {
	const ldap = "ldap:\n  url: ldaps://h\n  bind_dn: a\n  bind_password: b\n  base_dn: c\n  attributes:\n"
	for _, tt := range []struct {
		name, yaml, err string
	}{
		{"user caller id", "extensions:\n  - {number: \"2001\", password: p, caller_id: \"+441632960001\"}\n", ""},
		{"digits", "extensions:\n  - {number: \"2001\", password: p, caller_id: \"2001\"}\n", ""},
		{"bad user caller id", "extensions:\n  - number: \"2001\"\n    password: p\n    caller_id: \"alice\"\n",
			`p.yaml:4: extensions[0].caller_id: "alice": want E.164`},
		{"allowed caller ids", "trunks:\n  - {name: t, proxy: \"sip:h\", allowed_caller_ids: ['^\\+4416329600[0-9]{2}$']}\n", ""},
		{"bad pattern", "trunks:\n  - name: t\n    proxy: sip:h\n    allowed_caller_ids: ['(']\n", "p.yaml:4: trunks[0].allowed_caller_ids[0]"},
		{"empty pattern", "trunks:\n  - name: t\n    proxy: sip:h\n    allowed_caller_ids: ['']\n",
			"p.yaml:4: trunks[0].allowed_caller_ids[0]: empty pattern"},
		{"ldap attribute", ldap + "    caller_id: telephoneNumber\n", ""},
		{"bad ldap attribute", ldap + "    caller_id: \"a b\"\n", `p.yaml:7: ldap.attributes.caller_id: "a b": not an attribute name`},
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
			switch {
			case len(c.Extensions) > 0 && c.Extensions[0].CallerID == "":
				t.Error("extension caller_id not read")
			case len(c.Trunks) > 0 && (len(c.Trunks[0].AllowedCallerIDs) != 1 || !c.Trunks[0].AllowedCallerIDs[0].MatchString("+441632960042")):
				t.Errorf("allowed_caller_ids = %v", c.Trunks[0].AllowedCallerIDs)
			case c.LDAP != nil && c.LDAP.Attributes.CallerID != "telephoneNumber":
				t.Errorf("ldap caller_id attribute = %q", c.LDAP.Attributes.CallerID)
			}
		})
	}
}
