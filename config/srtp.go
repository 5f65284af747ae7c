package config

import (
	"strings"
)

// The values of rtp.srtp and of a trunk's srtp (sip.SRTPMode).
const (
	SRTPOff      = "off"
	SRTPOptional = "optional"
	SRTPRequired = "required"
)

// defaultSRTP is rtp.srtp when the file leaves it out: SRTP is taken when
// a phone offers it over TLS, plain RTP otherwise.
const defaultSRTP = SRTPOptional

// applySRTPDefaults fills rtp.srtp when the file leaves it out.
func applySRTPDefaults(c *Config, src *source) {
	if !src.has("rtp.srtp") {
		c.RTP.SRTP = defaultSRTP
	}
}

// TrunkSRTP is the SRTP mode of calls out through t: its own, else
// rtp.srtp.
func (c *Config) TrunkSRTP(t Trunk) string {
	if t.SRTP != "" {
		return t.SRTP
	}
	return c.RTP.SRTP
}

// srtp checks rtp.srtp and the trunks' srtp: a known mode, and SRTP
// required only where keys can travel over TLS (RFC 4568 §8.3).
func (v *validator) srtp(c *Config) {
	if !validSRTP(c.RTP.SRTP) {
		v.add("rtp.srtp", "%q: must be off, optional or required", c.RTP.SRTP)
	} else if c.RTP.SRTP == SRTPRequired && !hasTLSListen(c.SIP.Listen) {
		v.add("rtp.srtp", "required, but sip.listen has no tls:// address: SRTP keys are exchanged only over TLS")
	}
	for i, t := range c.Trunks {
		if t.SRTP == "" {
			continue
		}
		p := index("trunks", i) + ".srtp"
		if !validSRTP(t.SRTP) {
			v.add(p, "%q: must be off, optional or required", t.SRTP)
		} else if t.SRTP == SRTPRequired && !tlsProxy(t.Proxy) {
			v.add(p, "required, but the proxy %q is not reached over TLS (sips: or ;transport=tls): SRTP keys never go over cleartext", t.Proxy)
		}
	}
}

func validSRTP(m string) bool {
	return m == SRTPOff || m == SRTPOptional || m == SRTPRequired
}

func hasTLSListen(listen []string) bool {
	for _, l := range listen {
		if strings.HasPrefix(strings.ToLower(l), "tls://") {
			return true
		}
	}
	return false
}

// tlsProxy reports whether a trunk's proxy URI is reached over TLS.
func tlsProxy(proxy string) bool {
	p := strings.ToLower(proxy)
	return strings.HasPrefix(p, "sips:") || strings.Contains(p, ";transport=tls")
}
