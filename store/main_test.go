package store

import (
	"context"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parleyhq/parley/internal/testpg"
)

// testPG is the PostgreSQL server of the second pass of the tests; nil
// during the first pass, against SQLite. It is set once, between the
// passes, before any test of the second runs.
var testPG *testpg.Server

// pgTemplate is the database, migrated once, that openTestDB copies for
// each test of the PostgreSQL pass.
var pgTemplate string

// TestMain runs every test twice: against SQLite, then, if the first pass
// passed, the same tests against a PostgreSQL server started here (newDB
// gives each test a database of its own on it). Tests of SQLite's own
// machinery (files, pragmas, copies aside, backups) call sqliteOnly and
// are skipped in the second pass. Without the PostgreSQL programs the
// second pass is skipped with a message, unless PARLEY_REQUIRE_POSTGRES
// is set.
func TestMain(m *testing.M) {
	if code := m.Run(); code != 0 || fuzzing() {
		os.Exit(code)
	}
	srv, err := testpg.Start()
	switch {
	case err != nil:
		fmt.Fprintln(os.Stderr, "store tests against PostgreSQL:", err)
		os.Exit(1)
	case srv == nil:
		fmt.Printf("SKIP store tests against PostgreSQL: %s; set %s to require them\n", testpg.Missing(), testpg.RequireEnv)
		os.Exit(0)
	}
	if pgTemplate, err = migratedTemplate(srv); err != nil {
		fmt.Fprintln(os.Stderr, "store tests against PostgreSQL:", err)
		srv.Stop()
		os.Exit(1)
	}
	testPG = srv
	fmt.Println("=== the same store tests against PostgreSQL")
	code := m.Run()
	if err := srv.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(code)
}

// fuzzing reports whether this process fuzzes (or is a fuzzing worker),
// which the PostgreSQL pass has nothing to add to.
func fuzzing() bool {
	for _, name := range []string{"test.fuzz", "test.fuzzworker"} {
		if f := flag.Lookup(name); f != nil && f.Value.String() != "" && f.Value.String() != "false" {
			return true
		}
	}
	return false
}

// migratedTemplate makes a database on srv that OpenPostgres has migrated,
// and returns its name.
func migratedTemplate(srv *testpg.Server) (string, error) {
	ctx := context.Background()
	dsn, err := srv.NewDatabase(ctx)
	if err != nil {
		return "", err
	}
	db, err := OpenPostgres(ctx, dsn)
	if err != nil {
		return "", err
	}
	if err := db.Close(); err != nil {
		return "", err
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "", err
	}
	return strings.TrimPrefix(u.Path, "/"), nil
}

// sqliteOnly skips t in the PostgreSQL pass: it tests SQLite's own
// machinery.
func sqliteOnly(t testing.TB) {
	t.Helper()
	if testPG != nil {
		t.Skip("SQLite only: tested in the SQLite pass")
	}
}

// openTestDB opens a new database for t: a file in a temporary directory
// in the SQLite pass, a database of its own in the PostgreSQL pass. It
// returns the DB and where it lives (a path or a DSN), for reopen.
func openTestDB(t testing.TB, opts ...Option) (*DB, string) {
	t.Helper()
	where := filepath.Join(t.TempDir(), "sub", "parley.db")
	if testPG != nil {
		var err error
		if where, err = testPG.NewDatabase(context.Background(), pgTemplate); err != nil {
			t.Fatal(err)
		}
	}
	return reopen(t, where, opts...), where
}

// reopen opens the database at where (a path or, in the PostgreSQL pass,
// a DSN) again, as a restarted process or another node would; it is
// closed when t ends.
func reopen(t testing.TB, where string, opts ...Option) *DB {
	t.Helper()
	var db *DB
	var err error
	if testPG != nil {
		db, err = OpenPostgres(context.Background(), where, opts...)
	} else {
		db, err = Open(where, opts...)
	}
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return db
}
