package config

import "time"

// This file holds the shutdown section: how `parley serve` stops on
// SIGTERM or SIGINT.

// Shutdown configures the drain that SIGTERM and SIGINT start: /readyz
// answers 503, new calls are refused with 503 and Retry-After, the calls
// in progress hear that the service is restarting, and Parley waits up to
// Grace for them to end before it hangs up the rest and exits. A second
// signal during the wait ends it at once.
type Shutdown struct {
	// Grace is how long to wait for the calls in progress to end by
	// themselves, written like "30s"; 0 hangs them up at once, without
	// the prompt. At most 1h (a service manager's stop timeout must be
	// longer). Default: 30s.
	Grace time.Duration `yaml:"grace"`
}

// Bounds and default of shutdown.grace.
const (
	defaultShutdownGrace = 30 * time.Second
	maxShutdownGrace     = time.Hour
)

// applyShutdownDefaults fills in the shutdown settings left out of the
// file.
func applyShutdownDefaults(c *Config, src *source) {
	if !src.has("shutdown.grace") {
		c.Shutdown.Grace = defaultShutdownGrace
	}
}

// shutdown checks the shutdown section.
func (v *validator) shutdown(s *Shutdown) {
	switch {
	case s.Grace < 0:
		v.add("shutdown.grace", "%s: must not be negative", s.Grace)
	case s.Grace > maxShutdownGrace:
		v.add("shutdown.grace", "%s: must be at most 1h", s.Grace)
	}
}
