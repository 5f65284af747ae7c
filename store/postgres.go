package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// PostgreSQL error codes (SQLSTATE) the store acts on.
const (
	pgUniqueViolation     = "23505"
	pgForeignKeyViolation = "23503"
	pgSerializationFail   = "40001"
	pgDeadlockDetected    = "40P01"
	// The classes of a connection lost (08) and of a server shutting
	// down, crashed or still starting (57: admin_shutdown,
	// crash_shutdown, cannot_connect_now).
	pgClassConnection = "08"
	pgClassShutdown   = "57"
)

// pgWriteAttempts bounds how often write runs a transaction that
// concurrent writers keep making fail.
const pgWriteAttempts = 20

// The bounds a DSN gets unless it sets its own (connect_timeout,
// options=-c statement_timeout=…): a server that hangs, rather than one
// that is down, fails a connection or a statement after them instead of
// holding the process's one writing connection for ever.
const (
	pgConnectTimeout   = 5 * time.Second
	pgStatementTimeout = "15s"
)

// withTimeouts gives cfg the default connect and statement timeouts
// where the DSN set none.
func withTimeouts(cfg *pgx.ConnConfig) {
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = pgConnectTimeout
	}
	if _, ok := cfg.RuntimeParams["statement_timeout"]; !ok {
		cfg.RuntimeParams["statement_timeout"] = pgStatementTimeout
	}
}

// OpenPostgres opens the Parley database on the PostgreSQL server that
// dsn names (a URL such as postgres://user:pw@host:5432/parley or a
// key=value string; see pgx), and brings its schema up to date with the
// same embedded migrations as Open, in one transaction under an advisory
// lock, so that nodes starting together migrate once. The database must
// exist and the user must be allowed to create tables in it. Writes go
// through one connection of this process, in SERIALIZABLE transactions
// retried when a concurrent writer (another node) made them fail; reads
// use a small pool. A connection attempt gives up after 5 s and a
// statement after 15 s unless the DSN says otherwise (connect_timeout,
// statement_timeout). WithBusyTimeout has no effect here. Errors never
// show the password. The caller must Close the DB.
func OpenPostgres(ctx context.Context, dsn string, opts ...Option) (*DB, error) {
	o := options{now: time.Now, busyTimeout: defaultBusyTimeout}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, fmt.Errorf("store: open postgres: %w", err)
		}
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgx's message repeats the DSN with its password blanked out.
		return nil, fmt.Errorf("store: open postgres: %w: %w", ErrInvalid, err)
	}
	withTimeouts(cfg)
	w := stdlib.OpenDB(*cfg)
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	where := fmt.Sprintf("%s:%d/%s", cfg.Host, cfg.Port, cfg.Database)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open postgres %s: %w", where, err)
	}
	if err := migrate(ctx, w, postgresDialect, migrations, o.now()); err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open postgres %s: %w", where, err)
	}
	r := stdlib.OpenDB(*cfg)
	r.SetMaxOpenConns(readConns)
	r.SetMaxIdleConns(readConns)
	return &DB{w: w, r: r, d: postgresDialect, now: o.now}, nil
}

// retryWrite runs attempt, and on PostgreSQL runs it again while it fails
// because a concurrent transaction won (serialization failure, deadlock),
// after a short random pause that grows, at most pgWriteAttempts times in
// all. SQLite's single IMMEDIATE writer never needs it.
func retryWrite(ctx context.Context, d dialect, attempt func() error) error {
	err := attempt()
	for n := 1; err != nil && d == postgresDialect && n < pgWriteAttempts && retryable(err); n++ {
		pause := time.Duration(rand.Int64N(int64(n)*int64(2*time.Millisecond))) + time.Millisecond
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(pause):
		}
		err = attempt()
	}
	return err
}

// retryable reports whether err is PostgreSQL saying that a concurrent
// transaction won and this one may simply be run again.
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == pgSerializationFail || pe.Code == pgDeadlockDetected)
}

// begin begins a transaction on pool. On PostgreSQL, a BEGIN that fails
// because the connection is gone (the server restarted since the pool
// last used it) is tried again, on another connection, as many times as
// the pool may hold them: nothing of the transaction ran yet, and
// database/sql only drops a dead connection once it has failed.
func (db *DB) begin(ctx context.Context, pool *sql.DB, opts *sql.TxOptions) (*sql.Tx, error) {
	t, err := pool.BeginTx(ctx, opts)
	for n := 0; err != nil && db.d == postgresDialect && n < readConns && unreachable(err) && ctx.Err() == nil; n++ {
		t, err = pool.BeginTx(ctx, opts)
	}
	return t, err
}

// unreachable reports whether err is the PostgreSQL server out of reach:
// no connection could be made, the connection broke, or the server said
// it is shutting down or not ready yet.
func unreachable(err error) bool {
	var ce *pgconn.ConnectError
	var ne net.Error
	var pe *pgconn.PgError
	switch {
	case errors.As(err, &pe):
		return strings.HasPrefix(pe.Code, pgClassConnection) || strings.HasPrefix(pe.Code, pgClassShutdown)
	case errors.As(err, &ce), errors.As(err, &ne), errors.Is(err, driver.ErrBadConn), errors.Is(err, pgconn.ErrConnClosed),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed):
		return true
	}
	return pgconn.SafeToRetry(err) || pgconn.Timeout(err)
}
