package config

import (
	"slices"
	"strings"
	"testing"
)

// TestCodecsSection: the default list when the key is left out, a list
// kept in its order, and each malformed list refused with its FILE:LINE.
func TestCodecsSection(t *testing.T) {
	for _, tt := range []struct {
		name, yaml string
		codecs     []string
		err        string
	}{
		{"default", "rooms: []\n", []string{"opus", "G722", "PCMU", "PCMA"}, ""},
		{"set", "codecs: [G722, PCMA]\n", []string{"G722", "PCMA"}, ""},
		{"block list", "codecs:\n  - PCMU\n  - G722\n", []string{"PCMU", "G722"}, ""},
		{"empty", "codecs: []\n", nil, "p.yaml:1: codecs: at least one codec is required"},
		{"empty name", "codecs:\n  - PCMU\n  - \"\"\n", nil, "p.yaml:3: codecs[1]: empty codec name"},
		{"twice", "codecs:\n  - PCMU\n  - pcmu\n", nil, `p.yaml:3: codecs[1]: "pcmu": same codec as codecs[0]`},
		{"not a list", "codecs: PCMU\n", nil, "p.yaml:1: codecs"},
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
			if !slices.Equal(c.Codecs, tt.codecs) {
				t.Errorf("codecs %q, want %q", c.Codecs, tt.codecs)
			}
		})
	}
	if d := Default().Codecs; !slices.Equal(d, defaultCodecs) {
		t.Errorf("embedded default codecs %q, want %q", d, defaultCodecs)
	}
}

// TestCheckCodecs: a name the media layer does not build (here G729, as in
// a build without it) is reported at its line; supported names pass.
func TestCheckCodecs(t *testing.T) {
	c, err := Parse("p.yaml", []byte("codecs:\n  - G722\n  - G729\n  - PCMU\n"))
	if err != nil {
		t.Fatal(err)
	}
	noG729 := func(n string) bool { return !strings.EqualFold(n, "G729") }
	err = c.CheckCodecs(noG729)
	if err == nil || !strings.Contains(err.Error(), `p.yaml:3: codecs[1]: "G729": not a codec this build of Parley has`) {
		t.Errorf("CheckCodecs = %v, want G729 refused at line 3", err)
	}
	if err := c.CheckCodecs(func(string) bool { return true }); err != nil {
		t.Errorf("CheckCodecs with every codec built = %v", err)
	}
}
