package cluster

import "sync"

// RouteCall decides where a new call for room goes: redirect is the
// owner's SIP HOST:PORT when another live node holds the room; else ""
// and this node holds it (Claim) until done is called, once, when the
// call is over. When NATS cannot be asked the call is taken here (logged).
// A draining node sends a call for a room it does not hold elsewhere
// (RouteDraining).
func (c *Cluster) RouteCall(room string) (redirect string, done func()) {
	if to, ok := c.RouteDraining(room); ok {
		return to, nil
	}
	r := c.RouteCascade(room)
	if r.Cascade {
		return r.Owner.SIP, nil
	}
	return "", r.Done
}

// Route is where RouteCascade sends a new call.
type Route struct {
	// Owner is the room's owner: another node when Cascade, else this one.
	Owner Node
	// Cascade is true when another live node owns the room: the call is
	// to be redirected there, or taken here as a cascade of it.
	Cascade bool
	// Done, when Cascade is false, is to be called once when the call is
	// over: this node holds the room (Claim) until then.
	Done func()
}

// RouteCascade decides where a new call for room goes, naming the owner
// when it is another node (cluster.sip_routing cascade links to it). When
// NATS cannot be asked the call is taken here (logged).
func (c *Cluster) RouteCascade(room string) Route {
	owner, mine, err := c.Claim(room)
	if err != nil {
		c.log.Warn("cluster: cannot learn the room's owner: taking the call here", "room", room, "err", err.Error())
	}
	if !mine {
		if err != nil { // no lease can name it: no owner to send the call to
			return Route{Owner: c.opts.Self, Done: func() {}}
		}
		return Route{Owner: owner, Cascade: true}
	}
	return Route{Owner: c.opts.Self, Done: sync.OnceFunc(func() { c.Release(room) })}
}
