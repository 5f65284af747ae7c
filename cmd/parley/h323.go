package main

import (
	"context"
	"log/slog"
	"net/netip"
	"sync/atomic"

	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/config"
	"github.com/parleyhq/parley/dialplan"
	"github.com/parleyhq/parley/guard"
	"github.com/parleyhq/parley/h323"
	"github.com/parleyhq/parley/ivr"
	"github.com/parleyhq/parley/media"
	"github.com/parleyhq/parley/prompts"
)

// edgeDialer is the bridge's Dialer: ViaH323 routes go to the H.323 edge,
// every other to the SIP edge. The edges are set once newApp has made
// them, before any dial can be asked for.
type edgeDialer struct {
	sip, h323 bridge.Dialer
}

// Dial implements bridge.Dialer.
func (d *edgeDialer) Dial(ctx context.Context, out bridge.Outbound) (bridge.Leg, error) {
	if out.Route.Via == dialplan.ViaH323 {
		return d.h323.Dial(ctx, out)
	}
	return d.sip.Dial(ctx, out)
}

// h323Voice holds the voice prompts the H.323 calls hear; a reload swaps
// them.
type h323Voice struct{ atomic.Pointer[prompts.Set] }

// newH323 builds the H.323 edge of cfg (h323 section, rtp) over the
// bridge, with the phone keys of sip.keys, the address sip.public_ip and
// the cluster's router (nil for a single node); it binds nothing.
func newH323(cfg *config.Config, b *bridge.Bridge, ports *media.PortRange, voice *h323Voice, keys map[string]ivr.Action,
	pins *guard.Limiter, publicIP netip.Addr, cluster h323.RoomRouter, log *slog.Logger) (*h323.Server, error) {
	flow, err := ivr.New(ivr.Options{Prompts: voice.Load, Guard: pins, Keys: keys})
	if err != nil {
		return nil, err
	}
	return h323.New(b, h323.Options{Listen: cfg.H323.Listen, Ports: ports, RTPListenIP: cfg.RTPListenIP(), PublicIP: publicIP,
		Flow: flow, MaxCalls: cfg.H323.MaxCalls, MaxConnsPerIP: cfg.H323.MaxConnsPerIP, SetupTimeout: cfg.H323.SetupTimeout,
		RTPTimeout: cfg.Media.RTPTimeout, Cluster: cluster, Logger: log})
}

// h323Self is the router's SelfH323: the H.323 listener's bound address,
// with the machine's addresses for an unspecified one.
func h323Self(s *h323.Server) func() []netip.AddrPort {
	return func() []netip.AddrPort {
		if s == nil || !s.Addr().IsValid() {
			return nil
		}
		return selfAddrs([]string{"tcp://" + s.Addr().String()})
	}
}
