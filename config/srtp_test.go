package config

import (
	"strings"
	"testing"
)

func TestSRTPSettings(t *testing.T) {
	c, err := Parse("f.yaml", []byte("store:\n  path: x.db\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.RTP.SRTP != SRTPOptional {
		t.Errorf("default rtp.srtp %q, want optional", c.RTP.SRTP)
	}
	c, err = Parse("f.yaml", []byte("sip:\n  listen: [\"tls://0.0.0.0:5061\"]\n  tls: {cert: c.pem, key: k.pem}\nrtp:\n  srtp: required\n"+
		"trunks:\n  - name: a\n    proxy: \"sip:sbc.example.net;transport=tls\"\n    srtp: off\n  - name: b\n    proxy: sips:sbc.example.net\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.RTP.SRTP != SRTPRequired || c.TrunkSRTP(c.Trunks[0]) != SRTPOff || c.TrunkSRTP(c.Trunks[1]) != SRTPRequired {
		t.Errorf("rtp.srtp %q, trunks %q %q", c.RTP.SRTP, c.TrunkSRTP(c.Trunks[0]), c.TrunkSRTP(c.Trunks[1]))
	}
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown mode", "rtp:\n  srtp: mandatory\n", `f.yaml:2: rtp.srtp: "mandatory": must be off, optional or required`},
		{"required without tls", "sip:\n  listen: [\"udp://0.0.0.0:5060\"]\nrtp:\n  srtp: required\n",
			`f.yaml:4: rtp.srtp: required, but sip.listen has no tls:// address`},
		{"trunk mode", "trunks:\n  - name: a\n    proxy: sip:sbc.example.net\n    srtp: yes\n", `f.yaml:4: trunks[0].srtp: "yes": must be off, optional or required`},
		{"trunk required over udp", "trunks:\n  - name: a\n    proxy: sip:sbc.example.net\n    srtp: required\n",
			`f.yaml:4: trunks[0].srtp: required, but the proxy "sip:sbc.example.net" is not reached over TLS`},
	}
	for _, tt := range tests {
		_, err := Parse("f.yaml", []byte(tt.yaml))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v; want %q", tt.name, err, tt.want)
		}
	}
}
