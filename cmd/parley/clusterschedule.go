package main

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/cluster"
	"github.com/parleyhq/parley/store"
)

// roomLeases is what a cluster node's scheduler asks of the cluster
// (package cluster's Cluster).
type roomLeases interface {
	Self() cluster.Node
	Claim(room string) (owner cluster.Node, mine bool, err error)
	Release(room string)
	Owner(room string) (owner cluster.Node, ok bool, err error)
	Draining() bool
}

// errScheduleElsewhere is why a node leaves a scheduled conference to
// another: the room is another node's, or this one drains.
var errScheduleElsewhere = errors.New("the room is served by another node")

// scheduleHold is how long a node that started a scheduled conference
// holds the room's lease for its call outs, which are not participants
// while they ring: the longest ring and a margin. Those answered hold it
// from then on, as any participant does.
const scheduleHold = bridge.DefaultRingTimeout + 15*time.Second

// clusterSchedules is the scheduler's store on a cluster node. Every
// node runs the scheduler; the store's claim (MarkScheduleStarted) lets
// one start a conference, and this makes it the one that serves the room:
// it starts a conference only once it holds the room's lease (a room
// another node holds is left to that node's scheduler, and a draining
// node starts no room it does not hold), and only the room's holder (any
// node when none holds it) ends one, for the goodbye and the hang-ups
// happen where the participants are.
type clusterSchedules struct {
	db     bridge.Schedules
	leases roomLeases
	hold   time.Duration

	mu    sync.Mutex
	rooms map[int64]string // schedule → room, from the last listing
}

// scheduleStore is the store RunSchedules uses: db itself on a single
// node, else db through the cluster's leases.
func (a *app) scheduleStore(db bridge.Schedules) bridge.Schedules {
	c := a.clusterRouter.c.Load()
	if c == nil {
		return db
	}
	return &clusterSchedules{db: db, leases: c, hold: scheduleHold, rooms: map[int64]string{}}
}

// Schedules lists the schedules, noting each one's room.
func (s *clusterSchedules) Schedules(ctx context.Context, room string) ([]store.Schedule, error) {
	list, err := s.db.Schedules(ctx, room)
	s.mu.Lock()
	for _, sc := range list {
		s.rooms[sc.ID] = sc.Room
	}
	s.mu.Unlock()
	return list, err
}

// room is the room of schedule id as last listed.
func (s *clusterSchedules) room(id int64) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.rooms[id]
	return r, ok
}

// MarkScheduleStarted takes the room's lease, then the store's claim; the
// lease is held for s.hold so that the call outs ringing keep the room
// here.
func (s *clusterSchedules) MarkScheduleStarted(ctx context.Context, id int64, at time.Time) error {
	room, ok := s.room(id)
	if !ok {
		return store.ErrNotFound
	}
	if s.leases.Draining() && !s.ownedHere(room) {
		return errScheduleElsewhere
	}
	if _, mine, _ := s.leases.Claim(room); !mine { // NATS down: mine, the single-node fallback
		return errScheduleElsewhere
	}
	if err := s.db.MarkScheduleStarted(ctx, id, at); err != nil {
		s.leases.Release(room)
		return err
	}
	time.AfterFunc(s.hold, func() { s.leases.Release(room) })
	return nil
}

// MarkScheduleEnded claims the end unless another node holds the room.
func (s *clusterSchedules) MarkScheduleEnded(ctx context.Context, id int64, at time.Time) error {
	room, ok := s.room(id)
	if !ok {
		return store.ErrNotFound
	}
	if owner, held, err := s.leases.Owner(room); err == nil && held && owner.Name != s.leases.Self().Name {
		return errScheduleElsewhere
	}
	return s.db.MarkScheduleEnded(ctx, id, at)
}

// ownedHere reports whether this node holds room's lease.
func (s *clusterSchedules) ownedHere(room string) bool {
	owner, held, err := s.leases.Owner(room)
	return err == nil && held && owner.Name == s.leases.Self().Name
}
