package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parleyhq/parley/config"
	"github.com/parleyhq/parley/store"
)

// olderStore writes at path a database at the schema of the migration files
// in store/migrations but the last, as the Parley before would have left it,
// with one room; it returns the last migration's file name.
func olderStore(t *testing.T, path string) string {
	t.Helper()
	files, err := filepath.Glob("../../store/migrations/*.sql")
	if err != nil || len(files) < 2 {
		t.Fatalf("migration files: %v, %v", files, err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT`); err != nil {
		t.Fatal(err)
	}
	for i, f := range files[:len(files)-1] {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(string(b)); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if _, err := db.Exec(`INSERT INTO schema_version VALUES (?, ?, 0)`, i+1, filepath.Base(f)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(`INSERT INTO rooms (number, name, created_at, updated_at) VALUES ('4242', 'Old room', 1, 1)`); err != nil {
		t.Fatal(err)
	}
	return filepath.Base(files[len(files)-1])
}

// TestMigrateAndBackupCommands drives `parley migrate` and `parley backup`
// as an admin would through an upgrade: look, back up, migrate, check.
func TestMigrateAndBackupCommands(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "parley.db")
	last := olderStore(t, dbPath)
	version := func() int {
		p, err := store.PlanMigrations(context.Background(), dbPath)
		if err != nil {
			t.Fatal(err)
		}
		return p.Current
	}
	before := version()
	aside := fmt.Sprintf("%s.pre-%d", dbPath, before)
	cfg := filepath.Join(dir, "parley.yaml")
	if err := os.WriteFile(cfg, []byte("store:\n  path: "+dbPath+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("store:\n  paht: x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	pg := filepath.Join(dir, "pg.yaml")
	if err := os.WriteFile(pg, []byte("store:\n  driver: postgres\n  dsn: postgres://parley:pw@127.0.0.1:1/parley\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(dir, "backup.db")
	original, err := os.ReadFile(dbPath)
	if err != nil {
		t.Fatal(err)
	}

	for _, step := range []struct {
		name    string
		args    []string
		code    int
		stdout  []string
		stderr  string
		version int  // the file's schema version after the step
		aside   bool // whether PATH.pre-VERSION exists after the step
	}{
		{"dry run lists the pending migration", []string{"migrate", "--dry-run", "--config", cfg}, 0,
			[]string{fmt.Sprintf("schema version %d; this Parley's is %d", before, before+1), "would copy the file to " + aside,
				"would apply 1 migration(s)", last}, "", before, false},
		{"online backup before upgrading", []string{"backup", backup, "--config", cfg}, 0,
			[]string{"copied to " + backup, fmt.Sprintf("schema version %d", before)}, "", before, false},
		{"backup refuses to overwrite", []string{"backup", "--config", cfg, backup}, 1, nil, "exists", before, false},
		{"backup needs a file", []string{"backup", "--config", cfg}, 2, nil, "usage: parley backup", before, false},
		{"backup of postgres", []string{"backup", "--config", pg, backup + ".pg"}, 1, nil, "store.driver is postgres: use pg_dump", before, false},
		{"migrate of postgres", []string{"migrate", "--config", pg}, 1, nil, "parley serve migrates the database at start", before, false},
		{"migrate with a broken config", []string{"migrate", "--config", bad}, 1, nil, bad + ":2: ", before, false},
		{"migrate refuses arguments", []string{"migrate", "now"}, 2, nil, "usage: parley migrate", before, false},
		{"migrate", []string{"migrate", "--config", cfg}, 0,
			[]string{"copying the file to " + aside, "applying 1 migration(s)", last, fmt.Sprintf("now at schema version %d", before+1)}, "", before + 1, true},
		{"then nothing to do", []string{"migrate", "--dry-run", "--config", cfg}, 0,
			[]string{fmt.Sprintf("schema version %d, up to date", before+1)}, "", before + 1, true},
	} {
		var stdout, stderr bytes.Buffer
		code := run(step.args, &stdout, &stderr)
		if code != step.code {
			t.Fatalf("%s: exit %d, want %d (stdout %q, stderr %q)", step.name, code, step.code, stdout.String(), stderr.String())
		}
		for _, want := range step.stdout {
			if !strings.Contains(stdout.String(), want) {
				t.Errorf("%s: stdout %q lacks %q", step.name, stdout.String(), want)
			}
		}
		if !strings.Contains(stderr.String(), step.stderr) {
			t.Errorf("%s: stderr %q lacks %q", step.name, stderr.String(), step.stderr)
		}
		if got := version(); got != step.version {
			t.Errorf("%s: schema version %d after, want %d", step.name, got, step.version)
		}
		if _, err := os.Stat(aside); (err == nil) != step.aside {
			t.Errorf("%s: %s exists = %v, want %v", step.name, aside, err == nil, step.aside)
		}
	}

	// Roll back: the copy kept aside is the file before the upgrade, and
	// the backup restores the data (the new code migrates it on open).
	kept, err := os.ReadFile(aside)
	if err != nil {
		t.Fatal(err)
	}
	// (SQLite's backup sets three counters in the 100-byte header.)
	if len(kept) != len(original) || !bytes.Equal(kept[100:], original[100:]) {
		t.Errorf("%s differs from the file before the upgrade", aside)
	}
	restored, err := store.Open(backup)
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close()
	if r, err := restored.Room(context.Background(), "4242"); err != nil || r.Name != "Old room" {
		t.Errorf("room in the restored backup: %+v, %v", r, err)
	}
}

// TestServeLogsMigration: serve's store opening says what it migrates and
// where the old file went, and says nothing when there is nothing to do.
func TestServeLogsMigration(t *testing.T) {
	path := filepath.Join(t.TempDir(), "parley.db")
	olderStore(t, path)
	for _, want := range []string{"migrating the database schema", ""} {
		var out bytes.Buffer
		db, err := openStore(config.Store{Path: path}, slog.New(slog.NewTextHandler(&out, nil)))
		if err != nil {
			t.Fatal(err)
		}
		db.Close()
		if want == "" && out.Len() > 0 || !strings.Contains(out.String(), want) || want != "" && !strings.Contains(out.String(), "copy="+path+".pre-") {
			t.Errorf("log %q, want %q with the copy's path", out.String(), want)
		}
	}
}
