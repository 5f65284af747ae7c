package store

import (
	"context"
	"testing"
)

// TestErrors checks that Errors counts failures of the store, and not the
// answers a caller maps to a status nor the caller's cancelled context.
func TestErrors(t *testing.T) {
	db, _, _ := newDB(t)
	ctx := context.Background()
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	steps := []struct {
		name string
		op   func() error
		want uint64 // Errors after the step
	}{
		{"create", func() error { return db.CreateRoom(ctx, Room{Number: "1000"}) }, 0},
		{"exists", func() error { return db.CreateRoom(ctx, Room{Number: "1000"}) }, 0},
		{"not found", func() error { _, err := db.Room(ctx, "2000"); return err }, 0},
		{"invalid", func() error { return db.CreateRoom(ctx, Room{}) }, 0},
		{"cancelled", func() error { _, err := db.Rooms(cancelled); return err }, 0},
		{"closed read", func() error { db.Close(); _, err := db.Rooms(ctx); return err }, 1},
		{"closed write", func() error { return db.CreateRoom(ctx, Room{Number: "3000"}) }, 2},
	}
	for _, s := range steps {
		err := s.op()
		if (err == nil) != (s.name == "create") {
			t.Errorf("%s: err = %v", s.name, err)
		}
		if got := db.Errors(); got != s.want {
			t.Errorf("after %s: Errors() = %d, want %d (err %v)", s.name, got, s.want, err)
		}
	}
}
