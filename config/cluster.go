package config

import (
	"net/url"
	"os"
	"regexp"
	"time"
)

// This file holds the cluster section: several Parley nodes sharing the
// rooms over NATS (package cluster).

// Cluster makes this Parley a node of a cluster: nodes announce themselves
// over NATS, each room in use is owned by one node through a lease, a call
// for a room another node owns is sent there, and the REST API's live
// actions on such a room are carried to its owner. Left out (nil), Parley
// is a single node and talks to no NATS server.
type Cluster struct {
	// Node is this node's name, unique in the cluster: letters, digits,
	// '-' and '_', at most 64. Required.
	Node string `yaml:"node"`
	// SIPAddress is the HOST:PORT other nodes send callers to (the 302's
	// Contact) for the rooms this node owns. Empty: the first UDP SIP
	// listener's bound address, which must then name a specific IP.
	SIPAddress string `yaml:"sip_address"`
	// HTTPAddress is the http(s) URL of this node as the others and
	// browsers reach it, announced in its heartbeats. Empty: the HTTP
	// listener's bound address, when it names a specific IP.
	HTTPAddress string `yaml:"http_address"`
	// NATS are the URLs of the NATS servers (nats://HOST:PORT or
	// tls://HOST:PORT), JetStream enabled, without credentials in them
	// (NATSUser and NATSPassword carry those). At least one.
	NATS []string `yaml:"nats"`
	// NATSUser and NATSPassword, both or neither, are the user the node
	// connects to NATS as (the servers' authorization users). Without
	// them a node connects anonymously, which only a NATS server on a
	// private network should accept: whoever reaches it can act on every
	// room.
	NATSUser     string `yaml:"nats_user"`
	NATSPassword Secret `yaml:"nats_password"`
	// NATSCAFile is a PEM file of the CAs that sign the NATS servers'
	// certificates, for tls:// URLs; empty: the system's roots.
	NATSCAFile string `yaml:"nats_ca_file"`
	// LeaseTTL is how long a room's lease and a node's heartbeat live
	// without being renewed: a node that dies loses its rooms within it.
	// Every node of a cluster must use the same value. Between 1s and 1m.
	// Default: 5s.
	LeaseTTL time.Duration `yaml:"lease_ttl"`
	// SIPRouting is what a node does with a call for a room another node
	// owns: redirect answers 302 Moved Temporarily with the owner's
	// address; cascade takes the call here and joins the room as a
	// cascade (one mixed RTP stream each way with the owner, see
	// cmd/parley/cascade.go), redirecting only when the owner cannot be
	// linked. Default: redirect.
	SIPRouting string `yaml:"sip_routing"`
	// Drain makes SIGTERM (and `parley drain`) drain through the cluster:
	// the node takes no new room (new rooms' calls are redirected to the
	// nodes that do not drain), keeps the rooms it holds, their new
	// callers included, until they empty or shutdown.grace ends, and
	// frees each room's lease as it empties. false drains as a single
	// node does: every new call refused with 503. Needs shutdown.grace
	// above 0. Default: true.
	Drain bool `yaml:"drain"`
	// MaxLegsPerNode, with sip_routing cascade, is how many calls of one
	// room the owner takes itself: past it a new call gets 302 to another
	// live node, which takes it as a cascade. 0: no limit. Default: 0.
	MaxLegsPerNode int `yaml:"max_legs_per_node"`
}

// Defaults and bounds of the cluster section.
const (
	defaultLeaseTTL   = 5 * time.Second
	minLeaseTTL       = time.Second
	maxLeaseTTL       = time.Minute
	defaultSIPRouting = "redirect"
	// SIPRoutingCascade is the cluster.sip_routing that cascades.
	SIPRoutingCascade = "cascade"
)

// nodeName is what a cluster.node may be: it names NATS subjects and keys.
var nodeName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// applyClusterDefaults fills in the cluster settings left out of the file.
func applyClusterDefaults(c *Config, src *source) {
	if c.Cluster == nil {
		return
	}
	if !src.has("cluster.lease_ttl") {
		c.Cluster.LeaseTTL = defaultLeaseTTL
	}
	if !src.has("cluster.sip_routing") {
		c.Cluster.SIPRouting = defaultSIPRouting
	}
	if !src.has("cluster.drain") {
		c.Cluster.Drain = true
	}
}

// cluster checks the cluster section.
func (v *validator) cluster(c *Cluster) {
	if c == nil {
		return
	}
	if !nodeName.MatchString(c.Node) {
		v.add("cluster.node", "%q: want 1 to 64 letters, digits, '-' or '_'", c.Node)
	}
	if c.SIPAddress != "" {
		if err := checkHostPort(c.SIPAddress); err != nil {
			v.add("cluster.sip_address", "%q: %v", c.SIPAddress, err)
		}
	}
	if c.HTTPAddress != "" {
		if u, err := url.Parse(c.HTTPAddress); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			v.add("cluster.http_address", "%q: want an http:// or https:// URL", c.HTTPAddress)
		}
	}
	if len(c.NATS) == 0 {
		v.add("cluster.nats", "at least one URL is required")
	}
	for i, n := range c.NATS {
		u, err := url.Parse(n)
		switch {
		case err != nil || (u.Scheme != "nats" && u.Scheme != "tls") || u.Host == "":
			v.add(index("cluster.nats", i), "%q: want nats://HOST:PORT or tls://HOST:PORT", n)
		case u.User != nil: // a Config may be logged whole: no secret in a plain string
			v.add(index("cluster.nats", i), "%q: credentials in the URL are not taken", u.Redacted())
		}
	}
	if (c.NATSUser == "") != (c.NATSPassword == "") {
		v.add("cluster.nats_user", "nats_user and nats_password go together: set both or neither")
	}
	if c.NATSCAFile != "" {
		if _, err := os.Stat(c.NATSCAFile); err != nil {
			v.add("cluster.nats_ca_file", "%v", err)
		}
	}
	if c.LeaseTTL < minLeaseTTL || c.LeaseTTL > maxLeaseTTL {
		v.add("cluster.lease_ttl", "%s: must be between 1s and 1m", c.LeaseTTL)
	}
	if c.SIPRouting != "redirect" && c.SIPRouting != SIPRoutingCascade {
		v.add("cluster.sip_routing", "%q: must be redirect or cascade", c.SIPRouting)
	}
	switch {
	case c.MaxLegsPerNode < 0:
		v.add("cluster.max_legs_per_node", "%d: must not be negative", c.MaxLegsPerNode)
	case c.MaxLegsPerNode > 0 && c.SIPRouting != SIPRoutingCascade:
		v.add("cluster.max_legs_per_node", "%d: needs sip_routing: cascade (the calls past it are cascaded)", c.MaxLegsPerNode)
	}
}
