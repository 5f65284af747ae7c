package store

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
)

// embeddedUpTo returns the embedded migrations up to version n, as a file
// system migrate reads: the schema an older Parley shipped.
func embeddedUpTo(t *testing.T, n int) fstest.MapFS {
	t.Helper()
	ms, err := loadMigrations(migrations)
	if err != nil {
		t.Fatal(err)
	}
	out := fstest.MapFS{}
	for _, m := range ms[:n] {
		out["migrations/"+m.name] = &fstest.MapFile{Data: []byte(m.sql)}
	}
	return out
}

// latestVersion is the newest embedded schema version.
func latestVersion(t *testing.T) int {
	t.Helper()
	ms, err := loadMigrations(migrations)
	if err != nil {
		t.Fatal(err)
	}
	return ms[len(ms)-1].version
}

// olderDatabase writes, at path, a database at schema version n with one
// room, as an older Parley would have left it (journal: "wal" or
// "delete"), closed; it returns the file's bytes.
func olderDatabase(t *testing.T, path string, n int, journal string) []byte {
	t.Helper()
	raw := openRaw(t, path)
	if _, err := raw.Exec(`PRAGMA journal_mode=` + journal); err != nil {
		t.Fatal(err)
	}
	if err := migrate(context.Background(), raw, sqliteDialect, embeddedUpTo(t, n), t0); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`INSERT INTO rooms (number, name, created_at, updated_at) VALUES ('4242', 'Old room', 1, 1)`); err != nil {
		t.Fatal(err)
	}
	if err := raw.Close(); err != nil {
		t.Fatal(err)
	}
	old, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + "-wal"); err == nil {
		t.Fatalf("%s-wal left after Close: the file alone is not the database", path)
	}
	return old
}

// TestOpenCopiesAsideBeforeMigrating opens a database one schema version
// behind with the current code: the file is first copied, unchanged, to
// PATH.pre-VERSION; then it is migrated; reopening makes no new copy.
func TestOpenCopiesAsideBeforeMigrating(t *testing.T) {
	sqliteOnly(t)
	latest := latestVersion(t)
	for _, journal := range []string{"wal", "delete"} {
		t.Run(journal, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "parley.db")
			old := olderDatabase(t, path, latest-1, journal)
			aside := path + ".pre-" + itoa(latest-1)
			// A copy left by an earlier attempt is replaced.
			if err := os.WriteFile(aside, []byte("stale"), 0o600); err != nil {
				t.Fatal(err)
			}

			db, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			if r, err := db.Room(context.Background(), "4242"); err != nil || r.Name != "Old room" {
				t.Errorf("room after migrating: %+v, %v", r, err)
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(aside)
			if err != nil {
				t.Fatalf("no copy aside: %v", err)
			}
			if !sameDatabaseFile(got, old) {
				t.Errorf("%s (%d bytes) differs from the file before the upgrade (%d bytes)", aside, len(got), len(old))
			}
			raw := openRaw(t, aside)
			if v, err := schemaVersion(context.Background(), raw, sqliteDialect); err != nil || v != latest-1 {
				t.Errorf("copy's schema version = %d, %v; want %d", v, err, latest-1)
			}
			raw.Close()
			onlyFiles(t, filepath.Dir(path), "parley.db", "parley.db.pre-"+itoa(latest-1))

			// Up to date now: no copy is made again.
			if err := os.Remove(aside); err != nil {
				t.Fatal(err)
			}
			db, err = Open(path)
			if err != nil {
				t.Fatal(err)
			}
			db.Close()
			onlyFiles(t, filepath.Dir(path), "parley.db")
		})
	}
}

// TestOpenNewFileMakesNoCopy: a file without a schema is not copied aside.
func TestOpenNewFileMakesNoCopy(t *testing.T) {
	sqliteOnly(t)
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{filepath.Join(dir, "parley.db"), empty} {
		db, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		db.Close()
	}
	onlyFiles(t, dir, "empty.db", "parley.db")
}

// TestOpenRefusesNewerWithoutCopy: a file from a newer Parley is refused
// and neither copied nor changed.
func TestOpenRefusesNewerWithoutCopy(t *testing.T) {
	sqliteOnly(t)
	path := filepath.Join(t.TempDir(), "parley.db")
	latest := latestVersion(t)
	olderDatabase(t, path, latest, "delete")
	raw := openRaw(t, path)
	if _, err := raw.Exec(`INSERT INTO schema_version (version, name, applied_at) VALUES (?, 'future.sql', 0)`, latest+1); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	before, _ := os.ReadFile(path)
	if _, err := Open(path); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("Open of a newer schema: %v, want a refusal", err)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Error("the refused file changed")
	}
	onlyFiles(t, filepath.Dir(path), "parley.db")
}

func TestPlanMigrations(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	latest := latestVersion(t)
	dir := t.TempDir()
	behind := filepath.Join(dir, "behind.db")
	olderDatabase(t, behind, latest-2, "delete")
	current := filepath.Join(dir, "current.db")
	olderDatabase(t, current, latest, "delete")
	missing := filepath.Join(dir, "sub", "missing.db")

	for _, tc := range []struct {
		name      string
		path      string
		exists    bool
		current   int
		pending   []int
		copyAside string
	}{
		{"missing file: all, no copy", missing, false, 0, versionsFrom(1, latest), ""},
		{"two behind", behind, true, latest - 2, []int{latest - 1, latest}, behind + ".pre-" + itoa(latest-2)},
		{"up to date", current, true, latest, []int{}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := dirState(t, dir)
			p, err := PlanMigrations(ctx, tc.path)
			if err != nil {
				t.Fatal(err)
			}
			var got []int
			for _, m := range p.Pending {
				got = append(got, m.Version)
				if m.Summary == "" || !strings.HasSuffix(m.Name, ".sql") {
					t.Errorf("migration %+v: want a name and a summary", m)
				}
			}
			if got == nil {
				got = []int{}
			}
			mustEqual(t, "plan", []any{p.Exists, p.Current, p.Latest, got, p.CopyAside},
				[]any{tc.exists, tc.current, latest, tc.pending, tc.copyAside})
			mustEqual(t, "files after a plan (it only reads)", dirState(t, dir), before)
		})
	}

	raw := openRaw(t, current)
	if _, err := raw.Exec(`INSERT INTO schema_version (version, name, applied_at) VALUES (?, 'future.sql', 0)`, latest+1); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	if _, err := PlanMigrations(ctx, current); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Errorf("plan of a newer schema: %v, want a refusal", err)
	}
}

func TestLeadingComment(t *testing.T) {
	sqliteOnly(t)
	for _, tc := range []struct{ sql, want string }{
		{"-- One.\n--   Two  words.\nCREATE TABLE a (x);\n-- later", "One. Two words."},
		{"CREATE TABLE a (x);", ""},
		{"  -- indented\n\n-- after a blank line", "indented"},
	} {
		if got := leadingComment(tc.sql); got != tc.want {
			t.Errorf("leadingComment(%q) = %q, want %q", tc.sql, got, tc.want)
		}
	}
}

func TestBackup(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	db, _, path := newDB(t)
	if err := db.CreateRoom(ctx, Room{Number: "1234", Name: "Kept"}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	dst := filepath.Join(dir, "backup.db")

	// Online: the server's DB stays open, and writes go on beside it.
	stop := make(chan struct{})
	wrote := make(chan int)
	go func() {
		n := 0
		for {
			select {
			case <-stop:
				wrote <- n
				return
			default:
			}
			if err := db.CreateRoom(ctx, Room{Number: "9" + itoa(n), Name: "busy"}); err != nil {
				t.Error(err)
			}
			n++
		}
	}()
	v, err := Backup(ctx, path, dst)
	close(stop)
	n := <-wrote
	if err != nil {
		t.Fatal(err)
	}
	if want := latestVersion(t); v != want {
		t.Errorf("backup version = %d, want %d", v, want)
	}
	if fi, err := os.Stat(dst); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("backup file: %v, %v; want mode 0600", fi, err)
	}
	onlyFiles(t, dir, "backup.db")

	// Restore: the backup opens as a database with the data in it.
	restored, err := Open(dst)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { restored.Close() })
	if r, err := restored.Room(ctx, "1234"); err != nil || r.Name != "Kept" {
		t.Errorf("room in the backup: %+v, %v", r, err)
	}
	rooms, err := restored.Rooms(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(rooms) < 1 || len(rooms) > n+1 {
		t.Errorf("backup has %d rooms; want between 1 and %d (a snapshot)", len(rooms), n+1)
	}
	var check string
	if err := restored.r.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Errorf("integrity_check of the backup: %q, %v", check, err)
	}
}

func TestBackupRefuses(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	_, _, path := newDB(t)
	dir := t.TempDir()
	existing := filepath.Join(dir, "existing.db")
	if err := os.WriteFile(existing, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	foreign := filepath.Join(dir, "foreign.db")
	raw := openRaw(t, foreign)
	if _, err := raw.Exec(`CREATE TABLE t (x)`); err != nil {
		t.Fatal(err)
	}
	raw.Close()

	for _, tc := range []struct {
		name     string
		src, dst string
		want     error
	}{
		{"destination exists", path, existing, fs.ErrExist},
		{"source missing", filepath.Join(dir, "nope.db"), filepath.Join(dir, "out1.db"), fs.ErrNotExist},
		{"source not Parley's", foreign, filepath.Join(dir, "out2.db"), ErrInvalid},
		{"destination with a query", path, filepath.Join(dir, "out?mode=memory"), ErrInvalid},
		{"destination directory missing", path, filepath.Join(dir, "no", "out.db"), fs.ErrNotExist},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Backup(ctx, tc.src, tc.dst); !errors.Is(err, tc.want) {
				t.Fatalf("Backup: %v, want %v", err, tc.want)
			}
			onlyFiles(t, dir, "existing.db", "foreign.db")
			if b, _ := os.ReadFile(existing); string(b) != "keep me" {
				t.Errorf("existing file now %q", b)
			}
		})
	}
}

// sameDatabaseFile reports whether the SQLite files a and b are byte for
// byte the same but for three counters of the header that SQLite's backup
// sets in the copy (file change counter, schema cookie, version-valid-for;
// https://www.sqlite.org/fileformat.html#the_database_header).
func sameDatabaseFile(a, b []byte) bool {
	if len(a) != len(b) || len(a) < 100 {
		return false
	}
	mask := func(f []byte) []byte {
		f = bytes.Clone(f)
		for _, r := range [][2]int{{24, 28}, {40, 44}, {92, 96}} {
			clear(f[r[0]:r[1]])
		}
		return f
	}
	return bytes.Equal(mask(a), mask(b))
}

// onlyFiles fails unless dir holds exactly the files named.
func onlyFiles(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	mustEqual(t, "files in "+dir, got, names)
}

// dirState lists the files under dir with their sizes and times.
func dirState(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		out = append(out, p+" "+itoa(int(fi.Size()))+" "+fi.ModTime().String())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func versionsFrom(a, b int) []int {
	var out []int
	for v := a; v <= b; v++ {
		out = append(out, v)
	}
	return out
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestOpenWithoutCopyDoesNotMigrate: when the copy cannot be made (here a
// directory holds its name), Open fails and leaves the file as it was.
func TestOpenWithoutCopyDoesNotMigrate(t *testing.T) {
	sqliteOnly(t)
	latest := latestVersion(t)
	path := filepath.Join(t.TempDir(), "parley.db")
	old := olderDatabase(t, path, latest-1, "wal")
	if err := os.Mkdir(path+".pre-"+itoa(latest-1), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path); err == nil || !strings.Contains(err.Error(), "copy aside") {
		t.Fatalf("Open: %v, want a failed copy", err)
	}
	if now, _ := os.ReadFile(path); !bytes.Equal(now, old) {
		t.Error("the file changed although it was not copied")
	}
	onlyFiles(t, filepath.Dir(path), "parley.db", "parley.db.pre-"+itoa(latest-1))
}

// TestCopyAsideIncludesTheWAL: a file left by a crash, with rows still only
// in its write-ahead log, is copied aside with those rows (a copy of the
// main file alone would lose them).
func TestCopyAsideIncludesTheWAL(t *testing.T) {
	sqliteOnly(t)
	latest := latestVersion(t)
	dir := t.TempDir()
	live := filepath.Join(dir, "live", "parley.db")
	if err := os.Mkdir(filepath.Dir(live), 0o700); err != nil {
		t.Fatal(err)
	}
	olderDatabase(t, live, latest-1, "wal")
	raw := openRaw(t, live)
	for _, q := range []string{`PRAGMA wal_autocheckpoint=0`,
		`INSERT INTO rooms (number, name, created_at, updated_at) VALUES ('7777', 'Only in the WAL', 1, 1)`} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	// The "crash": the files as they are while the connection is open.
	path := filepath.Join(dir, "parley.db")
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(live + suffix)
		if err != nil {
			t.Fatal(err)
		}
		if suffix == "-wal" && len(b) == 0 {
			t.Fatal("the WAL is empty: nothing to test")
		}
		if err := os.WriteFile(path+suffix, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	raw.Close()

	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	aside, err := Open(path + ".pre-" + itoa(latest-1)) // migrates the copy, in turn
	if err != nil {
		t.Fatal(err)
	}
	defer aside.Close()
	if r, err := aside.Room(context.Background(), "7777"); err != nil || r.Name != "Only in the WAL" {
		t.Errorf("the row that was only in the WAL, in the copy: %+v, %v", r, err)
	}
}
