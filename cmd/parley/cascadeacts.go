package main

import (
	"context"
)

// This file carries a moderator's room-wide acts over the nodes a
// cascaded room spans: ending the conference (a phone key, a scheduled
// end) and muting all by phone key. The bridge calls a hook first
// (bridge.SetOnEnd, SetOnMuteAll); it tells the others over NATS, a
// cascade node its owner and the owner its cascade nodes, and each does
// the same for its own callers. A node told tells the others but not the
// one that told it, so an act goes once around the star.

// Room-wide acts, the keys of cascades.doneBy.
const (
	actEnd     = "end"
	actMuteAll = "mute-all"
)

// ended is the bridge's end hook.
func (k *cascades) ended(room string) {
	k.spread(room, actEnd, func(ctx context.Context, node string) error { return k.c.EndCascade(ctx, node, room) })
}

// mutedAll is the bridge's mute all hook.
func (k *cascades) mutedAll(room, keep string) {
	k.spread(room, actMuteAll, func(ctx context.Context, node string) error {
		return k.c.MuteAllCascade(ctx, node, room, keep)
	})
}

// spread tells act done in room to room's owner, if this node cascades
// it, and to the nodes linked to it here, if it is this node's, but not
// to the node the act came from; tell sends it to one node.
func (k *cascades) spread(room, act string, tell func(ctx context.Context, node string) error) {
	k.mu.Lock()
	from := k.doneBy[room+"/"+act]
	delete(k.doneBy, room+"/"+act)
	var to []string
	if l := k.links[room]; l != nil && l.leg != nil {
		to = append(to, l.owner.Name)
	}
	k.mu.Unlock()
	to = append(to, k.linkedNodes(room)...) // now: an end hangs the links up next
	for _, n := range to {
		if n == from {
			continue
		}
		go func() {
			if err := tell(context.Background(), n); err != nil {
				k.log.Warn("cascade: another node of the room was not told: its callers are left as they were", "room", room, "act", act, "node", n, "err", err.Error())
				return
			}
			k.log.Info("cascade: another node of the room was told", "room", room, "act", act, "node", n)
		}()
	}
}

// EndRoom ends the conference in room here, as node did.
func (k *cascades) EndRoom(room, node string) {
	if r, err := k.b.Room(room); err == nil {
		k.doneHere(room, actEnd, node)
		r.End("the conference was ended on node " + node)
	}
}

// MuteAllRoom mutes everyone in room here but keep, as node did.
func (k *cascades) MuteAllRoom(room, node, keep string) {
	if r, err := k.b.Room(room); err == nil {
		k.doneHere(room, actMuteAll, node)
		r.MuteAllExcept(keep)
		k.log.Info("cascade: everyone muted as on another node", "room", room, "node", node, "kept", keep)
	}
}

// doneHere notes that act is about to be done in room because node did
// it, so that spread does not tell node back.
func (k *cascades) doneHere(room, act, node string) {
	k.mu.Lock()
	k.doneBy[room+"/"+act] = node
	k.mu.Unlock()
}
