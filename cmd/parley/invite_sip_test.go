package main

import (
	"testing"

	"github.com/parleyhq/parley/config"
)

func TestSIPHost(t *testing.T) {
	for _, tc := range []struct {
		name, domain, publicIP, publicURL string
		listen                            []string
		want                              string
	}{
		{"domain", "sip.example.com", "203.0.113.5", "https://meet.example.com", []string{"udp://0.0.0.0:5060"}, "sip.example.com"},
		{"public ip", "", "203.0.113.5", "https://meet.example.com", []string{"udp://0.0.0.0:5060"}, "203.0.113.5"},
		{"public url", "", "", "https://meet.example.com:8443/x", []string{"udp://0.0.0.0:5060"}, "meet.example.com"},
		{"other port", "", "203.0.113.5", "", []string{"udp://0.0.0.0:5070", "tcp://0.0.0.0:5070"}, "203.0.113.5:5070"},
		{"ipv6", "", "2001:db8::1", "", []string{"udp://[::]:5060"}, "[2001:db8::1]"},
		{"ipv6, other port", "", "2001:db8::1", "", []string{"udp://[::]:5070"}, "[2001:db8::1]:5070"},
		{"port 0 (tests)", "", "203.0.113.5", "", []string{"udp://127.0.0.1:0"}, "203.0.113.5"},
		{"nothing public", "", "", "", []string{"udp://0.0.0.0:5060"}, ""},
	} {
		cfg := &config.Config{}
		cfg.SIP.Domain, cfg.SIP.PublicIP, cfg.SIP.Listen, cfg.HTTP.PublicURL = tc.domain, tc.publicIP, tc.listen, tc.publicURL
		if got := sipHost(cfg); got != tc.want {
			t.Errorf("%s: sipHost = %q, want %q", tc.name, got, tc.want)
		}
	}
}
