package main

import (
	"context"
	"sync"
	"time"

	"github.com/parleyhq/parley/bridge"
)

// This file counts a cascaded room's quota over all its nodes: at an
// admission the quota could turn into a spectator, a cascade node asks
// the room's owner how many active callers the room has on the other
// nodes (the owner adds its own to those its other cascade nodes tell
// it), and the owner asks its cascade nodes; the answers come over NATS
// (cluster.CascadeActive) within countTimeout, and a node that does not
// answer counts none (logged). Two calls admitted at the same instant on
// two nodes may both pass the quota's last seat.

// countTimeout bounds the count a room's quota asks of the other nodes at
// an admission: a call waits for it at its INVITE.
const countTimeout = 500 * time.Millisecond

// Active returns how many active participants (neither spectators nor
// links) room has here.
func (k *cascades) Active(room string) int {
	r, err := k.b.Room(room)
	if err != nil {
		return 0
	}
	n := 0
	for _, p := range r.Participants() {
		if p.Role() != bridge.RoleSpectator && p.Via != bridge.ViaCascade {
			n++
		}
	}
	return n
}

// ActiveBut returns how many active participants room, owned here, has
// here and on its cascade nodes other than node.
func (k *cascades) ActiveBut(room, node string) int {
	return k.Active(room) + k.activeLinked(room, node)
}

// activeLinked sums the active participants of room on the nodes linked
// to it here but except; a node that does not answer counts none
// (logged).
func (k *cascades) activeLinked(room, except string) int {
	var mu sync.Mutex
	var wg sync.WaitGroup
	sum := 0
	for _, n := range k.linkedNodes(room) {
		if n == except {
			continue
		}
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), countTimeout)
			defer cancel()
			got, err := k.c.CascadeActive(ctx, n, room, false)
			if err != nil {
				k.log.Warn("cascade: a node did not say how many callers it has: the quota counts none there", "room", room, "node", n, "err", err.Error())
				return
			}
			mu.Lock()
			sum += got
			mu.Unlock()
		})
	}
	wg.Wait()
	return sum
}

// activeElsewhere is the bridge's count of room's active participants on
// other nodes (bridge.SetElsewhere), for the quota: a room cascaded here
// asks its owner for the whole room but this node; a room owned here
// asks its cascade nodes. An owner that does not answer counts none
// (logged): the quota then counts this node's callers only.
func (k *cascades) activeElsewhere(room string) int {
	k.mu.Lock()
	l := k.links[room]
	cascaded := l != nil && l.leg != nil
	var owner string
	if cascaded {
		owner = l.owner.Name
	}
	k.mu.Unlock()
	if !cascaded {
		return k.activeLinked(room, "")
	}
	ctx, cancel := context.WithTimeout(context.Background(), countTimeout)
	defer cancel()
	n, err := k.c.CascadeActive(ctx, owner, room, true)
	if err != nil {
		k.log.Warn("cascade: the owner did not say how many callers the room has: the quota counts this node's only", "room", room, "owner", owner, "err", err.Error())
		return 0
	}
	return n
}
