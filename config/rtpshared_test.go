package config

import (
	"strings"
	"testing"
)

func TestRTPSharedPorts(t *testing.T) {
	c, err := Parse("f.yaml", []byte("store:\n  path: x.db\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.RTP.SharedPorts != 0 {
		t.Errorf("default rtp.shared_ports %d, want 0", c.RTP.SharedPorts)
	}
	c, err = Parse("f.yaml", []byte("rtp:\n  shared_ports: 4\n"))
	if err != nil || c.RTP.SharedPorts != 4 {
		t.Fatalf("shared_ports: 4 gave %v, %v", c, err)
	}
	tests := []struct {
		name, yaml, want string
	}{
		{"negative", "rtp:\n  shared_ports: -1\n", `f.yaml:2: rtp.shared_ports: -1: must be 0 (a socket per leg) to 64`},
		{"too many", "rtp:\n  shared_ports: 65\n", `f.yaml:2: rtp.shared_ports: 65: must be 0 (a socket per leg) to 64`},
		{"range too small", "rtp:\n  ports: 10000-10003\n  shared_ports: 2\n",
			`f.yaml:3: rtp.shared_ports: 2: rtp.ports "10000-10003" has only 2 even ports`},
		{"not an integer", "rtp:\n  shared_ports: many\n", `f.yaml:2: rtp.shared_ports: "many": not an integer`},
	}
	for _, tt := range tests {
		_, err := Parse("f.yaml", []byte(tt.yaml))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v; want %q", tt.name, err, tt.want)
		}
	}
}
