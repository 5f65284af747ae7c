package rules

import (
	"strings"
	"testing"
)

func TestTokens(t *testing.T) {
	tests := []struct {
		in        string
		http, sip bool
	}{
		{"Authorization", true, true},
		{"X-Api-Key", true, true},
		{"INVITE", true, true},
		{"a.b!c%d*e_f+g`h'i~j-k", true, true},
		{"#", true, false},
		{"$", true, false},
		{"&", true, false},
		{"^", true, false},
		{"|", true, false},
		{"", false, false},
		{"X Api", false, false},
		{"X:Api", false, false},
		{"a/b", false, false},
		{`"q"`, false, false},
		{"é", false, false},
		{"a\x00", false, false},
		{"a\t", false, false},
		{"(x)", false, false},
		{"a@b", false, false},
	}
	for _, tt := range tests {
		if got := IsHTTPToken(tt.in); got != tt.http {
			t.Errorf("IsHTTPToken(%q) = %v, want %v", tt.in, got, tt.http)
		}
		if got := IsSIPToken(tt.in); got != tt.sip {
			t.Errorf("IsSIPToken(%q) = %v, want %v", tt.in, got, tt.sip)
		}
	}
}

// TestSIPTokenChars checks IsSIPTokenChar over every byte against RFC 3261
// §25.1's list.
func TestSIPTokenChars(t *testing.T) {
	const want = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-.!%*_+`'~"
	for c := 0; c < 256; c++ {
		if got := IsSIPTokenChar(byte(c)); got != strings.ContainsRune(want, rune(c)) || c >= 0x80 && got {
			t.Errorf("IsSIPTokenChar(%q) = %v", rune(c), got)
		}
	}
}

// FuzzTokens checks the token rules against their grammars written as
// sets, and that every SIP token is an HTTP token.
func FuzzTokens(f *testing.F) {
	for _, s := range []string{"Authorization", "INVITE", "#", "", "a b", "\xff", "x-y.z~"} {
		f.Add(s)
	}
	const sipChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-.!%*_+`'~"
	const httpChars = sipChars + "#$&^|"
	f.Fuzz(func(t *testing.T, s string) {
		isSIP := s != "" && strings.Trim(s, sipChars) == ""
		isHTTP := s != "" && strings.Trim(s, httpChars) == ""
		if got := IsSIPToken(s); got != isSIP {
			t.Fatalf("IsSIPToken(%q) = %v, want %v", s, got, isSIP)
		}
		if got := IsHTTPToken(s); got != isHTTP {
			t.Fatalf("IsHTTPToken(%q) = %v, want %v", s, got, isHTTP)
		}
		if isSIP && !isHTTP {
			t.Fatalf("%q is a SIP token but not an HTTP token", s)
		}
	})
}
