package main

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/store"
)

// syncStore is the rooms of a shared store as another node's API leaves
// them; err makes the next read fail.
type syncStore struct {
	rooms []store.Room
	err   error
}

func (s *syncStore) Rooms(context.Context) ([]store.Room, error) { return s.rooms, s.err }

// TestRoomSync: a node follows the API rooms of the store it shares: a
// room another node made is served from the second read that sees it, a
// room this node's API is making meanwhile is left to it, a changed row
// changes the room, a removed one goes; config rooms and a store that
// cannot be read change nothing.
func TestRoomSync(t *testing.T) {
	b, err := bridge.New(bridge.Options{Rooms: []bridge.RoomSettings{{Number: "1000", Name: "From the config"}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	t0 := time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)
	db := &syncStore{rooms: []store.Room{
		{Number: "1000", Name: "From the config", ConfigOwned: true, UpdatedAt: t0},
		{Number: "2000", Name: "Made on node 2", UpdatedAt: t0},
	}}
	s := &roomSync{db: db, b: b, log: slog.New(slog.DiscardHandler)}
	ctx := context.Background()
	name := func(n string) string {
		r, err := b.Room(n)
		if err != nil {
			return "(none)"
		}
		return r.Settings().Name
	}
	steps := []struct {
		name   string
		change func()
		want   map[string]string // room → its name here, "(none)": not served
	}{
		{"first read", func() {}, map[string]string{"1000": "From the config", "2000": "(none)"}},
		{"second read", func() {}, map[string]string{"2000": "Made on node 2"}},
		{"this node's API makes 3000", func() {
			db.rooms = append(db.rooms, store.Room{Number: "3000", Name: "Made here", UpdatedAt: t0})
			if _, err := b.AddRoom(bridge.RoomSettings{Number: "3000", Name: "Made here"}); err != nil {
				t.Fatal(err)
			}
		}, map[string]string{"3000": "Made here"}},
		{"2000 renamed on node 2", func() {
			db.rooms[1] = store.Room{Number: "2000", Name: "Renamed", UpdatedAt: t0.Add(time.Second)}
		}, map[string]string{"2000": "Renamed", "3000": "Made here"}},
		{"the store cannot be read", func() { db.err = errors.New("database down") },
			map[string]string{"1000": "From the config", "2000": "Renamed", "3000": "Made here"}},
		{"2000 removed on node 2, 1000 from node 2's config", func() {
			db.err = nil
			db.rooms = db.rooms[2:]
		}, map[string]string{"1000": "From the config", "2000": "(none)", "3000": "Made here"}},
	}
	for _, step := range steps {
		step.change()
		s.sync(ctx)
		for n, want := range step.want {
			if got := name(n); got != want {
				t.Errorf("%s: room %s is %q here, want %q", step.name, n, got, want)
			}
		}
	}
}
