package main

import (
	"context"
)

// This file ends a cascaded room's conference on every node it spans: an
// End on one node (a moderator's phone key, a scheduled end) tells the
// others over NATS before anyone is hung up (bridge.SetOnEnd), a cascade
// node its owner and the owner its cascade nodes, and each ends the
// conference for its own callers. A node told to end tells the others
// but not the one that told it, so the end goes once around the star.

// ended is the bridge's end hook: it tells room's owner, if this node
// cascades it, and the nodes linked to it here, if it is this node's,
// but not the node this end came from.
func (k *cascades) ended(room string) {
	k.mu.Lock()
	from := k.endedBy[room]
	delete(k.endedBy, room)
	var to []string
	if l := k.links[room]; l != nil && l.leg != nil {
		to = append(to, l.owner.Name)
	}
	k.mu.Unlock()
	to = append(to, k.linkedNodes(room)...) // now: End hangs the links up next
	for _, n := range to {
		if n == from {
			continue
		}
		go func() {
			if err := k.c.EndCascade(context.Background(), n, room); err != nil {
				k.log.Warn("cascade: a node was not told that the conference ended: its callers stay", "room", room, "node", n, "err", err.Error())
				return
			}
			k.log.Info("cascade: the conference's end was sent to another node", "room", room, "node", n)
		}()
	}
}

// EndRoom ends the conference in room here, as node did.
func (k *cascades) EndRoom(room, node string) {
	r, err := k.b.Room(room)
	if err != nil {
		return
	}
	k.mu.Lock()
	k.endedBy[room] = node
	k.mu.Unlock()
	r.End("the conference was ended on node " + node)
}
