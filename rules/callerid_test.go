package rules

import (
	"strings"
	"testing"
)

func TestCallerID(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"+441632960000", true},
		{"+12", true},                            // the shortest: "+", a non-zero digit, one more
		{"+123456789012345", true},               // 15 digits
		{"+1234567890123456", false},             // 16 digits
		{"+1", false},                            // one digit after "+"
		{"+0123", false},                         // no country code starts with 0
		{"+", false},                             //
		{"++44", false},                          //
		{"+44 1632 960000", false},               // no visual separators
		{"01632960000", true},                    // national digits
		{"0", true},                              //
		{strings.Repeat("1", 32), true},          //
		{strings.Repeat("1", 33), false},         //
		{"", false},                              //
		{"01632 960000", false},                  //
		{"abc", false},                           //
		{"44+1", false},                          //
		{"sip:+441632960000@example.com", false}, //
		{"+44163296000\x00", false},              //
		{"+４４1632960000", false},                 // fullwidth digits are not ASCII
		{"tel:+441632960000", false},             //
		// the cases of the dial plan's test of its copy of the rule
		{"+44", true},
		{"+4", false},
		{"12a", false},
		{" 1", false},
		{"+44 1632", false},
	}
	for _, tt := range tests {
		err := CallerID(tt.in)
		if (err == nil) != tt.want {
			t.Errorf("CallerID(%q) = %v, want valid %v", tt.in, err, tt.want)
		}
		if err != nil && err.Error() != `"`+strings.ReplaceAll(tt.in, "\x00", `\x00`)+`": want E.164 (+441632960000) or digits` {
			t.Errorf("CallerID(%q): message %q", tt.in, err)
		}
	}
}

// FuzzCallerID checks CallerID against the rule written another way: a
// valid caller ID is "+" and 2 to 15 digits, the first not 0, or 1 to 32
// digits; anything else is refused, and nothing panics.
func FuzzCallerID(f *testing.F) {
	for _, s := range []string{"+441632960000", "+0123", "01632960000", "", "+", "+1234567890123456",
		strings.Repeat("9", 33), "+44 1632", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		digits := strings.TrimPrefix(s, "+")
		plus := len(digits) < len(s)
		onlyDigits := digits != "" && strings.Trim(digits, "0123456789") == ""
		want := onlyDigits && len(digits) <= 32
		if plus {
			want = onlyDigits && len(digits) >= 2 && len(digits) <= 15 && digits[0] != '0'
		}
		if got := CallerID(s) == nil; got != want {
			t.Fatalf("CallerID(%q) valid = %v, want %v", s, got, want)
		}
	})
}
