package bridge

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/prompts"
	"github.com/parleyhq/parley/store"
)

// sayingLeg is a fakeLeg that can be told prompts alone, and notes which.
type sayingLeg struct {
	fakeLeg
	sayMu sync.Mutex
	said  []string
}

func (l *sayingLeg) Say(clips ...prompts.Clip) {
	l.sayMu.Lock()
	defer l.sayMu.Unlock()
	for _, c := range clips {
		l.said = append(l.said, c.ID)
	}
}

func (l *sayingLeg) heard() []string {
	l.sayMu.Lock()
	defer l.sayMu.Unlock()
	return append([]string(nil), l.said...)
}

// TestDrainTellsRoomsAndRefusesNewCalls: Drain is once only; a room with
// people hears the restarting prompt and an empty one does not; the calls
// in progress stay; a dial-out and a due scheduled conference are refused,
// the conference left unclaimed for the next process; a call that joins
// while draining (it was at its PIN prompt) hears the prompt alone.
func TestDrainTellsRoomsAndRefusesNewCalls(t *testing.T) {
	fd := &fakeDialer{}
	b := newDialBridge(t, fd)
	empty, err := b.AddRoom(RoomSettings{Number: "2000"})
	if err != nil {
		t.Fatal(err)
	}
	room, _ := b.Room("1000")
	before := &sayingLeg{}
	if _, err := room.Join(before, JoinOptions{Name: "before"}); err != nil {
		t.Fatal(err)
	}
	if b.Draining() {
		t.Fatal("draining before Drain")
	}

	if n := b.Drain(); n != 1 {
		t.Fatalf("the first Drain told %d rooms, want 1", n)
	}
	if n := b.Drain(); n != 0 {
		t.Errorf("a second Drain told %d rooms, want 0", n)
	}
	if !b.Draining() {
		t.Fatal("not draining after Drain")
	}
	if room.announcer.Idle() { // the prompt lasts 3 s: still playing
		t.Error("the room with a caller heard no restarting prompt")
	}
	if !empty.announcer.Idle() {
		t.Error("the empty room is announcing")
	}
	if len(before.heard()) != 0 {
		t.Errorf("the caller in the room was told %v alone, want the room's announcement only", before.heard())
	}
	if room.Len() != 1 {
		t.Errorf("%d in the room after Drain, want the call in progress", room.Len())
	}

	if _, err := b.Dial("1000", DialRequest{To: "2001"}); !errors.Is(err, ErrDraining) {
		t.Errorf("Dial while draining = %v, want ErrDraining", err)
	}
	now := time.Now()
	s := &fakeSchedules{list: []store.Schedule{{ID: 1, Room: "1000", Start: now.Add(-time.Second), End: now.Add(time.Hour),
		Participants: []store.ScheduledParticipant{{Target: "2001"}}}}}
	b.runDueSchedules(context.Background(), s, map[int64]bool{}, now)
	if list, _ := s.Schedules(context.Background(), ""); list[0].StartedAt != nil {
		t.Error("a scheduled conference was claimed while draining")
	}
	fd.mu.Lock()
	placed := len(fd.calls)
	fd.mu.Unlock()
	if placed != 0 {
		t.Errorf("%d calls placed while draining, want 0", placed)
	}

	late := &sayingLeg{}
	if _, err := room.Join(late, JoinOptions{Name: "late"}); err != nil {
		t.Fatalf("a call answered before the drain may still join: %v", err)
	}
	if got := late.heard(); len(got) != 1 || got[0] != prompts.Restarting {
		t.Errorf("the late joiner heard %v, want [%s]", got, prompts.Restarting)
	}
}
