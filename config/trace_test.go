package config

import (
	"strings"
	"testing"
)

// TestTraceSection: sip.trace parses, is off when left out, and each bad
// value is refused at its FILE:LINE.
func TestTraceSection(t *testing.T) {
	c, err := Parse("p.yaml", []byte("sip:\n  trace:\n    file: /tmp/t.log\n    hep:\n      address: 127.0.0.1:9060\n      agent_id: 7\n      password: pw\n"))
	if err != nil {
		t.Fatal(err)
	}
	tr := c.SIP.Trace
	if tr.File != "/tmp/t.log" || tr.HEP.Address != "127.0.0.1:9060" || tr.HEP.AgentID != 7 || tr.HEP.Password.Reveal() != "pw" {
		t.Errorf("parsed %+v", tr)
	}
	if d, err := Parse("p.yaml", []byte("rooms: []\n")); err != nil || d.SIP.Trace != (Trace{}) {
		t.Errorf("default trace %+v, %v; want none", d.SIP.Trace, err)
	}
	for _, tt := range []struct{ yaml, want string }{
		{"sip:\n  trace:\n    hep:\n      address: nohost\n", "p.yaml:4: sip.trace.hep.address: \"nohost\": want HOST:PORT"},
		{"sip:\n  trace:\n    hep:\n      address: h:0\n", "p.yaml:4: sip.trace.hep.address: \"h:0\": port must be 1 to 65535"},
		{"sip:\n  trace:\n    hep:\n      address: h:x\n", "p.yaml:4: sip.trace.hep.address: \"h:x\": port must be 1 to 65535"},
		{"sip:\n  trace:\n    hep:\n      address: :9060\n", "p.yaml:4: sip.trace.hep.address: \":9060\": host missing"},
		{"sip:\n  trace:\n    hep:\n      password: x\n", "p.yaml:4: sip.trace.hep.password: set without sip.trace.hep.address"},
		{"sip:\n  trace:\n    hep:\n      agent_id: -1\n", "p.yaml:4: sip.trace.hep.agent_id: -1: must be 0 to 4294967295"},
	} {
		_, err := Parse("p.yaml", []byte(tt.yaml))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: error %v, want %q", tt.yaml, err, tt.want)
		}
	}
}
