package bridge

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/store"
)

// fakeSchedules is an in-memory Schedules.
type fakeSchedules struct {
	mu   sync.Mutex
	list []store.Schedule
}

func (f *fakeSchedules) Schedules(context.Context, string) ([]store.Schedule, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]store.Schedule(nil), f.list...), nil
}

func (f *fakeSchedules) mark(id int64, at time.Time, started bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.list {
		if f.list[i].ID != id {
			continue
		}
		if started {
			if f.list[i].StartedAt != nil {
				return store.ErrStarted
			}
			f.list[i].StartedAt = &at
		} else {
			if f.list[i].EndedAt != nil {
				return store.ErrEnded
			}
			f.list[i].EndedAt = &at
		}
		return nil
	}
	return store.ErrNotFound
}

func (f *fakeSchedules) MarkScheduleStarted(_ context.Context, id int64, at time.Time) error {
	return f.mark(id, at, true)
}

func (f *fakeSchedules) MarkScheduleEnded(_ context.Context, id int64, at time.Time) error {
	return f.mark(id, at, false)
}

func TestScheduleCallsParticipantsOnceAndEnds(t *testing.T) {
	fd := &fakeDialer{}
	b := newDialBridge(t, fd)
	now := time.Now()
	s := &fakeSchedules{list: []store.Schedule{
		{ID: 1, Room: "1000", Start: now.Add(-time.Second), End: now.Add(time.Hour), Participants: []store.ScheduledParticipant{
			{Target: "#sip:alice@127.0.0.1:5070", Name: "Alice Smith", Role: "moderator"}, {Target: "#sip:bob@127.0.0.1:5072", Role: "spectator"}}},
		{ID: 2, Room: "1000", Start: now.Add(time.Hour), End: now.Add(2 * time.Hour), Participants: []store.ScheduledParticipant{
			{Target: "#sip:carol@127.0.0.1:5074"}}},
	}}
	warned := map[int64]bool{}
	b.runDueSchedules(context.Background(), s, warned, now)
	b.runDueSchedules(context.Background(), s, warned, now.Add(time.Second)) // started once only
	room, _ := b.Room("1000")
	deadline := time.Now().Add(2 * time.Second)
	for room.Len() < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	fd.mu.Lock()
	calls := len(fd.calls)
	fd.mu.Unlock()
	if calls != 2 {
		t.Fatalf("%d calls placed, want 2 (the later schedule waits)", calls)
	}
	roles := map[Role]string{}
	for _, p := range room.Participants() {
		roles[p.Role()] = p.Name
	}
	// Named by the schedule, else by the target as typed.
	if roles[RoleModerator] != "Alice Smith" || roles[RoleSpectator] != "#sip:bob@127.0.0.1:5072" {
		t.Errorf("roles and names %v, want moderator Alice Smith and spectator #sip:bob@127.0.0.1:5072", roles)
	}
	// One minute before the end: a warning; at the end: everyone leaves.
	b.runDueSchedules(context.Background(), s, warned, now.Add(time.Hour-30*time.Second))
	if !warned[1] {
		t.Error("no end warning a minute before the end")
	}
	b.runDueSchedules(context.Background(), s, warned, now.Add(time.Hour))
	deadline = time.Now().Add(10 * time.Second)
	for room.Len() > 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if room.Len() != 0 {
		t.Errorf("%d still in the room after the scheduled end", room.Len())
	}
}
