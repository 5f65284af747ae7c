package store

import (
	"context"
	"path/filepath"
	"testing"
)

// TestRoomOrganizerMigration opens a database of the schema before rooms
// had an organizer: its rooms come out with none, and an organizer set
// afterwards is kept by UpdateRoom and by a config sync of other rooms.
func TestRoomOrganizerMigration(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "parley.db")
	olderDatabase(t, path, latestVersion(t)-1, "wal")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	r, err := db.Room(ctx, "4242")
	if err != nil || r.Organizer != "" {
		t.Fatalf("migrated room: %+v, %v; want organizer empty", r, err)
	}
	for _, tc := range []struct{ name, organizer string }{{"set", "alice"}, {"changed", "bob"}, {"cleared", ""}} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := db.UpdateRoom(ctx, "4242", func(r *Room) error { r.Organizer = tc.organizer; return nil }); err != nil {
				t.Fatal(err)
			}
			if err := db.SyncConfigRooms(ctx, []Room{{Number: "1"}}); err != nil {
				t.Fatal(err)
			}
			got, err := db.Room(ctx, "4242")
			if err != nil || got.Organizer != tc.organizer {
				t.Fatalf("room after update: organizer %q, %v; want %q", got.Organizer, err, tc.organizer)
			}
		})
	}
}
