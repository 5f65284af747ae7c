package main

import (
	"strings"
	"testing"

	"github.com/parleyhq/parley/config"
)

func TestSIPCodecs(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       string
		err        string
	}{
		{"default: no G.729", "", "PCMU/8000 PCMA/8000 opus/48000/2", ""},
		{"media.g729 on", "media:\n  g729: true\n", "PCMU/8000 PCMA/8000 opus/48000/2 G729/8000", ""},
		{"media.g729 off", "media:\n  g729: false\n", "PCMU/8000 PCMA/8000 opus/48000/2", ""},
		{"not a bool", "media:\n  g729: maybe\n", "", `f.yaml:2: media.g729: "maybe": must be true or false`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := config.Parse("f.yaml", []byte(tt.yaml))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("Parse: %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range sipCodecs(cfg) {
				got = append(got, f.String())
			}
			if strings.Join(got, " ") != tt.want {
				t.Errorf("codecs %v, want %s", got, tt.want)
			}
		})
	}
	if config.Default().Media.G729 {
		t.Error("the default config enables G.729")
	}
}
