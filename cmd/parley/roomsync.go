package main

import (
	"context"
	"errors"
	"log/slog"
	"reflect"
	"time"

	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/config"
	"github.com/parleyhq/parley/store"
)

// roomSyncInterval is how often a node of a cluster on a shared store
// reads the rooms: a room another node's API made is served here after
// one to two intervals.
const roomSyncInterval = 2 * time.Second

// roomSync brings the bridge's API rooms (not the config's: each node's
// own config and reload govern those) to the store that the nodes of a
// cluster share, so that a room made, changed or removed through any
// node's API is served the same on every node. It acts on what changed in
// the store between two reads: a room it did not see the last time may
// still be on its way into this node's own bridge (the API stores, then
// serves), so it is added at the next read; a room gone since the last
// read is removed (its callers hung up, as the API's delete does); a room
// whose stored row changed gets its settings.
type roomSync struct {
	db interface {
		Rooms(context.Context) ([]store.Room, error)
	}
	b    *bridge.Bridge
	log  *slog.Logger
	seen map[string]store.Room // the API rooms of the last read; nil before the first
}

// run reads the store every interval until ctx ends.
func (s *roomSync) run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		s.sync(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// sync reads the store once and applies what changed since the last
// read. A store that cannot be read leaves everything as it is.
func (s *roomSync) sync(ctx context.Context) {
	rooms, err := s.db.Rooms(ctx)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Debug("cluster: rooms not read from the store", "err", err.Error())
		}
		return
	}
	now := make(map[string]store.Room, len(rooms))
	for _, r := range rooms {
		if r.ConfigOwned {
			continue
		}
		now[r.Number] = r
		prev, seen := s.seen[r.Number]
		if !seen {
			continue
		}
		set := bridge.SettingsOf(r)
		room, err := s.b.Room(r.Number)
		switch {
		case errors.Is(err, bridge.ErrUnknownRoom):
			if _, err := s.b.AddRoom(set); err == nil {
				s.log.Info("cluster: room made on another node served here", "room", r.Number)
			}
		case err == nil && !prev.UpdatedAt.Equal(r.UpdatedAt) && !reflect.DeepEqual(room.Settings(), set):
			room.Update(set)
			s.log.Info("cluster: room changed on another node", "room", r.Number)
		}
	}
	for n := range s.seen {
		if _, still := now[n]; still {
			continue
		}
		if err := s.b.RemoveRoom(n); err == nil {
			s.log.Info("cluster: room removed on another node", "room", n)
		}
	}
	s.seen = now
}

// syncRooms runs a roomSync until ctx ends, for a node of a cluster
// whose store is PostgreSQL (shared by the nodes); it returns at once for
// a single node or one with its own SQLite, which have nothing to follow.
func (a *app) syncRooms(ctx context.Context, db *store.DB) {
	if a.cfg.Cluster == nil || a.cfg.Store.Driver != config.StorePostgres {
		return
	}
	s := &roomSync{db: db, b: a.b, log: a.log}
	s.run(ctx, roomSyncInterval)
}
