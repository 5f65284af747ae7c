package cluster

import (
	"context"
	"encoding/json"
	"hash/fnv"
)

// This file holds the drain of a node leaving the cluster (a rolling
// restart): it takes no new room, new calls for rooms nobody holds go to
// the nodes that do not drain, and the rooms it holds go on here (their
// new callers too, so that they hear the others) until they empty; each
// lease is released as its room empties (Release, Vacated).

// Drain makes this node take no new room: its heartbeats say so at once
// (Node.Draining), RouteCall sends a call for a room it does not hold to
// the room's owner or to a live node that does not drain, and Successor
// names such a node for the edges that route themselves (browsers). The
// rooms it holds are kept until they empty. It is idempotent.
func (c *Cluster) Drain() {
	if c.draining.Swap(true) {
		return
	}
	c.beat()
	c.mu.Lock()
	held := len(c.held)
	c.mu.Unlock()
	c.log.Info("cluster: draining: new rooms go to the other nodes", "rooms_held", held)
}

// Draining reports whether Drain was called.
func (c *Cluster) Draining() bool { return c.draining.Load() }

// Held returns how many rooms this node holds.
func (c *Cluster) Held() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.held)
}

// heartbeat is the value of this node's heartbeat: Self, flagged while it
// drains.
func (c *Cluster) heartbeat() []byte {
	if !c.draining.Load() {
		return c.self
	}
	n := c.opts.Self
	n.Draining = true
	b, err := json.Marshal(n)
	if err != nil { // a Node always marshals
		return c.self
	}
	return b
}

// Successor returns the live node, other than this one and not draining,
// that a new room is sent to; the choice is spread over such nodes by the
// room's number, so that one drain does not pile every new room on one
// node. ok is false when there is none (or NATS cannot be asked).
func (c *Cluster) Successor(room string) (Node, bool) {
	members, err := c.Members(context.Background())
	if err != nil {
		return Node{}, false
	}
	var open []Node
	for _, m := range members {
		if m.Name != c.opts.Self.Name && !m.Draining {
			open = append(open, m)
		}
	}
	if len(open) == 0 {
		return Node{}, false
	}
	h := fnv.New32a()
	_, _ = h.Write([]byte(room))
	return open[h.Sum32()%uint32(len(open))], true
}

// RouteDraining is the choice for a new call while this node drains (RouteCall
// and the cascade router ask it first): ok with the
// SIP address to send a call for room to when this node does not hold the
// room (its owner's, else a Successor's). A room held here, or with no
// node to go to, is not routed here (ok false): the call is taken, the
// room's callers stay together, and a cluster whose every node drains
// still answers.
func (c *Cluster) RouteDraining(room string) (string, bool) {
	if !c.draining.Load() {
		return "", false
	}
	c.mu.Lock()
	_, held := c.held[room]
	c.mu.Unlock()
	if held {
		return "", false
	}
	if owner, ok, err := c.Owner(room); err == nil && ok && owner.Name != c.opts.Self.Name {
		return owner.SIP, true
	}
	if next, ok := c.Successor(room); ok {
		c.log.Info("cluster: draining: a new room goes to another node", "room", room, "to", next.Name)
		return next.SIP, true
	}
	c.log.Warn("cluster: draining, but no other node takes new rooms: taking the call here", "room", room)
	return "", false
}
