package config

import (
	"strings"
	"testing"
	"time"
)

func TestTransportSettings(t *testing.T) {
	c, err := Parse("f.yaml", []byte("sip:\n  tcp:\n    read_timeout: 2s\n    max_conns: 100\nmetrics:\n  listen: 127.0.0.1:9100\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := SIPTCP{ReadTimeout: 2 * time.Second, IdleTimeout: 10 * time.Minute, MaxConnsPerIP: 32, MaxConns: 100}
	if c.SIP.TCP != want || c.Metrics.Listen != "127.0.0.1:9100" {
		t.Errorf("sip.tcp = %+v, metrics = %+v; want %+v and 127.0.0.1:9100", c.SIP.TCP, c.Metrics, want)
	}
	tests := []struct {
		name, yaml, want string
	}{
		{"zero read timeout", "sip:\n  tcp:\n    read_timeout: 0s\n", `f.yaml:3: sip.tcp.read_timeout: 0s: must be positive`},
		{"negative idle timeout", "sip:\n  tcp:\n    idle_timeout: -1m\n", `f.yaml:3: sip.tcp.idle_timeout: -1m0s: must be positive`},
		{"per-IP cap zero", "sip:\n  tcp:\n    max_conns_per_ip: 0\n", `f.yaml:3: sip.tcp.max_conns_per_ip: 0: must be at least 1`},
		{"per-IP cap over total", "sip:\n  tcp:\n    max_conns: 10\n    max_conns_per_ip: 20\n",
			`f.yaml:4: sip.tcp.max_conns_per_ip: 20: more than sip.tcp.max_conns (10)`},
		{"total cap zero", "sip:\n  tcp:\n\n    max_conns: 0\n", `f.yaml:4: sip.tcp.max_conns: 0: must be at least 1`},
		{"metrics listen", "metrics:\n  listen: nowhere\n", `f.yaml:2: metrics.listen: "nowhere": `},
		{"metrics on the http port", "http:\n  listen: 0.0.0.0:8080\nmetrics:\n  listen: 0.0.0.0:8080\n",
			`f.yaml:4: metrics.listen: "0.0.0.0:8080": same address as http.listen`},
	}
	for _, tt := range tests {
		_, err := Parse("f.yaml", []byte(tt.yaml))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v; want %q", tt.name, err, tt.want)
		}
	}
}
