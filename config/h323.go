package config

import "time"

// This file holds the h323 section: the H.323 edge's call-signalling
// listener and its limits.

// H323 configures the H.323 edge: room systems that dial a room's number
// (H.225.0 call signalling, Q.931 over TPKT on TCP) and those a moderator
// calls out to as #h323:@HOST. Their media uses rtp.ports and rtp.listen_ip
// like SIP calls.
type H323 struct {
	// Listen is the HOST:PORT of the call-signalling TCP listener (1720
	// is H.323's well-known call-signalling port). Empty turns dial-in
	// off; dial-out still works. Port 0 picks a free port, for tests.
	// Default: 0.0.0.0:1720.
	Listen string `yaml:"listen"`
	// MaxCalls caps the H.323 calls in progress, in and out together;
	// a Setup beyond it is refused with ReleaseComplete (cause 34, no
	// circuit available) and a dial-out fails. At least 1. Default: 100.
	MaxCalls int `yaml:"max_calls"`
	// MaxConnsPerIP caps the open call-signalling connections from one
	// IPv4 address or IPv6 /64; more are closed at once. At least 1.
	// Default: 8.
	MaxConnsPerIP int `yaml:"max_conns_per_ip"`
	// SetupTimeout is how long a new connection has to send its Setup and
	// a call has to get its media going (fast start, or H.245's capability
	// exchange and logical channels) before it is released; it also bounds
	// each TPKT message from its first byte to its last (slowloris).
	// Between 1s and 2m. Default: 10s.
	SetupTimeout time.Duration `yaml:"setup_timeout"`
}

// Defaults and bounds of the h323 section; default.yaml writes the same
// values.
const (
	defaultH323Listen        = "0.0.0.0:1720"
	defaultH323MaxCalls      = 100
	defaultH323MaxConnsPerIP = 8
	defaultH323SetupTimeout  = 10 * time.Second
	minH323SetupTimeout      = time.Second
	maxH323SetupTimeout      = 2 * time.Minute
)

// applyH323Defaults fills in the h323 settings left out of the file.
func applyH323Defaults(c *Config, src *source) {
	if !src.has("h323.listen") {
		c.H323.Listen = defaultH323Listen
	}
	if !src.has("h323.max_calls") {
		c.H323.MaxCalls = defaultH323MaxCalls
	}
	if !src.has("h323.max_conns_per_ip") {
		c.H323.MaxConnsPerIP = defaultH323MaxConnsPerIP
	}
	if !src.has("h323.setup_timeout") {
		c.H323.SetupTimeout = defaultH323SetupTimeout
	}
}

// h323 checks the h323 section.
func (v *validator) h323(h *H323) {
	if h.Listen != "" {
		if err := checkHostPort(h.Listen); err != nil {
			v.add("h323.listen", "%q: %v", h.Listen, err)
		}
	}
	if h.MaxCalls < 1 {
		v.add("h323.max_calls", "%d: must be at least 1", h.MaxCalls)
	}
	if h.MaxConnsPerIP < 1 {
		v.add("h323.max_conns_per_ip", "%d: must be at least 1", h.MaxConnsPerIP)
	}
	if h.SetupTimeout < minH323SetupTimeout || h.SetupTimeout > maxH323SetupTimeout {
		v.add("h323.setup_timeout", "%s: must be between 1s and 2m", h.SetupTimeout)
	}
}
