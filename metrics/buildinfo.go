package metrics

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// BuildInfo identifies the running binary in parley_build_info.
type BuildInfo struct {
	// Version is the module version, "devel" for a build of a checkout.
	Version string
	// Commit is the VCS commit hash the binary was built from; empty when
	// unknown.
	Commit string
	// GoVersion is the toolchain that built it, e.g. go1.26.8.
	GoVersion string
}

// SetBuildInfo exports b as the gauge parley_build_info{version, commit,
// go_version} 1, the usual way of joining a version to other series in
// queries. It is called once, before the metrics are served; a second call
// returns an error and changes nothing.
func (m *Metrics) SetBuildInfo(b BuildInfo) error {
	// A vector, not constant labels: a second registration then has the
	// same descriptor and is refused by the registry.
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "parley_build_info",
		Help: "Always 1; the labels say which Parley runs: its version, VCS commit and Go version.",
	}, []string{"version", "commit", "go_version"})
	g.WithLabelValues(b.Version, b.Commit, b.GoVersion).Set(1)
	if err := m.reg.Register(g); err != nil {
		return fmt.Errorf("metrics: build info: %w", err)
	}
	return nil
}
