package rules

import (
	"strings"
	"testing"
)

func TestIsDigits(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"0", true}, {"0123456789", true}, {"", false}, {"12a", false}, {"+1", false},
		{" 1", false}, {"1 ", false}, {"١٢", false}, {"１", false}, {"-1", false},
	}
	for _, tt := range tests {
		if got := IsDigits(tt.in); got != tt.want {
			t.Errorf("IsDigits(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestNumber(t *testing.T) {
	tests := []struct {
		in, want string // want "" means valid
	}{
		{"1000", ""},
		{"0", ""},
		{strings.Repeat("9", 32), ""},
		{strings.Repeat("9", 33), `"` + strings.Repeat("9", 33) + `": must be at most 32 digits`},
		{"", `"": must be digits only`},
		{"10a", `"10a": must be digits only`},
		{"+441632960000", `"+441632960000": must be digits only`},
		{"1 000", `"1 000": must be digits only`},
	}
	for _, tt := range tests {
		got := ""
		if err := Number(tt.in); err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("Number(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestPIN(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"1234", ""},
		{"0", ""},
		{strings.Repeat("7", 32), ""},
		{strings.Repeat("7", 33), "must be at most 32 digits"},
		{"", "must be digits only"},
		{"12x4", "must be digits only"},
		{"12#", "must be digits only"},
	}
	for _, tt := range tests {
		got := ""
		if err := PIN(tt.in); err != nil {
			got = err.Error()
			if tt.in != "" && strings.Contains(got, tt.in) {
				t.Errorf("PIN(%q): the error %q shows the PIN", tt.in, got)
			}
		}
		if got != tt.want {
			t.Errorf("PIN(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
