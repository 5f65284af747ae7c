package bridge

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"testing"
)

// fakeState is an in-memory RoomState.
type fakeState struct {
	mu     sync.Mutex
	locked map[string]bool
	writes int
}

func (f *fakeState) SetRoomLocked(_ context.Context, number string, locked bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.locked[number] = locked
	f.writes++
	return nil
}

func (f *fakeState) LockedRooms(context.Context) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for n, l := range f.locked {
		if l {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out, nil
}

func (f *fakeState) isLocked(n string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.locked[n]
}

func newStateBridge(t *testing.T, st *fakeState) *Bridge {
	t.Helper()
	b, err := New(Options{Rooms: []RoomSettings{{Number: "1000"}, {Number: "2000"}}, State: st,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// TestLockRestored: a lock in the state store holds in a new bridge
// (regression: every start opened every room).
func TestLockRestored(t *testing.T) {
	st := &fakeState{locked: map[string]bool{"1000": true, "gone": true}}
	b := newStateBridge(t, st)
	room, _ := b.Room("1000")
	if !room.Locked() {
		t.Fatal("room 1000 not locked after a start with its lock stored")
	}
	if _, err := room.Join(&fakeLeg{}, JoinOptions{Role: RoleAttendee}); !errors.Is(err, ErrLocked) {
		t.Errorf("attendee into the restored locked room: %v, want ErrLocked", err)
	}
	if other, _ := b.Room("2000"); other.Locked() {
		t.Error("room 2000 locked; the store did not say so")
	}
}

// TestLockStored: SetLocked writes through; a room that empties opens
// again and says so to the store, unless the process is stopping.
func TestLockStored(t *testing.T) {
	st := &fakeState{locked: map[string]bool{}}
	b := newStateBridge(t, st)
	room, _ := b.Room("1000")
	ps, _ := joinN(t, room, RoleModerator)
	room.SetLocked(true)
	if !st.isLocked("1000") {
		t.Fatal("lock not stored")
	}
	ps[0].Leave()
	if room.Locked() || st.isLocked("1000") {
		t.Errorf("after the last one left: locked %v, stored %v; want both open", room.Locked(), st.isLocked("1000"))
	}

	other, _ := b.Room("2000")
	ps, _ = joinN(t, other, RoleModerator)
	other.SetLocked(true)
	b.BeginShutdown()
	ps[0].Leave() // hung up by the shutdown
	if !st.isLocked("2000") {
		t.Error("a room emptied by the shutdown lost its stored lock")
	}
}

type failingState struct{ fakeState }

func (f *failingState) LockedRooms(context.Context) ([]string, error) {
	return nil, errors.New("disk on fire")
}

func TestLockRestoreFailureFailsNew(t *testing.T) {
	_, err := New(Options{Rooms: []RoomSettings{{Number: "1000"}}, State: &failingState{}})
	if err == nil {
		t.Fatal("New with an unreadable state store succeeded")
	}
}
