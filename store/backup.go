package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	sqlite "modernc.org/sqlite"
)

// backuper is the driver connection's side of SQLite's online backup API
// (modernc.org/sqlite's conn).
type backuper interface {
	NewBackup(dstURI string) (*sqlite.Backup, error)
}

// Backup writes a consistent copy of the Parley database at src to the new
// file dst with SQLite's online backup API, and returns the copy's schema
// version. It may run while a server uses src: it reads one snapshot (WAL
// readers do not block the writer) and never migrates or writes src. It
// refuses a src that does not exist or holds no Parley schema, and a dst
// that exists. The copy is written to a temporary file beside dst (mode
// 0600) and moved into place, so dst is either whole or absent.
func Backup(ctx context.Context, src, dst string) (int, error) {
	db, err := openReadOnly(src)
	if err != nil {
		return 0, fmt.Errorf("store: backup: %w", err)
	}
	defer db.Close()
	version, err := schemaVersion(ctx, db, sqliteDialect)
	if err != nil {
		return 0, fmt.Errorf("store: backup %q: %w", src, err)
	}
	if version == 0 {
		return 0, fmt.Errorf("store: backup %q: %w: not a Parley database (no schema_version)", src, ErrInvalid)
	}
	if err := backupTo(ctx, db, dst, false); err != nil {
		return 0, fmt.Errorf("store: backup %q: %w", src, err)
	}
	return version, nil
}

// openReadOnly opens the existing database file at path for reading only;
// it neither creates the file nor migrates it.
func openReadOnly(path string) (*sql.DB, error) {
	if err := plainPath(path); err != nil {
		return nil, fmt.Errorf("%q: %w", path, err)
	}
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	ms := strconv.FormatInt(defaultBusyTimeout.Milliseconds(), 10)
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout("+ms+")&_pragma=query_only(1)")
	if err != nil {
		return nil, fmt.Errorf("%q: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// backupTo copies the main database of db to the file dst with SQLite's
// backup API, in one step (one read snapshot). It writes a temporary file
// beside dst first and then moves it to dst: replacing an existing dst if
// replace, else refusing one.
func backupTo(ctx context.Context, db *sql.DB, dst string, replace bool) (err error) {
	if err := plainPath(dst); err != nil {
		return fmt.Errorf("%q: %w", dst, err)
	}
	if _, err := os.Lstat(dst); !replace && err == nil {
		return fmt.Errorf("%s: %w", dst, fs.ErrExist)
	}
	f, err := os.CreateTemp(filepath.Dir(dst), filepath.Base(dst)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) //nolint:errcheck // gone already once moved into place
	if err := f.Close(); err != nil {
		return err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		b, ok := dc.(backuper)
		if !ok {
			return fmt.Errorf("the sqlite driver offers no backup API (%T)", dc)
		}
		bk, err := b.NewBackup(tmp)
		if err != nil {
			return fmt.Errorf("backup to %s: %w", tmp, err)
		}
		_, stepErr := bk.Step(-1)
		return errors.Join(stepErr, bk.Finish())
	})
	if err != nil {
		return err
	}
	if replace {
		return os.Rename(tmp, dst)
	}
	// A hard link fails if dst appeared meanwhile, where a rename would
	// replace it; a file system without hard links gets the rename.
	if err := os.Link(tmp, dst); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return err
		}
		return os.Rename(tmp, dst)
	}
	return nil
}
