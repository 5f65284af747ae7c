package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/parleyhq/parley/api"
	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/cluster"
	"github.com/parleyhq/parley/sip"
	"github.com/parleyhq/parley/web"
)

// clusterRouter is the SIP edge's sip.RoomRouter and the join page's
// web.Nodes when the config has a cluster section. The cluster joins once the listeners are bound (its
// heartbeats carry their addresses): until then, and without one, every
// call is this node's.
type clusterRouter struct {
	c       atomic.Pointer[cluster.Cluster]
	cascade atomic.Pointer[cascades] // set with cluster.sip_routing cascade (cascade.go)
}

// RouteCall asks the cluster, once it has joined.
func (r *clusterRouter) RouteCall(room string) (string, func()) {
	if k := r.cascade.Load(); k != nil {
		return k.route(room)
	}
	if c := r.c.Load(); c != nil {
		return c.RouteCall(room)
	}
	return "", func() {}
}

// NodeFor answers the join page (web.Nodes) once the cluster has joined:
// until then every guest joins here.
func (r *clusterRouter) NodeFor(room string) string {
	if c := r.c.Load(); c != nil {
		return c.NodeFor(room)
	}
	return ""
}

// NodeOrigins answers the join page (web.Nodes) once the cluster has
// joined.
func (r *clusterRouter) NodeOrigins() []string {
	if c := r.c.Load(); c != nil {
		return c.NodeOrigins()
	}
	return nil
}

// joinNodes is the join page's web.Nodes: nil for a single node.
func (a *app) joinNodes() web.Nodes {
	if a.cfg.Cluster == nil {
		return nil
	}
	return &a.clusterRouter
}

// startCluster joins the cluster of cfg.Cluster, if any: it announces
// this node with the bound SIP and HTTP addresses (unless the section
// names them), routes the SIP edge's new calls through it, frees a room's
// lease when the room empties, serves the API requests other nodes
// forward here with api, and returns the handler for this node's own
// HTTP requests (api, carrying live room actions to their owners). It
// registers its Close with the app's closers.
func (a *app) startCluster(api http.Handler) (http.Handler, error) {
	cc := a.cfg.Cluster
	if cc == nil {
		return api, nil
	}
	self := cluster.Node{Name: cc.Node, SIP: cc.SIPAddress, HTTP: cc.HTTPAddress}
	if self.SIP == "" {
		addr, err := boundSIP(a.sip.Addrs())
		if err != nil {
			return nil, fmt.Errorf("cluster.sip_address: %w", err)
		}
		self.SIP = addr
	}
	if self.HTTP == "" {
		if ap, err := netip.ParseAddrPort(a.httpLn.Addr().String()); err == nil && !ap.Addr().IsUnspecified() {
			self.HTTP = "http://" + ap.String()
			if a.front.tls != nil {
				self.HTTP = "https://" + ap.String()
			}
		}
	}
	b := a.b
	c, err := cluster.New(cluster.Options{Self: self, URLs: cc.NATS, TTL: cc.LeaseTTL, Logger: a.log,
		User: cc.NATSUser, Password: cc.NATSPassword.Reveal(), CAFile: cc.NATSCAFile,
		Active: func(room string) bool { r, err := b.Room(room); return err == nil && r.Len() > 0 }})
	if err != nil {
		return nil, err
	}
	api = cascadeControl(api, c, &a.clusterRouter)
	c.Serve(api)
	stopCascades, err := a.startCascades(c)
	if err != nil {
		c.Close()
		return nil, err
	}
	a.clusterRouter.c.Store(c)
	stopRemote, err := c.Events(relayEvent(&a.remoteEvents))
	if err != nil {
		stopCascades()
		c.Close()
		return nil, fmt.Errorf("cluster: events: %w", err)
	}
	stop := followRooms(b, c, a.clusterRouter.cascaded)
	a.closers = append(a.closers, func() { stop(); stopRemote(); stopCascades(); c.Close() })
	var live []string
	if members, err := c.Members(context.Background()); err == nil { // NATS down: none known yet
		for _, m := range members {
			live = append(live, m.Name)
		}
	}
	a.log.Info("cluster joined", "node", self.Name, "sip", self.SIP, "http", self.HTTP, "nats", strings.Join(cc.NATS, ","),
		"members", strings.Join(live, ","))
	return c.Forward(api), nil
}

// boundSIP is the HOST:PORT of the first UDP listener of addrs
// (transport://host:port), which must name a specific IP: the address
// other nodes redirect callers to.
func boundSIP(addrs []string) (string, error) {
	for _, a := range addrs {
		hp, ok := strings.CutPrefix(a, "udp://")
		if !ok {
			continue
		}
		ap, err := netip.ParseAddrPort(hp)
		if err != nil || ap.Addr().IsUnspecified() {
			return "", fmt.Errorf("required: sip.listen %s is no address callers can be sent to", a)
		}
		return hp, nil
	}
	return "", fmt.Errorf("required: no udp sip.listen to default to")
}

// followRooms tells c when a room of b gets a participant (a browser,
// an H.323 call, a call out: the room is leased as for a SIP call; not
// for a room this node cascades, which is its owner's) and
// when one leaves, so that an emptied room's lease is freed at once rather
// than at the next renewal, and publishes every room event to the other
// nodes (for their event streams); the returned func stops it.
func followRooms(b *bridge.Bridge, c *cluster.Cluster, cascaded func(room string) bool) (stop func()) {
	sub := b.Subscribe()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for e := range sub.C {
			if e.Room != "" { // a reload is this node's own
				if data, err := json.Marshal(e); err == nil {
					c.PublishEvent(data)
				}
			}
			switch e.Type {
			case bridge.EventJoined:
				if !cascaded(e.Room) { // a cascade's room is the owner's: not this node's to claim
					c.Joined(e.Room)
				}
			case bridge.EventLeft, bridge.EventEnded:
				c.Vacated(e.Room)
			}
		}
	}()
	return func() { sub.Close(); wg.Wait() }
}

// clusterEvents is the API's Options.RemoteEvents: the other nodes' room
// events, which startCluster relays; nil for a single node.
func (a *app) clusterEvents() api.EventFeed {
	if a.cfg.Cluster == nil {
		return nil
	}
	return &a.remoteEvents
}

// relayEvent hands each event another node publishes to feed; one that
// does not decode (a node of another version) is skipped.
func relayEvent(feed *bridge.Feed) func(node string, event []byte) {
	return func(_ string, event []byte) {
		var e bridge.Event
		if json.Unmarshal(event, &e) == nil && e.Room != "" {
			feed.Publish(e)
		}
	}
}

// callRouter is the SIP edge's Options.Cluster, and the H.323 edge's (a
// nil sip.RoomRouter converts to a nil h323.RoomRouter): nil for a single
// node.
func (a *app) callRouter() sip.RoomRouter {
	if a.cfg.Cluster == nil {
		return nil
	}
	return &a.clusterRouter
}
