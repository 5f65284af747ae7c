package config

import (
	"strings"
	"testing"
	"time"
)

// TestH323Section: the defaults when the section is left out, an empty
// listen (dial-in off), and each bad value refused with its FILE:LINE.
func TestH323Section(t *testing.T) {
	def := H323{Listen: "0.0.0.0:1720", MaxCalls: 100, MaxConnsPerIP: 8, SetupTimeout: 10 * time.Second}
	for _, tt := range []struct {
		name, yaml string
		want       H323
		err        string
	}{
		{"default", "rooms: []\n", def, ""},
		{"off", "h323:\n  listen: \"\"\n", H323{MaxCalls: 100, MaxConnsPerIP: 8, SetupTimeout: 10 * time.Second}, ""},
		{"set", "h323:\n  listen: 127.0.0.1:0\n  max_calls: 3\n  max_conns_per_ip: 2\n  setup_timeout: 5s\n",
			H323{Listen: "127.0.0.1:0", MaxCalls: 3, MaxConnsPerIP: 2, SetupTimeout: 5 * time.Second}, ""},
		{"ipv6", "h323:\n  listen: \"[::1]:1720\"\n", H323{Listen: "[::1]:1720", MaxCalls: 100, MaxConnsPerIP: 8, SetupTimeout: 10 * time.Second}, ""},
		{"no port", "h323:\n  listen: 127.0.0.1\n", def, `p.yaml:2: h323.listen: "127.0.0.1": want HOST:PORT`},
		{"a URL", "h323:\n  listen: tcp://127.0.0.1:1720\n", def, `p.yaml:2: h323.listen: "tcp://127.0.0.1:1720"`},
		{"port range", "h323:\n  listen: 127.0.0.1:70000\n", def, `p.yaml:2: h323.listen: "127.0.0.1:70000": port "70000" is not a number 0-65535`},
		{"no calls", "h323:\n  max_calls: 0\n", def, "p.yaml:2: h323.max_calls: 0: must be at least 1"},
		{"no conns", "h323:\n  max_conns_per_ip: -1\n", def, "p.yaml:2: h323.max_conns_per_ip: -1: must be at least 1"},
		{"short setup", "h323:\n  setup_timeout: 500ms\n", def, "p.yaml:2: h323.setup_timeout: 500ms: must be between 1s and 2m"},
		{"long setup", "h323:\n  setup_timeout: 3m\n", def, "p.yaml:2: h323.setup_timeout: 3m0s: must be between 1s and 2m"},
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
			if c.H323 != tt.want {
				t.Errorf("h323 %+v, want %+v", c.H323, tt.want)
			}
		})
	}
	if d := Default().H323; d != def {
		t.Errorf("embedded default %+v, want %+v", d, def)
	}
}
