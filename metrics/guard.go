package metrics

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/parleyhq/parley/guard"
)

// GuardSource is what parley_guard_blocked_total reads at each scrape:
// *guard.Guard.
type GuardSource interface {
	// Blocked returns the tries refused or held off so far, by kind. It
	// is called on the scraping goroutine and must not block for long.
	Blocked() map[guard.Kind]uint64
}

// WatchGuard adds parley_guard_blocked_total{kind}, read from src at each
// scrape, every kind of guard.Kinds present from the start. Call it once.
func (m *Metrics) WatchGuard(src GuardSource) error {
	if err := m.reg.Register(&guardCollector{src: src, desc: prometheus.NewDesc("parley_guard_blocked_total",
		"Tries at a credential (kind: sip_digest, pin, console, api) that the brute-force guard refused or held off, their source slowed or banned.",
		[]string{"kind"}, nil)}); err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	return nil
}

// guardCollector reports the guard's blocked counts.
type guardCollector struct {
	src  GuardSource
	desc *prometheus.Desc
}

// Describe implements prometheus.Collector.
func (c *guardCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

// Collect implements prometheus.Collector.
func (c *guardCollector) Collect(ch chan<- prometheus.Metric) {
	b := c.src.Blocked()
	for _, k := range guard.Kinds() {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.CounterValue, float64(b[k]), string(k))
	}
}
