package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/cluster"
	"github.com/parleyhq/parley/config"
	"github.com/parleyhq/parley/media"
)

// This file joins rooms across nodes (cluster.sip_routing: cascade). A
// call that reaches a node for a room another node owns is taken here; the
// first such call links the room here with the owner's: each side joins
// its own room with one more leg, a cascadeLeg, that is the other node.
// The two legs exchange one mixed stream per direction over RTP, so each
// side's mixer hears the other's talkers as one participant and sends it
// the N-1 mix (everything but what it sent) as for any leg: a phone here
// hears a talker on a third node through the owner, one hop more. The
// link goes when the last call that needed it here ends.
//
// The stream is G.722 (RTP payload type 9): 16 kHz wideband, so the link
// keeps HD voice between HD phones; 64 kb/s; an ADPCM codec of small and
// constant CPU cost and delay, already one of Parley's codecs; it raises
// a narrowband room's mixing rate to 16 kHz only (Opus would raise it to
// 48 kHz for every leg of the room, and decode and encode at 48 kHz on
// the link itself).

// cascadeFormat and cascadePT are the link's codec and payload type.
var cascadeFormat = media.G722

const cascadePT = 9

// cascadeMediaTimeout is how long a link leg lives without media: the
// other side's mixer sends every 20 ms, silence included, so a longer
// gap means that node is gone.
const cascadeMediaTimeout = 3 * time.Second

// A link whose owner is gone is made again (relink): every relinkEvery,
// relinkTries times, the room is routed again: to a new owner, or taken
// over here.
const (
	relinkEvery = 500 * time.Millisecond
	relinkTries = 40
)

// cascadeLeg is one end of a link, joined to the room as a bridge Leg: a
// participant that is another node. Its media is the Stream's (accepted
// only from the other node's address).
type cascadeLeg struct {
	*media.Stream
	once sync.Once
	done chan struct{}
}

// newCascadeLeg starts a leg on port (which it owns from then on) that
// exchanges the link's stream with remote.
func newCascadeLeg(port *media.Port, remote netip.AddrPort) (*cascadeLeg, error) {
	s, err := media.NewStream(port, media.Peer{SDP: remote, Signalling: remote.Addr()},
		media.StreamConfig{Format: cascadeFormat, PayloadType: cascadePT})
	if err != nil {
		port.Close()
		return nil, fmt.Errorf("cascade: %w", err)
	}
	if err := s.Start(); err != nil {
		s.Close()
		return nil, fmt.Errorf("cascade: %w", err)
	}
	l := &cascadeLeg{Stream: s, done: make(chan struct{})}
	go l.watch()
	return l, nil
}

// Hangup ends the leg and frees its port.
func (l *cascadeLeg) Hangup(string) {
	l.once.Do(func() {
		l.Stream.Close()
		close(l.done)
	})
}

// Done is closed once the leg has ended.
func (l *cascadeLeg) Done() <-chan struct{} { return l.done }

// watch hangs the leg up once the other side sends nothing for
// cascadeMediaTimeout.
func (l *cascadeLeg) watch() {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-l.done:
			return
		case now := <-t.C:
			if l.Session().TimedOut(now, cascadeMediaTimeout) {
				l.Hangup("no media")
				return
			}
		}
	}
}

// cascadeLink is this node's side of a room it cascades: the owner and
// the calls here that need it.
type cascadeLink struct {
	owner cluster.Node
	leg   *cascadeLeg // nil once claim is set
	refs  int
	// claim, once the owner died and this node took the room over, gives
	// the room back (RouteCascade's Done).
	claim func()
}

// cascades are this node's links, on both sides: the rooms it cascades
// to their owners (links) and, for the rooms it owns, the other nodes'
// legs (served). It implements cluster.CascadeOwner.
type cascades struct {
	b     *bridge.Bridge
	c     *cluster.Cluster
	ports *media.PortRange
	// maxLegs is cluster.max_legs_per_node: past it, the owner sends new
	// calls to the other nodes (overflow); 0: no limit.
	maxLegs int
	next    atomic.Uint64 // the next of the other nodes overflow picks
	bind    netip.Addr    // RTP sockets bind to it
	ip      netip.Addr    // the RTP address the other nodes send to
	log     *slog.Logger

	stop  chan struct{}           // closed by Close: the relinks end
	mu    sync.Mutex              // held across a link's setup (a NATS round trip)
	links map[string]*cascadeLink // guarded by mu; by room
	// doneBy names, by room/act, the node whose room-wide act (an end, a
	// mute all) is being carried out here (cascadeend.go); guarded by mu.
	doneBy map[string]string
	// served has a lock of its own: two nodes linking rooms of each
	// other's at once each hold their mu while the other serves.
	servedMu sync.Mutex
	served   map[string]*cascadeLeg // guarded by servedMu; by room and node
}

var _ cluster.CascadeOwner = (*cascades)(nil)

func newCascades(b *bridge.Bridge, c *cluster.Cluster, ports *media.PortRange, maxLegs int, bind, ip netip.Addr, log *slog.Logger) *cascades {
	return &cascades{b: b, c: c, ports: ports, maxLegs: maxLegs, bind: bind, ip: ip, log: log,
		links: make(map[string]*cascadeLink), doneBy: make(map[string]string), served: make(map[string]*cascadeLeg), stop: make(chan struct{})}
}

// route decides a new call for room: one another node owns is taken here
// as a cascade of that node (redirected there if the link cannot be made);
// while this node drains, a room it does not hold goes elsewhere.
func (k *cascades) route(room string) (string, func()) {
	if to, ok := k.c.RouteDraining(room); ok {
		return to, nil
	}
	r := k.c.RouteCascade(room)
	if !r.Cascade {
		if to, ok := k.overflow(room); ok {
			r.Done()
			return to, nil
		}
		return "", r.Done
	}
	done, err := k.link(room, r.Owner)
	if err != nil {
		k.log.Warn("cascade: cannot link the room with its owner: redirecting the call", "room", room, "owner", r.Owner.Name, "err", err.Error())
		return r.Owner.SIP, nil
	}
	return "", done
}

// overflow returns the SIP address of the node a new call for room, owned
// here, goes to when the room has maxLegs calls here already: another live
// node, in turn, which takes it as a cascade. ok is false when the call
// stays here (no limit, under it, or no other node).
func (k *cascades) overflow(room string) (to string, ok bool) {
	if k.maxLegs <= 0 {
		return "", false
	}
	r, err := k.b.Room(room)
	if err != nil {
		return "", false
	}
	legs := 0
	for _, p := range r.Participants() {
		if p.Via != bridge.ViaCascade {
			legs++
		}
	}
	if legs < k.maxLegs {
		return "", false
	}
	members, err := k.c.Members(context.Background())
	if err != nil {
		k.log.Warn("cascade: the room is at max_legs_per_node but the other nodes cannot be listed: taking the call", "room", room, "err", err.Error())
		return "", false
	}
	others := make([]cluster.Node, 0, len(members))
	for _, m := range members {
		if m.Name != k.c.Self().Name {
			others = append(others, m)
		}
	}
	if len(others) == 0 {
		k.log.Warn("cascade: the room is at max_legs_per_node and no other node is live: taking the call", "room", room)
		return "", false
	}
	n := others[int(k.next.Add(1)-1)%len(others)]
	k.log.Info("cascade: the room is at max_legs_per_node: sending the call to another node", "room", room, "legs", legs, "to", n.Name)
	return n.SIP, true
}

// link holds room's link with owner for one call, making it if needed;
// the returned func gives it back (once), and the last one unlinks.
func (k *cascades) link(room string, owner cluster.Node) (func(), error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	l := k.links[room]
	if l == nil || l.claim != nil || l.owner.Name != owner.Name || isDone(l.leg) {
		if l != nil && l.leg != nil {
			l.leg.Hangup("owner changed")
		}
		leg, err := k.open(room, owner)
		if err != nil {
			return nil, err
		}
		l = &cascadeLink{owner: owner, leg: leg}
		k.links[room] = l
		go k.follow(room, l, leg)
	}
	l.refs++
	k.scope(room, "@"+k.c.Self().Name)
	return sync.OnceFunc(func() { k.unlink(room, l) }), nil
}

// scope gives the participants who join room here from now on IDs that
// end in suffix: "@NODE" while the room is cascaded, so that they are
// unique over the room's nodes (cascadectl.go); "" once it is not.
func (k *cascades) scope(room, suffix string) {
	if r, err := k.b.Room(room); err == nil {
		r.SetIDSuffix(suffix)
	}
}

// linkedNodes returns the nodes linked to room here, its owner.
func (k *cascades) linkedNodes(room string) []string {
	k.servedMu.Lock()
	defer k.servedMu.Unlock()
	var nodes []string
	for key, leg := range k.served {
		if r, node, _ := strings.Cut(key, "/"); r == room && !isDone(leg) {
			nodes = append(nodes, node)
		}
	}
	sort.Strings(nodes)
	return nodes
}

// open makes room's link with owner: a port here, the owner's answer,
// and the leg joined to the room here. k.mu is held.
func (k *cascades) open(room string, owner cluster.Node) (*cascadeLeg, error) {
	r, err := k.b.Room(room)
	if err != nil {
		return nil, err
	}
	port, err := k.ports.Listen(k.bind)
	if err != nil {
		return nil, fmt.Errorf("cascade: rtp: %w", err)
	}
	local := netip.AddrPortFrom(k.ip, uint16(port.Number()))
	remote, err := k.c.OpenCascade(context.Background(), owner, room, local)
	if err != nil {
		port.Close()
		return nil, err
	}
	leg, err := newCascadeLeg(port, remote)
	if err == nil {
		err = k.join(r, leg, owner.Name)
	}
	if err != nil {
		go k.close(room, owner)
		return nil, err
	}
	k.log.Info("cascade: room linked with its owner", "room", room, "owner", owner.Name, "local", local.String(), "remote", remote.String())
	return leg, nil
}

// join puts leg, the link with node, in room r.
func (k *cascades) join(r *bridge.Room, leg *cascadeLeg, node string) error {
	// A moderator: the link passes a room's lock and quota (its callers
	// were admitted where they are).
	_, err := r.Join(leg, bridge.JoinOptions{Name: "cascade " + node, Role: bridge.RoleModerator, Via: bridge.ViaCascade,
		Source: "cascade", Address: node})
	if err != nil {
		leg.Hangup("not admitted")
		return fmt.Errorf("cascade: %w", err)
	}
	return nil
}

// unlink gives back one call's hold on l; the last unlinks the room.
func (k *cascades) unlink(room string, l *cascadeLink) {
	k.mu.Lock()
	l.refs--
	last := l.refs == 0
	if last && k.links[room] == l {
		delete(k.links, room)
	}
	leg, owner, claim := l.leg, l.owner, l.claim
	if last {
		k.scope(room, "")
	}
	k.mu.Unlock()
	switch {
	case !last:
	case claim != nil: // taken over: the room is this node's
		claim()
	default:
		leg.Hangup("no call left")
		k.close(room, owner)
		k.log.Info("cascade: room unlinked", "room", room, "owner", owner.Name)
	}
}

// follow waits for the end of leg, l's link, and if calls here still need
// it, links the room again: with the room's owner as the cluster now
// names it (a new node once the dead owner's lease expired), or by taking
// the room over here when no node holds it.
func (k *cascades) follow(room string, l *cascadeLink, leg *cascadeLeg) {
	select {
	case <-leg.Done():
	case <-k.stop:
		return
	}
	t := time.NewTicker(relinkEvery)
	defer t.Stop()
	for range relinkTries {
		select {
		case <-t.C:
		case <-k.stop:
			return
		}
		if !k.current(room, l, leg) {
			return
		}
		r := k.c.RouteCascade(room) // NATS: outside k.mu
		k.mu.Lock()
		if k.links[room] != l || l.refs == 0 || l.leg != leg {
			k.mu.Unlock()
			if !r.Cascade {
				r.Done()
			}
			return
		}
		if !r.Cascade {
			l.claim, l.leg = r.Done, nil
			k.mu.Unlock()
			k.log.Info("cascade: the room's owner is gone: this node took the room over", "room", room, "owner", l.owner.Name)
			return
		}
		next, err := k.open(room, r.Owner)
		if err != nil {
			k.mu.Unlock()
			k.log.Debug("cascade: relink failed", "room", room, "owner", r.Owner.Name, "err", err.Error())
			continue
		}
		l.owner, l.leg = r.Owner, next
		k.mu.Unlock()
		go k.follow(room, l, next)
		return
	}
	k.log.Warn("cascade: the room could not be linked again: its callers here hear only each other", "room", room)
}

// current reports whether leg is still l's, and l room's link with calls.
func (k *cascades) current(room string, l *cascadeLink, leg *cascadeLeg) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.links[room] == l && l.refs > 0 && l.leg == leg
}

// close tells owner that this node left room.
func (k *cascades) close(room string, owner cluster.Node) {
	if err := k.c.CloseCascade(context.Background(), owner, room); err != nil {
		k.log.Warn("cascade: the owner was not told of the unlink: its leg times out", "room", room, "owner", owner.Name, "err", err.Error())
	}
}

// OpenCascade joins room, owned here, with a leg that is node.
func (k *cascades) OpenCascade(room, node string, addr netip.AddrPort) (netip.AddrPort, error) {
	r, err := k.b.Room(room)
	if err != nil {
		return netip.AddrPort{}, err
	}
	port, err := k.ports.Listen(k.bind)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("cascade: rtp: %w", err)
	}
	local := netip.AddrPortFrom(k.ip, uint16(port.Number()))
	leg, err := newCascadeLeg(port, addr)
	if err != nil {
		return netip.AddrPort{}, err
	}
	key := room + "/" + node
	k.servedMu.Lock()
	old := k.served[key]
	k.served[key] = leg
	k.servedMu.Unlock()
	if old != nil {
		old.Hangup("replaced")
	}
	go func() {
		<-leg.Done()
		k.servedMu.Lock()
		if k.served[key] == leg {
			delete(k.served, key)
		}
		k.servedMu.Unlock()
	}()
	if err := k.join(r, leg, node); err != nil {
		return netip.AddrPort{}, err
	}
	k.log.Info("cascade: a node joined a room here", "room", room, "node", node, "local", local.String(), "remote", addr.String())
	return local, nil
}

// CloseCascade hangs up node's leg in room.
func (k *cascades) CloseCascade(room, node string) {
	k.servedMu.Lock()
	leg := k.served[room+"/"+node]
	k.servedMu.Unlock()
	if leg != nil {
		leg.Hangup("the node left")
		k.log.Info("cascade: a node left a room here", "room", room, "node", node)
	}
}

// Close hangs up every link leg, both sides.
func (k *cascades) Close() {
	k.mu.Lock()
	select {
	case <-k.stop:
	default:
		close(k.stop)
	}
	var legs []*cascadeLeg
	for _, l := range k.links {
		if l.leg != nil {
			legs = append(legs, l.leg)
		}
	}
	k.mu.Unlock()
	k.servedMu.Lock()
	for _, l := range k.served {
		legs = append(legs, l)
	}
	k.servedMu.Unlock()
	for _, l := range legs {
		l.Hangup("closing")
	}
}

// linked reports whether this node cascades room to its owner.
func (k *cascades) linked(room string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	l := k.links[room]
	return l != nil && l.leg != nil && !isDone(l.leg)
}

// cascaded reports whether this node cascades room (cluster.sip_routing
// cascade) rather than serving it alone.
func (r *clusterRouter) cascaded(room string) bool {
	k := r.cascade.Load()
	return k != nil && k.linked(room)
}

// isDone reports whether leg has ended.
func isDone(leg *cascadeLeg) bool {
	select {
	case <-leg.Done():
		return true
	default:
		return false
	}
}

// cascadeIP is the RTP address other nodes reach this one at: rtp's
// listen IP, else the host of the node's SIP address.
func cascadeIP(listen netip.Addr, self cluster.Node) (netip.Addr, error) {
	if listen.IsValid() && !listen.IsUnspecified() {
		return listen, nil
	}
	ap, err := netip.ParseAddrPort(self.SIP)
	if err != nil || ap.Addr().IsUnspecified() {
		return netip.Addr{}, errors.New("cluster.sip_routing cascade needs rtp.listen_ip or a cluster.sip_address that names an IP")
	}
	return ap.Addr(), nil
}

// startCascades serves cascade requests and routes calls as cascades when
// cluster.sip_routing is cascade; the returned stop ends both and hangs
// up the links.
func (a *app) startCascades(c *cluster.Cluster) (stop func(), err error) {
	if a.cfg.Cluster.SIPRouting != config.SIPRoutingCascade {
		return func() {}, nil
	}
	bind := a.cfg.RTPListenIP()
	ip, err := cascadeIP(bind, c.Self())
	if err != nil {
		return nil, err
	}
	if !bind.IsValid() {
		bind = netip.IPv4Unspecified()
	}
	k := newCascades(a.b, c, a.ports, a.cfg.Cluster.MaxLegsPerNode, bind, ip, a.log)
	unsub, err := c.ServeCascades(k)
	if err != nil {
		return nil, err
	}
	a.clusterRouter.cascade.Store(k)
	a.b.SetElsewhere(k.activeElsewhere)
	a.b.SetOnEnd(k.ended)
	a.b.SetOnMuteAll(k.mutedAll)
	return func() {
		a.b.SetOnMuteAll(nil)
		a.b.SetOnEnd(nil)
		a.b.SetElsewhere(nil)
		a.clusterRouter.cascade.Store(nil)
		unsub()
		k.Close()
	}, nil
}
