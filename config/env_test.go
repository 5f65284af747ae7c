package config

import (
	"reflect"
	"testing"
)

func TestExpand(t *testing.T) {
	lookup := env(map[string]string{"A": "alpha", "B_2": "b", "EMPTY": "", "DOLLAR": "${A}"})
	tests := []struct {
		in       string
		want     string
		problems []string
	}{
		{"plain", "plain", nil},
		{"${A}", "alpha", nil},
		{"x${A}y${B_2}z", "xalphaybz", nil},
		{"${EMPTY}", "", nil},
		{"${DOLLAR}", "${A}", nil}, // values are not expanded again
		{"$A $ $$ ${A}$", "$A $ $$ alpha$", nil},
		{"$${A}", "${A}", nil},
		{"$$${A}", "$${A}", nil}, // read left to right: "$", then the escape
		{"${NOPE}", "", []string{"environment variable NOPE is not set"}},
		{"${NOPE} ${ALSO}", " ", []string{"environment variable NOPE is not set", "environment variable ALSO is not set"}},
		{"${}", "", []string{`bad variable name "" in ${...}`}},
		{"${A-B}", "", []string{`bad variable name "A-B" in ${...}`}},
		{"${9}", "", []string{`bad variable name "9" in ${...}`}},
		{"a${A", "a${A", []string{`unterminated "${A"`}},
	}
	for _, tt := range tests {
		got, problems := expand(tt.in, lookup)
		if !reflect.DeepEqual(problems, tt.problems) {
			t.Errorf("expand(%q) problems = %q, want %q", tt.in, problems, tt.problems)
			continue
		}
		if tt.problems == nil && got != tt.want {
			t.Errorf("expand(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
