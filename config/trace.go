package config

import (
	"math"
	"net"
	"strconv"
)

// This file holds sip.trace: where the SIP message trace goes. What is
// traced is switched on at run time (`parley trace`, the REST API's
// /api/v1/trace); nothing is traced until then.

// Trace says where traced SIP messages go.
type Trace struct {
	// File receives each traced message as text (a header line with the
	// time, direction, transport and addresses, then the whole message),
	// appended; empty logs each at info level instead. The trace carries
	// what SIP carries: Authorization and Proxy-Authorization digests are
	// hashes, never passwords, but SDP and caller numbers are there, so
	// keep the file private.
	File string `yaml:"file"`
	// HEP also sends each traced message as HEP v3 over UDP to a Homer or
	// sngrep collector.
	HEP HEP `yaml:"hep"`
}

// HEP names a HEP v3 (EEP) collector.
type HEP struct {
	// Address is the collector's HOST:PORT (UDP); empty sends nothing.
	Address string `yaml:"address"`
	// AgentID is the capture agent ID put in every packet, 0 to
	// 4294967295. Default 0.
	AgentID int64 `yaml:"agent_id"`
	// Password is the collector's authentication key, sent in clear in
	// every packet; empty sends none.
	Password Secret `yaml:"password"`
}

// trace checks sip.trace.
func (v *validator) trace(t *Trace) {
	if t.HEP.AgentID < 0 || t.HEP.AgentID > math.MaxUint32 {
		v.add("sip.trace.hep.agent_id", "%d: must be 0 to %d", t.HEP.AgentID, uint32(math.MaxUint32))
	}
	if t.HEP.Address == "" {
		if t.HEP.Password != "" {
			v.add("sip.trace.hep.password", "set without sip.trace.hep.address")
		}
		return
	}
	host, port, err := net.SplitHostPort(t.HEP.Address)
	if err != nil {
		v.add("sip.trace.hep.address", "%q: want HOST:PORT: %v", t.HEP.Address, err)
		return
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		v.add("sip.trace.hep.address", "%q: port must be 1 to 65535", t.HEP.Address)
	}
	if host == "" {
		v.add("sip.trace.hep.address", "%q: host missing", t.HEP.Address)
	}
}
