package main

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/cluster"
	"github.com/parleyhq/parley/store"
)

// fakeLeases is a cluster of which this node is "me": owners maps a room
// to the node that holds it.
type fakeLeases struct {
	mu       sync.Mutex
	owners   map[string]string
	draining bool
	released []string
}

func (f *fakeLeases) Self() cluster.Node { return cluster.Node{Name: "me"} }

func (f *fakeLeases) Claim(room string) (cluster.Node, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if o := f.owners[room]; o != "" && o != "me" {
		return cluster.Node{Name: o}, false, nil
	}
	f.owners[room] = "me"
	return cluster.Node{Name: "me"}, true, nil
}

func (f *fakeLeases) Release(room string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.released = append(f.released, room)
}

func (f *fakeLeases) Owner(room string) (cluster.Node, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	o := f.owners[room]
	return cluster.Node{Name: o}, o != "", nil
}

func (f *fakeLeases) Draining() bool { return f.draining }

func (f *fakeLeases) releases() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.released...)
}

// fakeScheduleStore holds schedule 1 of room 1000; taken says another
// node claimed its start in the store.
type fakeScheduleStore struct {
	taken          bool
	started, ended bool
}

func (f *fakeScheduleStore) Schedules(context.Context, string) ([]store.Schedule, error) {
	return []store.Schedule{{ID: 1, Room: "1000"}}, nil
}

func (f *fakeScheduleStore) MarkScheduleStarted(context.Context, int64, time.Time) error {
	if f.taken {
		return errors.New("already started")
	}
	f.started = true
	return nil
}

func (f *fakeScheduleStore) MarkScheduleEnded(context.Context, int64, time.Time) error {
	f.ended = true
	return nil
}

// TestClusterSchedules: a node starts a scheduled conference only once it
// holds the room (not another node's room, not a new room while it
// drains), gives the lease back when the store's claim went to another
// node or after the hold, and ends one only when no other node holds the
// room.
func TestClusterSchedules(t *testing.T) {
	for _, tt := range []struct {
		name         string
		owner        string // the room's holder before
		draining     bool
		taken        bool
		end          bool // MarkScheduleEnded rather than Started
		wantErr      error
		wantMarked   bool
		wantReleased bool
	}{
		{name: "free room", wantMarked: true, wantReleased: true},
		{name: "held here", owner: "me", wantMarked: true, wantReleased: true},
		{name: "another node's room", owner: "other", wantErr: errScheduleElsewhere},
		{name: "store claim lost", taken: true, wantErr: errors.New("already started"), wantReleased: true},
		{name: "draining, free room", draining: true, wantErr: errScheduleElsewhere},
		{name: "draining, held here", draining: true, owner: "me", wantMarked: true, wantReleased: true},
		{name: "end, free room", end: true, wantMarked: true},
		{name: "end, held here", end: true, owner: "me", wantMarked: true},
		{name: "end, another node's room", end: true, owner: "other", wantErr: errScheduleElsewhere},
	} {
		t.Run(tt.name, func(t *testing.T) {
			leases := &fakeLeases{owners: map[string]string{"1000": tt.owner}, draining: tt.draining}
			db := &fakeScheduleStore{taken: tt.taken}
			s := &clusterSchedules{db: db, leases: leases, hold: time.Millisecond, rooms: map[int64]string{}}
			ctx := context.Background()
			if err := s.MarkScheduleStarted(ctx, 1, time.Now()); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("before a listing: %v, want ErrNotFound", err)
			}
			if _, err := s.Schedules(ctx, ""); err != nil {
				t.Fatal(err)
			}
			var err error
			if tt.end {
				err = s.MarkScheduleEnded(ctx, 1, time.Now())
			} else {
				err = s.MarkScheduleStarted(ctx, 1, time.Now())
			}
			if (err == nil) != (tt.wantErr == nil) || (err != nil && err.Error() != tt.wantErr.Error()) {
				t.Fatalf("error %v, want %v", err, tt.wantErr)
			}
			if marked := db.started || db.ended; marked != tt.wantMarked {
				t.Errorf("store marked %v, want %v", marked, tt.wantMarked)
			}
			if !tt.wantReleased {
				if o, _, _ := leases.Owner("1000"); o.Name != tt.owner || len(leases.releases()) != 0 {
					t.Errorf("the room's holder %q and releases %v; want %q kept, no claim", o.Name, leases.releases(), tt.owner)
				}
				return
			}
			deadline := time.Now().Add(2 * time.Second)
			for len(leases.releases()) == 0 && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			if r := leases.releases(); len(r) != 1 || r[0] != "1000" {
				t.Errorf("released %v, want room 1000 once", r)
			}
		})
	}
}
