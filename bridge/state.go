package bridge

import (
	"context"
	"fmt"
	"time"
)

// RoomState is where the bridge keeps the runtime state of rooms that
// must survive a restart: *store.DB. A room's lock is the only such state;
// what belongs to a participant (mute, role, spectator) ends with the call.
type RoomState interface {
	// SetRoomLocked stores whether room number is locked.
	SetRoomLocked(ctx context.Context, number string, locked bool) error
	// LockedRooms returns the numbers of the rooms stored locked.
	LockedRooms(ctx context.Context) ([]string, error)
}

// stateTimeout bounds one write of a room's state.
const stateTimeout = 5 * time.Second

// restoreLocks locks the rooms that the state store says are locked.
// Rooms it does not know (deleted since) are skipped.
func (b *Bridge) restoreLocks() error {
	if b.state == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), stateTimeout)
	defer cancel()
	locked, err := b.state.LockedRooms(ctx)
	if err != nil {
		return fmt.Errorf("bridge: restore room locks: %w", err)
	}
	for _, n := range locked {
		if r, ok := b.rooms[n]; ok {
			r.locked = true
			b.log.Info("room lock restored", "room", n)
		}
	}
	return nil
}

// saveLock writes the room's current lock to the state store. Writes are
// serialised, and each writes the lock as it is when it runs, so the last
// one leaves the store in step with the room. A failure is logged: the
// lock still holds in memory.
func (r *Room) saveLock() {
	if r.bridge.state == nil {
		return
	}
	r.stateMu.Lock()
	defer r.stateMu.Unlock()
	locked := r.Locked()
	ctx, cancel := context.WithTimeout(context.Background(), stateTimeout)
	defer cancel()
	if err := r.bridge.state.SetRoomLocked(ctx, r.number, locked); err != nil {
		r.log.Error("room lock not stored; it will not survive a restart", "locked", locked, "err", err)
	}
}

// BeginShutdown tells the bridge that the process is stopping: the rooms
// that empty from now on, as their calls are hung up, keep their lock in
// the state store, so that it holds again after the restart (an empty
// room otherwise opens again). Close implies it.
func (b *Bridge) BeginShutdown() { b.stopping.Store(true) }
