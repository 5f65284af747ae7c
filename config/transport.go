package config

import (
	"strings"
	"time"
)

// SIPTCP bounds SIP over TCP and TLS (RFC 3261 §18.3): what one
// connection may cost before Parley closes it.
type SIPTCP struct {
	// ReadTimeout is how long a new connection has to complete its first
	// SIP message (TLS handshake included), and then how long any message
	// may take from its first byte to its last; slower connections are
	// closed (slowloris). Default: 10s.
	ReadTimeout time.Duration `yaml:"read_timeout"`
	// IdleTimeout closes a connection that sent nothing, not even a CRLF
	// keep-alive (RFC 5626 §4.4.1), for this long between messages, unless
	// a call runs over it. Registered phones are probed every 30 s and
	// answer on their connection, so they are never idle. Default: 10m.
	IdleTimeout time.Duration `yaml:"idle_timeout"`
	// MaxConnsPerIP caps open connections from one IPv4 address or IPv6
	// /64, per listener. Default: 32.
	MaxConnsPerIP int `yaml:"max_conns_per_ip"`
	// MaxConns caps open connections per listener. Default: 4096.
	MaxConns int `yaml:"max_conns"`
}

// Metrics configures the Prometheus endpoint.
type Metrics struct {
	// Listen, when set, is a separate HOST:PORT serving /metrics only, and
	// the main HTTP listener no longer serves it. Empty: /metrics is on
	// http.listen.
	Listen string `yaml:"listen"`
}

// Defaults of SIPTCP; default.yaml writes the same values.
const (
	defaultSIPTCPReadTimeout   = 10 * time.Second
	defaultSIPTCPIdleTimeout   = 10 * time.Minute
	defaultSIPTCPMaxConnsPerIP = 32
	defaultSIPTCPMaxConns      = 4096
)

// applyTransportDefaults fills the sip.tcp settings left out of the file.
func applyTransportDefaults(c *Config, src *source) {
	if !src.has("sip.tcp.read_timeout") {
		c.SIP.TCP.ReadTimeout = defaultSIPTCPReadTimeout
	}
	if !src.has("sip.tcp.idle_timeout") {
		c.SIP.TCP.IdleTimeout = defaultSIPTCPIdleTimeout
	}
	if !src.has("sip.tcp.max_conns_per_ip") {
		c.SIP.TCP.MaxConnsPerIP = defaultSIPTCPMaxConnsPerIP
	}
	if !src.has("sip.tcp.max_conns") {
		c.SIP.TCP.MaxConns = defaultSIPTCPMaxConns
	}
}

// transport checks sip.tcp and metrics.
func (v *validator) transport(c *Config) {
	t := c.SIP.TCP
	if t.ReadTimeout <= 0 {
		v.add("sip.tcp.read_timeout", "%s: must be positive", t.ReadTimeout)
	}
	if t.IdleTimeout <= 0 {
		v.add("sip.tcp.idle_timeout", "%s: must be positive", t.IdleTimeout)
	}
	if t.MaxConnsPerIP < 1 {
		v.add("sip.tcp.max_conns_per_ip", "%d: must be at least 1", t.MaxConnsPerIP)
	}
	if t.MaxConns < 1 {
		v.add("sip.tcp.max_conns", "%d: must be at least 1", t.MaxConns)
	} else if t.MaxConnsPerIP > t.MaxConns {
		v.add("sip.tcp.max_conns_per_ip", "%d: more than sip.tcp.max_conns (%d)", t.MaxConnsPerIP, t.MaxConns)
	}
	if c.Metrics.Listen != "" {
		if err := checkHostPort(c.Metrics.Listen); err != nil {
			v.add("metrics.listen", "%q: %v", c.Metrics.Listen, err)
		} else if c.Metrics.Listen == c.HTTP.Listen && !strings.HasSuffix(c.Metrics.Listen, ":0") {
			v.add("metrics.listen", "%q: same address as http.listen", c.Metrics.Listen)
		}
	}
}
