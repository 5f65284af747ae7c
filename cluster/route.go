package cluster

import "sync"

// RouteCall decides where a new call for room goes: redirect is the
// owner's SIP HOST:PORT when another live node holds the room; else ""
// and this node holds it (Claim) until done is called, once, when the
// call is over. When NATS cannot be asked the call is taken here (logged).
// A draining node sends a call for a room it does not hold elsewhere
// (routeDraining).
func (c *Cluster) RouteCall(room string) (redirect string, done func()) {
	if to, ok := c.routeDraining(room); ok {
		return to, nil
	}
	owner, mine, err := c.Claim(room)
	if err != nil {
		c.log.Warn("cluster: cannot learn the room's owner: taking the call here", "room", room, "err", err.Error())
	}
	if !mine {
		if err != nil { // no lease can name it: no owner to send the call to
			return "", func() {}
		}
		return owner.SIP, nil
	}
	return "", sync.OnceFunc(func() { c.Release(room) })
}
