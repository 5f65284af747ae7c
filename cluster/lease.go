package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"

	"github.com/nats-io/nats.go/jetstream"
)

// This file holds the room leases: an entry room.NUMBER in the leases
// bucket whose value is the owner's Node. Creating it when absent takes
// the room; the owner renews it every TTL/3 while the room is in use here
// and deletes it when the room empties; a dead owner's entry expires
// within the TTL, and the next call for the room takes it.

// lease is a room this node holds: its callers (Claim's) and the entry's
// revision, 0 while not written (NATS was down, or another node holds it).
type lease struct {
	refs int
	rev  uint64
}

// roomKey is what a room number may be to name a lease: KV keys take
// letters, digits, '-', '_' and '='.
var roomKey = regexp.MustCompile(`^[A-Za-z0-9_=-]{1,128}$`)

// leaseKey is room's key in the leases bucket.
func leaseKey(room string) (string, error) {
	if !roomKey.MatchString(room) {
		return "", fmt.Errorf("cluster: room %q cannot name a lease", room)
	}
	return "room." + room, nil
}

// Claim takes room for this node unless another live node holds it, and
// counts one user of the lease (a call), to be given back with Release.
// It returns the owner and whether it is this node. When NATS cannot be
// asked, the room is this node's (mine true, the single-node fallback: its
// lease is written once NATS is back) and err says why.
func (c *Cluster) Claim(room string) (owner Node, mine bool, err error) {
	key, err := leaseKey(room)
	if err != nil {
		return Node{}, false, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	c.mu.Lock()
	l := c.held[room]
	rev := uint64(0)
	if l != nil {
		rev = l.rev
	}
	c.mu.Unlock()
	_, leases, err := c.buckets(ctx)
	if err == nil {
		var got uint64
		got, owner, err = c.take(ctx, leases, key, rev)
		if err == nil && owner.Name != c.opts.Self.Name {
			return owner, false, nil
		}
		rev = got
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if l = c.held[room]; l == nil {
		l = &lease{}
		c.held[room] = l
	}
	l.refs++
	if err == nil {
		l.rev = rev
	}
	return c.opts.Self, true, err
}

// take writes this node's lease on key: created when absent (rev 0), or
// renewed on revision rev. It returns the new revision, or the node that
// holds the lease instead.
func (c *Cluster) take(ctx context.Context, leases jetstream.KeyValue, key string, rev uint64) (uint64, Node, error) {
	for range 3 {
		var n uint64
		var err error
		if rev == 0 {
			n, err = leases.Create(ctx, key, c.self)
		} else {
			n, err = leases.Update(ctx, key, c.self, rev)
		}
		if err == nil {
			return n, c.opts.Self, nil
		}
		if !errors.Is(err, jetstream.ErrKeyExists) {
			return 0, Node{}, fmt.Errorf("cluster: lease %s: %w", key, err)
		}
		e, err := leases.Get(ctx, key)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			rev = 0 // expired or released since: create it
			continue
		}
		if err != nil {
			return 0, Node{}, fmt.Errorf("cluster: lease %s: %w", key, err)
		}
		owner, err := ownerOf(key, e)
		if err != nil {
			return 0, Node{}, err
		}
		if owner.Name != c.opts.Self.Name {
			return 0, owner, nil
		}
		rev = e.Revision() // ours (a claim raced the renewal): renew on its revision
	}
	return 0, Node{}, fmt.Errorf("cluster: lease %s: contended", key)
}

// Release gives back one Claim of room; the last one, once the room has
// no participants here either (Options.Active), deletes the lease.
func (c *Cluster) Release(room string) {
	c.mu.Lock()
	l := c.held[room]
	if l == nil {
		c.mu.Unlock()
		return
	}
	if l.refs > 0 {
		l.refs--
	}
	idle := l.refs == 0
	c.mu.Unlock()
	if idle && !c.active(room) {
		c.release(room)
	}
}

// Joined tells that room has a participant here: a room no node holds
// becomes this node's, so that a browser guest, an H.323 call or a call
// out holds it as a SIP call does (renewed while the room has
// participants here); one another node holds is logged, for both now
// serve it.
func (c *Cluster) Joined(room string) {
	c.mu.Lock()
	_, held := c.held[room]
	c.mu.Unlock()
	if held {
		return
	}
	owner, mine, err := c.Claim(room)
	switch {
	case mine:
		c.Release(room) // the room's participants keep it (Options.Active)
	case err == nil:
		c.log.Warn("cluster: a room another node holds has a participant here: both serve it", "room", room, "owner", owner.Name)
	}
}

// Vacated tells that room may have no participants here any more (one
// left): its lease is released now if no Claim holds it and the room is
// indeed empty (Options.Active).
func (c *Cluster) Vacated(room string) {
	if !c.active(room) {
		c.release(room)
	}
}

// active reports whether room has participants on this node.
func (c *Cluster) active(room string) bool {
	return c.opts.Active != nil && c.opts.Active(room)
}

// release forgets room and deletes its lease if it is still the entry
// this node wrote (a conditional delete: never another node's).
func (c *Cluster) release(room string) {
	c.mu.Lock()
	l := c.held[room]
	if l == nil || l.refs > 0 {
		c.mu.Unlock()
		return
	}
	delete(c.held, room)
	rev := l.rev
	c.mu.Unlock()
	key, err := leaseKey(room)
	if err != nil || rev == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	_, leases, err := c.buckets(ctx)
	if err == nil {
		err = leases.Delete(ctx, key, jetstream.LastRevision(rev))
	}
	if err != nil {
		c.log.Warn("cluster: releasing a room failed: it frees itself after the ttl", "room", room, "err", err.Error())
		return
	}
	c.log.Info("cluster: room released", "room", room)
}

// Owner returns the node that holds room's lease; ok is false when none
// does.
func (c *Cluster) Owner(room string) (owner Node, ok bool, err error) {
	key, err := leaseKey(room)
	if err != nil {
		return Node{}, false, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	_, leases, err := c.buckets(ctx)
	if err != nil {
		return Node{}, false, err
	}
	e, err := leases.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return Node{}, false, nil
	}
	if err != nil {
		return Node{}, false, fmt.Errorf("cluster: lease %s: %w", key, err)
	}
	if owner, err = ownerOf(key, e); err != nil {
		return Node{}, false, err
	}
	return owner, true, nil
}

// ownerOf is the node lease entry e names.
func ownerOf(key string, e jetstream.KeyValueEntry) (Node, error) {
	var owner Node
	if err := json.Unmarshal(e.Value(), &owner); err != nil {
		return Node{}, fmt.Errorf("cluster: lease %s: %w", key, err)
	}
	return owner, nil
}

// renew keeps this node's leases: a room no call holds and with no
// participants here is released; the others are written again (created
// if they expired while NATS was down). A lease another node took
// meanwhile is logged: both serve the room until one empties.
func (c *Cluster) renew() {
	c.mu.Lock()
	rooms := make(map[string]lease, len(c.held))
	for r, l := range c.held {
		rooms[r] = *l
	}
	c.mu.Unlock()
	for room, l := range rooms {
		if l.refs == 0 && !c.active(room) {
			c.release(room)
			continue
		}
		key, err := leaseKey(room)
		if err != nil {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
		_, leases, err := c.buckets(ctx)
		var rev uint64
		var owner Node
		if err == nil {
			rev, owner, err = c.take(ctx, leases, key, l.rev)
		}
		cancel()
		if errors.Is(err, ErrUnreachable) {
			return
		}
		if err != nil {
			c.rebind(err)
			c.log.Warn("cluster: renewing a lease failed", "room", room, "err", err.Error())
			continue
		}
		if rev == 0 {
			c.log.Error("cluster: another node holds the lease of a room in use here", "room", room, "owner", owner.Name)
		}
		c.mu.Lock()
		if cur := c.held[room]; cur != nil {
			cur.rev = rev
		}
		c.mu.Unlock()
	}
}
