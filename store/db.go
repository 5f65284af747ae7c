package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// MemoryPath is the path that opens a private in-memory database, which
// disappears on Close. It is meant for tests; the whole database then lives on
// one connection, so reads wait for writes.
const MemoryPath = ":memory:"

// defaultBusyTimeout is how long a connection waits for another process's
// lock on the file before failing with SQLITE_BUSY.
const defaultBusyTimeout = 5 * time.Second

// readConns is the size of the read-only pool. WAL readers do not block the
// writer or each other.
const readConns = 4

// DB is a handle on the Parley database. It holds one writer connection, so
// that writes from this process are serialised without SQLITE_BUSY, and a
// small pool of read-only connections. Its methods are safe for concurrent use
// by many goroutines; other processes may open the same file at the same time.
type DB struct {
	w     *sql.DB // the single writer connection; also serves reads for MemoryPath
	r     *sql.DB // read-only pool; equal to w for MemoryPath
	d     dialect
	now   func() time.Time
	close sync.Once
	err   error         // result of the first Close; written once under close
	errs  atomic.Uint64 // failed reads and writes (Errors)
}

// Option configures Open.
type Option func(*options) error

type options struct {
	now         func() time.Time
	busyTimeout time.Duration
}

// WithClock makes the store read the time from now, for CreatedAt, UpdatedAt
// and the defaults of zero times. The default is time.Now.
func WithClock(now func() time.Time) Option {
	return func(o *options) error {
		if now == nil {
			return fmt.Errorf("%w: nil clock", ErrInvalid)
		}
		o.now = now
		return nil
	}
}

// WithBusyTimeout sets how long a statement waits for a lock held by another
// process before it fails. The default is 5 s; d must be positive.
func WithBusyTimeout(d time.Duration) Option {
	return func(o *options) error {
		if d <= 0 {
			return fmt.Errorf("%w: busy timeout %v must be positive", ErrInvalid, d)
		}
		o.busyTimeout = d
		return nil
	}
}

// Open opens the SQLite database at path, creating the file and its directory
// if they do not exist, and brings its schema up to date by applying the
// embedded migrations that it has not seen yet, all in one transaction.
// Before it migrates a file that holds a schema already, it copies the file
// to path.pre-VERSION (VERSION: the schema version the file had; see
// PlanMigrations), replacing an older copy of that name. It
// fails if the file was written by a newer Parley whose schema this binary does
// not know. path may be MemoryPath for a throwaway database. The caller must
// Close the DB.
func Open(path string, opts ...Option) (*DB, error) {
	o := options{now: time.Now, busyTimeout: defaultBusyTimeout}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, fmt.Errorf("store: open: %w", err)
		}
	}
	if err := plainPath(path); err != nil {
		return nil, fmt.Errorf("store: open %q: %w", path, err)
	}
	ms := strconv.FormatInt(o.busyTimeout.Milliseconds(), 10)
	common := "_pragma=busy_timeout(" + ms + ")&_pragma=foreign_keys(1)"

	ctx := context.Background()
	if path != MemoryPath {
		// Before anything, the writer's switch to WAL included, touches it.
		if _, err := copyAside(ctx, path, migrations); err != nil {
			return nil, fmt.Errorf("store: open %q: %w", path, err)
		}
	}
	db := &DB{now: o.now}
	if path == MemoryPath {
		w, err := sql.Open("sqlite", path+"?"+common)
		if err != nil {
			return nil, fmt.Errorf("store: open %q: %w", path, err)
		}
		// Every connection to ":memory:" is a new database: keep exactly one
		// and never let the pool retire it.
		w.SetMaxOpenConns(1)
		w.SetMaxIdleConns(1)
		w.SetConnMaxLifetime(0)
		w.SetConnMaxIdleTime(0)
		db.w, db.r = w, w
	} else {
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			return nil, fmt.Errorf("store: open %q: %w", path, err)
		}
		// The writer begins every transaction IMMEDIATE, so it takes the
		// write lock up front and waits (busy_timeout) for another process
		// at BEGIN rather than failing at its first write.
		w, err := sql.Open("sqlite", path+"?"+common+
			"&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate")
		if err != nil {
			return nil, fmt.Errorf("store: open %q: %w", path, err)
		}
		w.SetMaxOpenConns(1)
		w.SetMaxIdleConns(1)
		db.w = w
	}

	if err := migrate(ctx, db.w, sqliteDialect, migrations, o.now()); err != nil {
		db.w.Close()
		return nil, fmt.Errorf("store: open %q: %w", path, err)
	}

	if db.r == nil {
		// Opened after the writer has switched the file to WAL, which is
		// persistent, so readers never see a rollback journal.
		r, err := sql.Open("sqlite", path+"?"+common+"&_pragma=query_only(1)")
		if err != nil {
			db.w.Close()
			return nil, fmt.Errorf("store: open %q: %w", path, err)
		}
		r.SetMaxOpenConns(readConns)
		r.SetMaxIdleConns(readConns)
		db.r = r
	}
	return db, nil
}

// Close closes the database, waiting for statements in progress to finish;
// methods called after Close fail. Close is idempotent: later calls return the
// result of the first.
func (db *DB) Close() error {
	db.close.Do(func() {
		var errs []error
		if db.r != db.w {
			errs = append(errs, db.r.Close())
		}
		errs = append(errs, db.w.Close())
		if err := errors.Join(errs...); err != nil {
			db.err = fmt.Errorf("store: close: %w", err)
		}
	})
	return db.err
}

// write runs fn in one transaction on the writer connection and commits it
// if fn returns nil; otherwise it rolls back and returns fn's error. On
// SQLite the transaction is IMMEDIATE; on PostgreSQL it is SERIALIZABLE,
// and one that a concurrent writer (another node) made fail is run again,
// fn included (see retryWrite): fn must only set its results.
func (db *DB) write(ctx context.Context, fn func(tx *txn) error) error {
	return db.counted(retryWrite(ctx, db.d, func() error { return db.writeOnce(ctx, fn) }))
}

// writeOnce is one attempt of write.
func (db *DB) writeOnce(ctx context.Context, fn func(tx *txn) error) error {
	var opts *sql.TxOptions
	if db.d == postgresDialect {
		opts = &sql.TxOptions{Isolation: sql.LevelSerializable}
	}
	t, err := db.begin(ctx, db.w, opts)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(&txn{Tx: t, d: db.d}); err != nil {
		_ = t.Rollback() // the error from fn is the one that matters
		return err
	}
	if err := t.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// read runs fn in one read transaction on the read pool, so that it sees a
// single consistent snapshot even across several queries (on PostgreSQL, a
// REPEATABLE READ one, which is a snapshot there).
func (db *DB) read(ctx context.Context, fn func(tx *txn) error) error {
	opts := &sql.TxOptions{ReadOnly: true}
	if db.d == postgresDialect {
		opts.Isolation = sql.LevelRepeatableRead
	}
	t, err := db.begin(ctx, db.r, opts)
	if err != nil {
		return db.counted(fmt.Errorf("begin: %w", err))
	}
	defer t.Rollback() //nolint:errcheck // read-only: nothing to commit
	return db.counted(fn(&txn{Tx: t, d: db.d}))
}

// ms converts t to the stored form: Unix milliseconds.
func ms(t time.Time) int64 { return t.UnixMilli() }

// fromMS converts a stored Unix-millisecond value back to a UTC time.
func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

// nullMS converts an optional time to the stored form; nil is NULL.
func nullMS(t *time.Time) sql.NullInt64 {
	if t == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMilli(), Valid: true}
}

// fromNullMS converts a stored optional time back; NULL is nil.
func fromNullMS(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMS(v.Int64)
	return &t
}

// utc returns t truncated to the stored precision, in UTC, as a read returns it.
func utc(t time.Time) time.Time { return fromMS(ms(t)) }

// utcPtr is utc for optional times.
func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := utc(*t)
	return &u
}

// notFoundIfNone turns a statement that affected no row into ErrNotFound.
func notFoundIfNone(res sql.Result) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

// whereRoom returns a WHERE clause that selects the rows whose column col is
// room, or an empty clause if room is "" (all rooms), and its arguments. col
// is a constant of the caller's, never user input.
func whereRoom(col, room string) (string, []any) {
	if room == "" {
		return "", nil
	}
	return " WHERE " + col + " = ?", []any{room}
}

// plainPath refuses a database path that SQLite or the driver would not read
// as a plain file name: the driver reads what follows '?' as its own
// parameters, and SQLite reads a name that begins with "file:" as a URI.
func plainPath(path string) error {
	if path == "" || strings.ContainsAny(path, "?#") || strings.HasPrefix(path, "file:") {
		return fmt.Errorf("%w: path must be a plain file name, without '?', '#' or a file: prefix", ErrInvalid)
	}
	return nil
}
