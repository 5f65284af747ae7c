package config

import (
	"net/netip"
	"net/url"
	"time"
)

// Defaults of the media-safety settings (sip.max_unacked_per_source,
// sip.ack_timeout).
const (
	defaultMaxUnacked = 10
	defaultAckTimeout = 8 * time.Second
)

// maxAckTimeout is 64*T1 (RFC 3261 §13.3.1.4), how long a 2xx is
// retransmitted at most.
const maxAckTimeout = 32 * time.Second

// mediaSafety checks the budget of un-ACKed INVITEs and the RTP bind
// address.
func (v *validator) mediaSafety(c *Config) {
	if c.SIP.MaxUnackedPerSource < 1 {
		v.add("sip.max_unacked_per_source", "%d: must be at least 1", c.SIP.MaxUnackedPerSource)
	}
	if c.SIP.AckTimeout < time.Second || c.SIP.AckTimeout > maxAckTimeout {
		v.add("sip.ack_timeout", "%s: must lie within 1s-32s", c.SIP.AckTimeout)
	}
	if ip := c.RTP.ListenIP; ip != "" {
		a, err := netip.ParseAddr(ip)
		switch {
		case err != nil:
			v.add("rtp.listen_ip", "%q: not an IP address", ip)
		case a.IsMulticast():
			v.add("rtp.listen_ip", "%q: a multicast address cannot be bound for RTP", ip)
		}
	}
}

// RTPListenIP is the address RTP sockets bind to: rtp.listen_ip if set;
// else the host of sip.listen when every listen address names the same
// specific IP (one that is not the unspecified address); else the zero
// Addr, which binds every address.
func (c *Config) RTPListenIP() netip.Addr {
	if ip, err := netip.ParseAddr(c.RTP.ListenIP); err == nil {
		return ip
	}
	var common netip.Addr
	for _, l := range c.SIP.Listen {
		u, err := url.Parse(l)
		if err != nil {
			return netip.Addr{}
		}
		ip, err := netip.ParseAddr(u.Hostname())
		if err != nil || ip.IsUnspecified() || (common.IsValid() && ip != common) {
			return netip.Addr{}
		}
		common = ip
	}
	return common
}
