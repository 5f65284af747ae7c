package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// openRaw opens a bare SQLite file for migration tests.
func openRaw(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

// versions returns the recorded schema versions and when each was applied.
func versions(t *testing.T, db *sql.DB) map[int]int64 {
	t.Helper()
	rows, err := db.Query(`SELECT version, applied_at FROM schema_version ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int]int64{}
	for rows.Next() {
		var v int
		var at int64
		if err := rows.Scan(&v, &at); err != nil {
			t.Fatal(err)
		}
		out[v] = at
	}
	return out
}

func tableExists(t *testing.T, db *sql.DB, name string) bool {
	t.Helper()
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table' AND name = ?`, name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n == 1
}

// mig builds a migrations file system. The statements are not idempotent
// (no IF NOT EXISTS), so applying one twice fails.
func mig(files ...string) fstest.MapFS {
	fs := fstest.MapFS{}
	for _, f := range files {
		name, body, _ := strings.Cut(f, ":")
		fs["migrations/"+name] = &fstest.MapFile{Data: []byte(body)}
	}
	return fs
}

// TestMigrateAppliesOnlyNew reopens an existing database with one more
// migration: only that one runs. The statements are not idempotent, so
// re-running an old one would fail.
func TestMigrateAppliesOnlyNew(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.db")
	v2 := mig("0001_a.sql:CREATE TABLE a (x INTEGER);", "0002_b.sql:CREATE TABLE b (x INTEGER);")
	v3 := mig("0003_c.sql:CREATE TABLE c (x INTEGER); INSERT INTO a VALUES (1);",
		"0001_a.sql:CREATE TABLE a (x INTEGER);", "0002_b.sql:CREATE TABLE b (x INTEGER);")
	later := t0.Add(2 * time.Hour)
	for _, step := range []struct {
		name string
		fs   fstest.MapFS
		now  time.Time
		want map[int]int64
	}{
		{"fresh database", v2, t0, map[int]int64{1: ms(t0), 2: ms(t0)}},
		{"reopen, nothing new", v2, t0.Add(time.Hour), map[int]int64{1: ms(t0), 2: ms(t0)}},
		{"reopen with a new migration", v3, later, map[int]int64{1: ms(t0), 2: ms(t0), 3: ms(later)}},
		{"reopen again", v3, later.Add(time.Hour), map[int]int64{1: ms(t0), 2: ms(t0), 3: ms(later)}},
	} {
		db := openRaw(t, path)
		if err := migrate(ctx, db, sqliteDialect, step.fs, step.now); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		mustEqual(t, step.name, versions(t, db), step.want)
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
	db := openRaw(t, path)
	if !tableExists(t, db, "c") {
		t.Error("table c was not created")
	}
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM a`).Scan(&n); err != nil || n != 1 {
		t.Errorf("rows in a = %d, %v; want 1 (0003 ran once)", n, err)
	}
	// An older binary refuses the newer database.
	if err := migrate(ctx, db, sqliteDialect, v2, later); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Errorf("older migrations on a newer database: %v, want a refusal", err)
	}
}

func TestMigrateIsAtomic(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	db := openRaw(t, filepath.Join(t.TempDir(), "m.db"))
	bad := mig("0001_a.sql:CREATE TABLE a (x INTEGER);", "0002_bad.sql:CREATE TABLE oops (;")
	if err := migrate(ctx, db, sqliteDialect, bad, t0); err == nil || !strings.Contains(err.Error(), "0002_bad.sql") {
		t.Fatalf("migrate: %v, want an error naming 0002_bad.sql", err)
	}
	if tableExists(t, db, "a") {
		t.Error("0001 was applied although 0002 failed")
	}
	if tableExists(t, db, "schema_version") {
		t.Errorf("schema_version created although the migration failed: %v", versions(t, db))
	}
}

func TestLoadMigrationsNames(t *testing.T) {
	sqliteOnly(t)
	for _, tc := range []struct {
		name    string
		fs      fstest.MapFS
		want    []int
		wantErr string
	}{
		{"sorted numerically", mig("0010_j.sql:", "0002_b.sql:", "0001_a.sql:"), []int{1, 2, 10}, ""},
		{"no number", mig("initial.sql:"), nil, "NNNN_description"},
		{"zero", mig("0000_a.sql:"), nil, "NNNN_description"},
		{"duplicate", mig("0001_a.sql:", "1_b.sql:"), nil, "share version 1"},
		{"other files ignored", mig("0001_a.sql:", "README.md:"), []int{1}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			migs, err := loadMigrations(tc.fs)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []int
			for _, m := range migs {
				got = append(got, m.version)
			}
			mustEqual(t, "versions", got, tc.want)
		})
	}
}

// TestEmbeddedMigrations checks the shipped migrations are numbered 1..n and
// that reopening a database applies none of them again.
func TestEmbeddedMigrations(t *testing.T) {
	sqliteOnly(t)
	migs, err := loadMigrations(migrations)
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range migs {
		if m.version != i+1 {
			t.Fatalf("migration %s has version %d, want %d (no gaps)", m.name, m.version, i+1)
		}
	}

	path := filepath.Join(t.TempDir(), "parley.db")
	for i := range 3 {
		c := &clock{t: t0.Add(time.Duration(i) * time.Hour)}
		db, err := Open(path, WithClock(c.now))
		if err != nil {
			t.Fatalf("Open #%d: %v", i+1, err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
	raw := openRaw(t, path)
	want := map[int]int64{}
	for _, m := range migs {
		want[m.version] = ms(t0)
	}
	mustEqual(t, "versions after three opens", versions(t, raw), want)
}
