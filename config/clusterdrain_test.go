package config

import (
	"strings"
	"testing"
)

// TestClusterDrain: cluster.drain defaults to true, may be turned off, and
// asked for with shutdown.grace 0 is refused at its FILE:LINE.
func TestClusterDrain(t *testing.T) {
	const section = "cluster:\n  node: n1\n  nats: [nats://127.0.0.1:4222]\n"
	for _, tt := range []struct {
		name, yaml string
		want       bool
		err        string
	}{
		{"default", section, true, ""},
		{"off", section + "  drain: false\n", false, ""},
		{"on", section + "  drain: true\n", true, ""},
		{"default with no grace", "shutdown:\n  grace: 0s\n" + section, true, ""},
		{"no grace", "shutdown:\n  grace: 0s\n" + section + "  drain: true\n", false,
			"p.yaml:6: cluster.drain: true needs shutdown.grace above 0"},
		{"off with no grace", "shutdown:\n  grace: 0s\n" + section + "  drain: false\n", false, ""},
		{"not a bool", section + "  drain: sometimes\n", false, "p.yaml:4: "},
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
			if c.Cluster.Drain != tt.want {
				t.Errorf("cluster.drain %v, want %v", c.Cluster.Drain, tt.want)
			}
		})
	}
}
