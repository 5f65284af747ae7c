package store

import (
	"context"
	"errors"
	"slices"
	"testing"
)

// TestRoomLockSurvives: a lock set on a config-owned and an API room is
// read back after the database is reopened, and syncing the config rooms
// again (as every start does, with or without a change) keeps it
// (regression: the sync wrote the config's unlocked state over it).
func TestRoomLockSurvives(t *testing.T) {
	ctx := context.Background()
	db, _, path := newDB(t)
	config := []Room{{Number: "1000", Name: "Config", GuestRole: "attendee"}}
	if err := db.SyncConfigRooms(ctx, config); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateRoom(ctx, Room{Number: "2000", Name: "API", GuestRole: "attendee"}); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"1000", "2000"} {
		if err := db.SetRoomLocked(ctx, n, true); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.SetRoomLocked(ctx, "9999", true); !errors.Is(err, ErrNotFound) {
		t.Errorf("locking an unknown room: %v, want ErrNotFound", err)
	}
	db.Close()

	db = reopen(t, path)
	config[0].Name = "Renamed" // a changed config room is rewritten
	if err := db.SyncConfigRooms(ctx, config); err != nil {
		t.Fatal(err)
	}
	if got, err := db.LockedRooms(ctx); err != nil || !slices.Equal(got, []string{"1000", "2000"}) {
		t.Fatalf("locked rooms after reopen and sync = %v, %v; want [1000 2000]", got, err)
	}
	if err := db.SyncConfigRooms(ctx, config); err != nil { // unchanged
		t.Fatal(err)
	}
	if err := db.SetRoomLocked(ctx, "2000", false); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.LockedRooms(ctx); !slices.Equal(got, []string{"1000"}) {
		t.Errorf("locked rooms after unlocking 2000 = %v; want [1000]", got)
	}
}
