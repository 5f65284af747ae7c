package main

import (
	"fmt"
	"log/slog"
	"net/netip"

	"github.com/parleyhq/parley/config"
	"github.com/parleyhq/parley/media"
	"github.com/parleyhq/parley/metrics"
)

// newSharedRTP binds the rtp.shared_ports sockets SIP audio legs share,
// or returns nil when the setting is 0 (a socket per leg).
func newSharedRTP(cfg *config.Config, ports *media.PortRange, log *slog.Logger) (*media.SharedPorts, error) {
	if cfg.RTP.SharedPorts == 0 {
		return nil, nil
	}
	ip := cfg.RTPListenIP()
	if !ip.IsValid() {
		ip = netip.IPv4Unspecified()
	}
	sp, err := media.NewSharedPorts(ports, ip, cfg.RTP.SharedPorts)
	if err != nil {
		return nil, fmt.Errorf("rtp.shared_ports: %w", err)
	}
	log.Info("rtp sockets shared by sip legs", "ports", sp.Ports())
	return sp, nil
}

// watchSharedRTP exports the shared sockets' counters on /metrics
// (parley_rtp_shared_*); nothing when there are none (sp nil).
func watchSharedRTP(mtr *metrics.Metrics, sp *media.SharedPorts) error {
	if sp == nil {
		return nil
	}
	return mtr.WatchSharedRTP(sp)
}
