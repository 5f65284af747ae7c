package config

import (
	"strings"
	"testing"
	"time"
)

// TestClusterSection: absent is a single node; the defaults of a present
// section; each bad value refused with its FILE:LINE.
func TestClusterSection(t *testing.T) {
	const ok = "cluster:\n  node: n1\n  nats: [nats://127.0.0.1:4222]\n"
	for _, tt := range []struct {
		name, yaml string
		want       *Cluster
		err        string
	}{
		{"absent", "rooms: []\n", nil, ""},
		{"defaults", ok, &Cluster{Node: "n1", NATS: []string{"nats://127.0.0.1:4222"}, LeaseTTL: 5 * time.Second, SIPRouting: "redirect"}, ""},
		{"all set", "cluster:\n  node: a-b_2\n  sip_address: 10.0.0.1:5060\n  http_address: https://p1.example.com\n" +
			"  nats: [nats://a:4222, tls://b:4222]\n  lease_ttl: 10s\n  sip_routing: redirect\n",
			&Cluster{Node: "a-b_2", SIPAddress: "10.0.0.1:5060", HTTPAddress: "https://p1.example.com",
				NATS: []string{"nats://a:4222", "tls://b:4222"}, LeaseTTL: 10 * time.Second, SIPRouting: "redirect"}, ""},
		{"no node", "cluster:\n  nats: [nats://a:4222]\n", nil, `p.yaml:1: cluster.node: "": want 1 to 64 letters`},
		{"bad node", "cluster:\n  node: a.b\n  nats: [nats://a:4222]\n", nil, `p.yaml:2: cluster.node: "a.b": want`},
		{"no nats", "cluster:\n  node: n1\n", nil, "p.yaml:1: cluster.nats: at least one URL is required"},
		{"bad nats", "cluster:\n  node: n1\n  nats:\n    - http://a:1\n", nil, `p.yaml:4: cluster.nats[0]: "http://a:1": want nats://HOST:PORT`},
		{"credentials", "cluster:\n  node: n1\n  nats:\n    - nats://u:pw@a:4222\n", nil, `p.yaml:4: cluster.nats[0]: "nats://u:xxxxx@a:4222": credentials in the URL are not taken`},
		{"bad sip", ok + "  sip_address: 10.0.0.1\n", nil, `p.yaml:4: cluster.sip_address: "10.0.0.1": want HOST:PORT`},
		{"bad http", ok + "  http_address: 10.0.0.1:80\n", nil, `p.yaml:4: cluster.http_address: "10.0.0.1:80": want an http:// or https:// URL`},
		{"short ttl", ok + "  lease_ttl: 500ms\n", nil, "p.yaml:4: cluster.lease_ttl: 500ms: must be between 1s and 1m"},
		{"long ttl", ok + "  lease_ttl: 2m\n", nil, "p.yaml:4: cluster.lease_ttl: 2m0s: must be between 1s and 1m"},
		{"routing", ok + "  sip_routing: proxy\n", nil, `p.yaml:4: cluster.sip_routing: "proxy": must be redirect or cascade`},
		{"cascade", ok + "  sip_routing: cascade\n", &Cluster{Node: "n1", NATS: []string{"nats://127.0.0.1:4222"}, LeaseTTL: 5 * time.Second, SIPRouting: "cascade"}, ""},
		{"max legs", ok + "  sip_routing: cascade\n  max_legs_per_node: 50\n", &Cluster{Node: "n1", NATS: []string{"nats://127.0.0.1:4222"}, LeaseTTL: 5 * time.Second, SIPRouting: "cascade", MaxLegsPerNode: 50}, ""},
		{"negative max legs", ok + "  sip_routing: cascade\n  max_legs_per_node: -1\n", nil, "p.yaml:5: cluster.max_legs_per_node: -1: must not be negative"},
		{"max legs redirecting", ok + "  max_legs_per_node: 5\n", nil, "p.yaml:4: cluster.max_legs_per_node: 5: needs sip_routing: cascade"},
		{"unknown key", ok + "  nodes: 3\n", nil, "p.yaml:4: "},
		{"nats user", ok + "  nats_user: parley\n  nats_password: s3cret\n  nats_ca_file: cluster_test.go\n",
			&Cluster{Node: "n1", NATS: []string{"nats://127.0.0.1:4222"}, LeaseTTL: 5 * time.Second, SIPRouting: "redirect",
				NATSUser: "parley", NATSPassword: "s3cret", NATSCAFile: "cluster_test.go"}, ""},
		{"user without password", ok + "  nats_user: parley\n", nil, "p.yaml:4: cluster.nats_user: nats_user and nats_password go together"},
		{"password without user", ok + "  nats_password: s3cret\n", nil, "cluster.nats_user: nats_user and nats_password go together"},
		{"missing ca file", ok + "  nats_ca_file: /nonexistent/ca.pem\n", nil, "p.yaml:4: cluster.nats_ca_file: stat /nonexistent/ca.pem: no such file"},
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
			switch got := c.Cluster; {
			case tt.want == nil && got != nil:
				t.Fatalf("cluster %+v, want none", got)
			case tt.want != nil && (got == nil || got.Node != tt.want.Node || got.SIPAddress != tt.want.SIPAddress ||
				got.HTTPAddress != tt.want.HTTPAddress || strings.Join(got.NATS, " ") != strings.Join(tt.want.NATS, " ") ||
				got.LeaseTTL != tt.want.LeaseTTL || got.SIPRouting != tt.want.SIPRouting || got.MaxLegsPerNode != tt.want.MaxLegsPerNode ||
				got.NATSUser != tt.want.NATSUser || got.NATSPassword != tt.want.NATSPassword || got.NATSCAFile != tt.want.NATSCAFile):
				t.Fatalf("cluster %+v, want %+v", got, tt.want)
			}
		})
	}
	if Default().Cluster != nil {
		t.Error("the embedded default is a cluster; want a single node")
	}
}
