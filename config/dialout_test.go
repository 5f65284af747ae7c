package config

import (
	"reflect"
	"testing"
)

// TestDialoutDirectAllow checks the entries dialout.direct_allow accepts
// and that they reach the Config as written.
func TestDialoutDirectAllow(t *testing.T) {
	want := []string{"pbx.example.com", "*.example.net", ".example.org", "example.info.", "192.0.2.10", "[2001:db8::1]", "192.0.2.0/24", "2001:db8::/32"}
	c, err := Parse("f.yaml", []byte("dialout:\n  direct_allow: [pbx.example.com, \"*.example.net\", .example.org, example.info., 192.0.2.10, \"[2001:db8::1]\", 192.0.2.0/24, \"2001:db8::/32\"]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.Dialout.DirectAllow, want) {
		t.Errorf("DirectAllow = %q, want %q", c.Dialout.DirectAllow, want)
	}
	for _, bad := range []string{"", "*", "/24", "127.1", "2130706433", "0x7f.1", "host_1", "fe80::1%eth0", "a..b", "192.0.2.0/40"} {
		if validHostPattern(bad) {
			t.Errorf("validHostPattern(%q) = true", bad)
		}
	}
}
