package main

import (
	"strings"
	"testing"
)

// TestBoundSIP: the SIP address a node announces by default is its first
// UDP listener's, which must name a specific IP.
func TestBoundSIP(t *testing.T) {
	for _, tt := range []struct {
		addrs []string
		want  string
		err   string
	}{
		{[]string{"tcp://127.0.0.1:5061", "udp://127.0.0.1:5060"}, "127.0.0.1:5060", ""},
		{[]string{"udp://[::1]:5060"}, "[::1]:5060", ""},
		{[]string{"udp://0.0.0.0:5060"}, "", "no address callers can be sent to"},
		{[]string{"tcp://127.0.0.1:5060"}, "", "no udp sip.listen"},
	} {
		got, err := boundSIP(tt.addrs)
		if got != tt.want || (err == nil) != (tt.err == "") || (err != nil && !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("boundSIP(%v) = %q, %v; want %q, %q", tt.addrs, got, err, tt.want, tt.err)
		}
	}
}
