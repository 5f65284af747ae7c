package config

import (
	"strings"
	"testing"
	"time"
)

// TestGuardSection: defaults when the sections are left out, and each bad
// value refused with its FILE:LINE.
func TestGuardSection(t *testing.T) {
	c, err := Parse("p.yaml", []byte("rooms: []\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Guard.FreeFailures != 3 || c.Guard.MaxDelay != 30*time.Second || c.Guard.BanAfter != 30 ||
		c.API.TokenTTL != 12*time.Hour || c.API.TokenMaxTTL != 7*24*time.Hour {
		t.Errorf("defaults: %+v %+v", c.Guard, c.API)
	}
	for _, tt := range []struct{ yaml, want string }{
		{"guard:\n  free_failures: -1\n", "p.yaml:2: guard.free_failures: -1: must be at least 0"},
		{"guard:\n  ban_after: 0\n", "p.yaml:2: guard.ban_after: 0: must be at least 1"},
		{"guard:\n  base_delay: 2s\n  max_delay: 1s\n", "p.yaml:3: guard.max_delay: 1s: must not be below guard.base_delay (2s)"},
		{"guard:\n  window: 0s\n", "p.yaml:2: guard.window: 0s: must be positive"},
		{"guard:\n  max_entries: 10\n", "p.yaml:2: guard.max_entries: 10: must be at least 1000"},
		{"api:\n  token_ttl: 0s\n", "p.yaml:2: api.token_ttl: 0s: must be positive"},
		{"api:\n  token_ttl: 2h\n  token_max_ttl: 1h\n", "p.yaml:3: api.token_max_ttl: 1h0m0s: must not be below api.token_ttl (2h0m0s)"},
	} {
		_, err := Parse("p.yaml", []byte(tt.yaml))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: error %v, want %q", tt.yaml, err, tt.want)
		}
	}
}
