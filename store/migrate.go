package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// migrations holds the schema, one numbered file per change. A file is never
// edited once released: a change to the schema is a new file with the next
// number. Foreign keys stay on while migrations run, so a migration that
// rebuilds a table must copy its rows before dropping the old one.
//
//go:embed migrations/*.sql
var migrations embed.FS

// migration is one schema change: its version (the file's numeric prefix),
// its file name, and its SQL.
type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations reads migrations/NNNN_name.sql from fsys, sorted by version.
// Versions must be positive and unique.
func loadMigrations(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, name := range names {
		base := path.Base(name)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must be NNNN_description.sql", base)
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: base, sql: string(b)})
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			return nil, fmt.Errorf("migrations %s and %s share version %d", ms[i-1].name, ms[i].name, ms[i].version)
		}
	}
	return ms, nil
}

// migrate applies, in one transaction on db, every migration in fsys newer
// than the highest version recorded in schema_version, and records each. If
// any fails, none is applied. It refuses a database whose recorded version is
// newer than the newest migration it knows.
func migrate(ctx context.Context, db *sql.DB, d dialect, fsys fs.FS, now time.Time) error {
	ms, err := loadMigrations(fsys)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	t, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate: begin: %w", err)
	}
	defer t.Rollback() //nolint:errcheck // after Commit this is a no-op
	tx := &txn{Tx: t, d: d}

	if d == postgresDialect {
		// Nodes that start together migrate one after the other: the
		// second waits here, then finds nothing left to do.
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?)`, migrateLockKey); err != nil {
			return fmt.Errorf("migrate: lock: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, d.ddl(`CREATE TABLE IF NOT EXISTS schema_version (
		version    INTEGER PRIMARY KEY,
		name       TEXT    NOT NULL,
		applied_at INTEGER NOT NULL
	) STRICT`)); err != nil {
		return fmt.Errorf("migrate: schema_version: %w", err)
	}
	current, err := schemaVersion(ctx, tx, d)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	todo, err := pendingAfter(current, ms)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, m := range todo {
		if _, err := tx.ExecContext(ctx, d.ddl(m.sql)); err != nil {
			return fmt.Errorf("migrate: %s: %w", m.name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)`,
			m.version, m.name, now.UnixMilli()); err != nil {
			return fmt.Errorf("migrate: record %s: %w", m.name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate: commit: %w", err)
	}
	return nil
}

// migrateLockKey is the PostgreSQL advisory lock that migrations hold: an
// arbitrary number of Parley's own ("PARLEY" in ASCII).
const migrateLockKey = 0x504152_4c4559

// queryer is what schemaVersion reads through: a *sql.DB, *sql.Conn or
// *txn.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// schemaVersion returns the highest version recorded in q's schema_version
// table, or 0 when the table does not exist (a new or foreign database). It
// only reads. q speaks d.
func schemaVersion(ctx context.Context, q queryer, d dialect) (int, error) {
	var tables int
	if err := q.QueryRowContext(ctx, d.tableExistsSQL(), "schema_version").Scan(&tables); err != nil {
		return 0, fmt.Errorf("read version: %w", err)
	}
	if tables == 0 {
		return 0, nil
	}
	var current int
	if err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_version`).Scan(&current); err != nil {
		return 0, fmt.Errorf("read version: %w", err)
	}
	return current, nil
}

// pendingAfter returns the migrations of ms (sorted) newer than current, or
// an error if current is newer than every migration ms knows.
func pendingAfter(current int, ms []migration) ([]migration, error) {
	if n := len(ms); n > 0 && current > ms[n-1].version || n == 0 && current > 0 {
		return nil, fmt.Errorf("database schema version %d is newer than this binary knows; upgrade Parley", current)
	}
	i := 0
	for i < len(ms) && ms[i].version <= current {
		i++
	}
	return ms[i:], nil
}

// copyAsidePath is where the copy of the database file at path is kept
// before migrations lift it from schema version current.
func copyAsidePath(path string, current int) string {
	return path + ".pre-" + strconv.Itoa(current)
}

// copyAside copies the database file at path to path.pre-VERSION with
// SQLite's backup API when a migration of fsys is pending and the file
// already holds a schema (VERSION > 0), replacing an older copy of that
// name. It reads the file on a connection of its own and changes nothing in
// it. It returns the copy's path, or "" when the file does not exist, is
// new or has nothing to migrate; it fails when the file's schema is newer
// than fsys knows.
func copyAside(ctx context.Context, path string, fsys fs.FS) (string, error) {
	ms, err := loadMigrations(fsys)
	if err != nil {
		return "", fmt.Errorf("migrate: %w", err)
	}
	db, err := openReadOnly(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("migrate: %w", err)
	}
	defer db.Close()
	current, err := schemaVersion(ctx, db, sqliteDialect)
	if err != nil {
		return "", fmt.Errorf("migrate: %w", err)
	}
	todo, err := pendingAfter(current, ms)
	if err != nil {
		return "", fmt.Errorf("migrate: %w", err)
	}
	if current == 0 || len(todo) == 0 {
		return "", nil
	}
	dst := copyAsidePath(path, current)
	if err := backupTo(ctx, db, dst, true); err != nil {
		return "", fmt.Errorf("migrate: copy aside before migrating from version %d: %w", current, err)
	}
	return dst, nil
}
