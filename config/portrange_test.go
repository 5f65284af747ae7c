package config

import "testing"

func TestParsePortRange(t *testing.T) {
	tests := []struct {
		in      string
		want    PortRange
		wantErr string
	}{
		{"10000-20000", PortRange{10000, 20000}, ""},
		{" 1024 - 1025 ", PortRange{1024, 1025}, ""},
		{"10000", PortRange{}, `want "MIN-MAX"`},
		{"", PortRange{}, `want "MIN-MAX"`},
		{"-20000", PortRange{}, "min is not a port (1-65535)"},
		{"a-20000", PortRange{}, "min is not a number"},
		{"+1-20000", PortRange{}, "min is not a number"},
		{"1000-70000", PortRange{}, "max is not a port (1-65535)"},
		{"0-10", PortRange{}, "min is not a port (1-65535)"},
		{"20000-10000", PortRange{}, "min must be below max"},
		{"10000-10000", PortRange{}, "min must be below max"},
		{"1-2-3", PortRange{}, "max is not a number"},
	}
	for _, tt := range tests {
		got, err := ParsePortRange(tt.in)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("ParsePortRange(%q) error = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParsePortRange(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
		if s := got.String(); s != trimAll(tt.in) {
			t.Errorf("String() = %q, want %q", s, trimAll(tt.in))
		}
	}
	if n := (PortRange{10000, 20000}).Size(); n != 10001 {
		t.Errorf("Size() = %d, want 10001", n)
	}
}

// trimAll removes spaces.
func trimAll(s string) string {
	out := make([]byte, 0, len(s))
	for i := range len(s) {
		if s[i] != ' ' {
			out = append(out, s[i])
		}
	}
	return string(out)
}
