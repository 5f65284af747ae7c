package testpg

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestCrashResume: a crashed server refuses connections, and once resumed
// it has kept what was committed before the crash.
func TestCrashResume(t *testing.T) {
	s, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	if s == nil {
		t.Skip(Missing())
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Error(err)
		}
	})
	ctx := context.Background()
	exec := func(sql string) error {
		conn, err := pgx.Connect(ctx, s.DSN)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, sql)
		return err
	}
	if err := exec("CREATE TABLE kept (n int); INSERT INTO kept VALUES (7)"); err != nil {
		t.Fatal(err)
	}
	if err := s.Crash(); err != nil {
		t.Fatal(err)
	}
	if err := exec("SELECT 1"); err == nil {
		t.Fatal("a crashed server answered")
	}
	if err := s.Resume(); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, s.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, "SELECT n FROM kept").Scan(&n); err != nil || n != 7 {
		t.Fatalf("after the crash: %d, %v; want the row committed before", n, err)
	}
}
