package sip

import (
	"net/netip"
	"strings"
	"testing"
)

func TestNegotiateAudioRTCP(t *testing.T) {
	tests := []struct {
		name  string
		attrs []string
		rtcp  string
		mux   bool
	}{
		{"default: RTP port + 1", nil, "192.0.2.5:4001", false},
		{"a=rtcp", []string{"rtcp:5555"}, "192.0.2.5:5555", false},
		{"a=rtcp with address", []string{"rtcp:5555 IN IP4 192.0.2.5"}, "192.0.2.5:5555", false},
		{"a=rtcp junk: RTP + 1", []string{"rtcp:x"}, "192.0.2.5:4001", false},
		{"rtcp-mux", []string{"rtcp-mux"}, "192.0.2.5:4000", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := Negotiate([]byte(offer("0", tt.attrs...)))
			if err != nil {
				t.Fatal(err)
			}
			if n.RTCP != netip.MustParseAddrPort(tt.rtcp) || n.RTCPMux != tt.mux {
				t.Errorf("rtcp %s mux %v, want %s %v", n.RTCP, n.RTCPMux, tt.rtcp, tt.mux)
			}
			ans, err := n.Answer(netip.MustParseAddr("192.0.2.1"), 20000, 0, 1, 1)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Contains(string(ans), "a=rtcp-mux"); got != tt.mux {
				t.Errorf("answer has rtcp-mux: %v, want %v:\n%s", got, tt.mux, ans)
			}
		})
	}
}
