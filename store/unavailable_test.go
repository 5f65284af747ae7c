package store

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/parleyhq/parley/internal/testpg"
)

// TestUnreachable: which errors mean the PostgreSQL server is out of
// reach (ErrUnavailable) and which are answers or other failures.
func TestUnreachable(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"connection refused", fmt.Errorf("begin: %w", &net.OpError{Op: "dial", Err: errors.New("connection refused")}), true},
		{"admin shutdown", &pgconn.PgError{Code: "57P01"}, true},
		{"starting up", &pgconn.PgError{Code: "57P03"}, true},
		{"connection failure", &pgconn.PgError{Code: "08006"}, true},
		{"unique violation", &pgconn.PgError{Code: "23505"}, false},
		{"syntax error", &pgconn.PgError{Code: "42601"}, false},
		{"other", errors.New("disk full"), false},
	} {
		if got := unreachable(tc.err); got != tc.want {
			t.Errorf("%s: unreachable(%v) = %v, want %v", tc.name, tc.err, got, tc.want)
		}
	}
}

// TestPostgresDownAndBack: with its PostgreSQL server crashed (pg_ctl
// stop -m immediate), a DB's reads and writes fail at once with
// ErrUnavailable; once the server is back the same DB (not reopened)
// reads and writes again, and the room written before the crash is
// there; so does, at its first read and write, a DB that was idle through
// the outage (its pooled connections are dead).
func TestPostgresDownAndBack(t *testing.T) {
	if testPG == nil {
		t.Skip("PostgreSQL pass only")
	}
	srv, err := testpg.Start() // its own: this test crashes it
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Stop(); err != nil {
			t.Error(err)
		}
	})
	ctx := context.Background()
	dsn, err := srv.NewDatabase(ctx)
	if err != nil {
		t.Fatal(err)
	}
	db, idle := reopen(t, dsn), reopen(t, dsn)
	if err := db.CreateRoom(ctx, Room{Number: "1000"}); err != nil {
		t.Fatal(err)
	}
	for _, d := range []*DB{db, idle} { // connections in both pools
		if _, err := d.Rooms(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if err := rename(ctx, idle, "Before"); err != nil {
		t.Fatal(err)
	}
	if err := srv.Crash(); err != nil {
		t.Fatal(err)
	}
	for _, op := range []struct {
		name string
		do   func() error
	}{
		{"read", func() error { _, err := db.Rooms(ctx); return err }},
		{"write", func() error { return db.CreateRoom(ctx, Room{Number: "2000"}) }},
	} {
		start := time.Now()
		err := op.do()
		if !errors.Is(err, ErrUnavailable) {
			t.Errorf("%s with the server down: %v, want ErrUnavailable", op.name, err)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("%s with the server down took %v, want it to fail at once", op.name, d)
		}
	}
	if err := srv.Resume(); err != nil {
		t.Fatal(err)
	}
	if _, err := idle.Rooms(ctx); err != nil {
		t.Errorf("first read of the idle DB once the server is back: %v", err)
	}
	if err := rename(ctx, idle, "After"); err != nil {
		t.Errorf("first write of the idle DB once the server is back: %v", err)
	}
	if err := db.CreateRoom(ctx, Room{Number: "3000"}); err != nil {
		t.Fatalf("write once the server is back: %v", err)
	}
	rooms, err := db.Rooms(ctx)
	if err != nil {
		t.Fatalf("read once the server is back: %v", err)
	}
	var got []string
	for _, r := range rooms {
		got = append(got, r.Number)
	}
	if fmt.Sprint(got) != "[1000 3000]" {
		t.Errorf("rooms once the server is back: %v, want 1000 (from before the crash) and 3000", got)
	}
}

// rename names room 1000 name.
func rename(ctx context.Context, db *DB, name string) error {
	_, err := db.UpdateRoom(ctx, "1000", func(r *Room) error { r.Name = name; return nil })
	return err
}
