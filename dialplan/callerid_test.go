package dialplan

import (
	"regexp"
	"testing"
)

// TestCallerIDPolicy: an extension's caller ID, and which trunk lists a
// caller ID as allowed.
func TestCallerIDPolicy(t *testing.T) {
	r := &Router{
		CallerIDs: map[string]string{"2001": "+441632960001"},
		Trunks: []TrunkRoute{
			{Name: "a", AllowedCallerIDs: []*regexp.Regexp{nil, regexp.MustCompile(`^\+4416329600[0-9]{2}$`)}},
			{Name: "b", AllowedCallerIDs: []*regexp.Regexp{regexp.MustCompile(`^100$`)}},
			{Name: "c"},
		},
	}
	for _, tt := range []struct{ ext, want string }{{"2001", "+441632960001"}, {"2002", ""}, {"", ""}} {
		if got := r.ExtensionCallerID(tt.ext); got != tt.want {
			t.Errorf("ExtensionCallerID(%q) = %q, want %q", tt.ext, got, tt.want)
		}
	}
	for _, tt := range []struct{ id, want string }{
		{"+441632960042", "a"}, {"100", "b"}, {"1000", ""}, {"+441632960", ""}, {"", ""},
	} {
		if got := r.TrunkAllowingCallerID(tt.id); got != tt.want {
			t.Errorf("TrunkAllowingCallerID(%q) = %q, want %q", tt.id, got, tt.want)
		}
	}
	if got := (&Router{}).ExtensionCallerID("2001"); got != "" {
		t.Errorf("nil map: %q", got)
	}
}
