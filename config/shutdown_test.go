package config

import (
	"strings"
	"testing"
	"time"
)

// TestShutdownSection: the default grace when the section is left out, 0
// accepted, and each bad value refused with its FILE:LINE.
func TestShutdownSection(t *testing.T) {
	for _, tt := range []struct {
		name, yaml string
		grace      time.Duration
		err        string
	}{
		{"default", "rooms: []\n", 30 * time.Second, ""},
		{"zero", "shutdown:\n  grace: 0s\n", 0, ""},
		{"set", "shutdown:\n  grace: 3s\n", 3 * time.Second, ""},
		{"the most", "shutdown:\n  grace: 1h\n", time.Hour, ""},
		{"negative", "shutdown:\n  grace: -1s\n", 0, "p.yaml:2: shutdown.grace: -1s: must not be negative"},
		{"too long", "shutdown:\n  grace: 61m\n", 0, "p.yaml:2: shutdown.grace: 1h1m0s: must be at most 1h"},
		{"not a duration", "shutdown:\n  grace: 30\n", 0, `p.yaml:2: shutdown.grace: "30": not a duration`},
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
			if c.Shutdown.Grace != tt.grace {
				t.Errorf("grace %v, want %v", c.Shutdown.Grace, tt.grace)
			}
		})
	}
	if d := Default().Shutdown.Grace; d != defaultShutdownGrace {
		t.Errorf("embedded default grace %v, want %v", d, defaultShutdownGrace)
	}
}
