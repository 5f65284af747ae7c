package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
)

// Plan is what Open would do to the schema of a database file, as
// PlanMigrations reads it without changing anything.
type Plan struct {
	// Path is the database file.
	Path string
	// Exists reports whether the file exists; Open creates it if not.
	Exists bool
	// Current is the file's schema version: 0 for a new file.
	Current int
	// Latest is the newest schema version this binary knows.
	Latest int
	// Pending are the migrations Open would apply, oldest first.
	Pending []Migration
	// CopyAside is where Open would copy the file before migrating it
	// (PATH.pre-CURRENT), or "" when it would make no copy: nothing is
	// pending or the file holds no schema yet.
	CopyAside string
}

// Migration is one schema change that a Plan lists.
type Migration struct {
	// Version is the schema version the change brings the file to.
	Version int
	// Name is its file name, such as 0005_drop_call_records.sql.
	Name string
	// Summary is its leading SQL comment on one line: what it changes.
	Summary string
}

// PlanMigrations says which embedded migrations Open would apply to the
// database file at path, and where it would copy the file first. It only
// reads: a file that does not exist is not created. It fails, as Open
// would, when the file's schema is newer than this binary knows.
func PlanMigrations(ctx context.Context, path string) (Plan, error) {
	return planMigrations(ctx, path, migrations)
}

func planMigrations(ctx context.Context, path string, fsys fs.FS) (Plan, error) {
	p := Plan{Path: path}
	ms, err := loadMigrations(fsys)
	if err != nil {
		return p, fmt.Errorf("store: plan: %w", err)
	}
	if len(ms) > 0 {
		p.Latest = ms[len(ms)-1].version
	}
	db, err := openReadOnly(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		p.Pending = summaries(ms)
		return p, nil
	case err != nil:
		return p, fmt.Errorf("store: plan: %w", err)
	}
	defer db.Close()
	p.Exists = true
	if p.Current, err = schemaVersion(ctx, db, sqliteDialect); err != nil {
		return p, fmt.Errorf("store: plan %q: %w", path, err)
	}
	todo, err := pendingAfter(p.Current, ms)
	if err != nil {
		return p, fmt.Errorf("store: plan %q: %w", path, err)
	}
	p.Pending = summaries(todo)
	if p.Current > 0 && len(todo) > 0 {
		p.CopyAside = copyAsidePath(path, p.Current)
	}
	return p, nil
}

// summaries describes ms for a Plan.
func summaries(ms []migration) []Migration {
	out := make([]Migration, len(ms))
	for i, m := range ms {
		out[i] = Migration{Version: m.version, Name: m.name, Summary: leadingComment(m.sql)}
	}
	return out
}

// leadingComment joins the "--" comment lines that open sql into one line.
func leadingComment(sql string) string {
	var words []string
	for line := range strings.Lines(sql) {
		text, ok := strings.CutPrefix(strings.TrimSpace(line), "--")
		if !ok {
			break
		}
		words = append(words, strings.Fields(text)...)
	}
	return strings.Join(words, " ")
}
