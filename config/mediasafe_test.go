package config

import (
	"net/netip"
	"testing"
	"time"
)

// TestMediaSafetySettings: defaults, and errors at the setting's line.
func TestMediaSafetySettings(t *testing.T) {
	c, err := Parse("f.yaml", []byte("log: {level: info}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.SIP.MaxUnackedPerSource != 10 || c.SIP.AckTimeout != 8*time.Second || c.RTP.ListenIP != "" {
		t.Errorf("defaults: max %d, timeout %s, listen_ip %q", c.SIP.MaxUnackedPerSource, c.SIP.AckTimeout, c.RTP.ListenIP)
	}
	for _, tt := range []struct{ yaml, want string }{
		{"sip:\n  max_unacked_per_source: 0\n", "f.yaml:2: sip.max_unacked_per_source: 0: must be at least 1"},
		{"sip:\n  ack_timeout: 500ms\n", "f.yaml:2: sip.ack_timeout: 500ms: must lie within 1s-32s"},
		{"sip:\n  ack_timeout: 1m\n", "f.yaml:2: sip.ack_timeout: 1m0s: must lie within 1s-32s"},
		{"rtp:\n  ports: 10000-20000\n  listen_ip: eth0\n", `f.yaml:3: rtp.listen_ip: "eth0": not an IP address`},
		{"rtp:\n  listen_ip: 239.1.1.1\n", `f.yaml:2: rtp.listen_ip: "239.1.1.1": a multicast address cannot be bound for RTP`},
		{"sip:\n  max_unacked_per_source: 3\n  ack_timeout: 2s\nrtp:\n  listen_ip: 192.0.2.7\n", ""},
	} {
		_, err := Parse("f.yaml", []byte(tt.yaml))
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("%q: got %q, want %q", tt.yaml, got, tt.want)
		}
	}
}

func TestRTPListenIP(t *testing.T) {
	for _, tt := range []struct {
		listen   []string
		listenIP string
		want     string // empty: every address
	}{
		{[]string{"udp://0.0.0.0:5060", "tcp://0.0.0.0:5060"}, "", ""},
		{[]string{"udp://192.0.2.5:5060", "tcp://192.0.2.5:5060"}, "", "192.0.2.5"},
		{[]string{"udp://[2001:db8::5]:5060"}, "", "2001:db8::5"},
		{[]string{"udp://192.0.2.5:5060", "tcp://192.0.2.6:5060"}, "", ""},
		{[]string{"udp://pbx.example.com:5060"}, "", ""},
		{[]string{"udp://[::]:5060"}, "", ""},
		{[]string{"udp://0.0.0.0:5060"}, "198.51.100.1", "198.51.100.1"},
		{[]string{"udp://192.0.2.5:5060"}, "0.0.0.0", "0.0.0.0"},
	} {
		c := &Config{SIP: SIP{Listen: tt.listen}, RTP: RTP{ListenIP: tt.listenIP}}
		var want netip.Addr
		if tt.want != "" {
			want = netip.MustParseAddr(tt.want)
		}
		if got := c.RTPListenIP(); got != want {
			t.Errorf("listen %v, listen_ip %q: %v, want %v", tt.listen, tt.listenIP, got, want)
		}
	}
}
