package store

import (
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Sentinel errors. Every error returned by this package that means one of
// these wraps it, so callers test with errors.Is and map the result to a SIP or
// HTTP status in one place at the edge.
var (
	// ErrNotFound means the room, schedule, attendance record, call record,
	// token, link or contact named by the call does not exist (HTTP 404).
	ErrNotFound = errors.New("not found")
	// ErrExists means a room with that number, a token with that hash, a
	// link with that token, or a contact of that name for the same owner
	// already exists (HTTP 409).
	ErrExists = errors.New("already exists")
	// ErrReadOnly means the room is owned by the config file and cannot be
	// changed or deleted through the API; edit parley.yaml instead (HTTP 403
	// or 409).
	ErrReadOnly = errors.New("room is owned by the config file")
	// ErrInvalid means a value failed validation: an empty room number, an
	// end before the start, a token hash that is not SHA-256, an unknown
	// link kind or role, an attempt to change a key field in an update
	// (HTTP 400).
	ErrInvalid = errors.New("invalid")
	// ErrStarted means the scheduled conference has started, so its
	// participant list is frozen, or it was already marked started (HTTP 409).
	ErrStarted = errors.New("conference already started")
	// ErrEnded means the record was already closed: the attendance already
	// has a leave time, the call record is already finished, or the
	// scheduled conference was already marked ended (HTTP 409).
	ErrEnded = errors.New("already ended")
	// ErrUnavailable means the PostgreSQL server could not be reached or
	// the connection to it was lost (it is down, restarting or
	// recovering): the call may succeed later, on the same DB, once the
	// server is back (HTTP 503). A write that fails so may or may not have
	// been committed when the connection broke during its COMMIT.
	ErrUnavailable = errors.New("the database cannot be reached")
)

// classify maps SQLite's and PostgreSQL's constraint violations to the
// sentinel errors; other errors are returned unchanged. A primary-key or
// unique violation becomes ErrExists and a foreign-key violation becomes
// ErrNotFound, since it means the referenced room is gone.
func classify(err error) error {
	var se *sqlite.Error
	var pe *pgconn.PgError
	switch {
	case errors.As(err, &se) && (se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY || se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE),
		errors.As(err, &pe) && pe.Code == pgUniqueViolation:
		return fmt.Errorf("%w: %w", ErrExists, err)
	case errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY,
		errors.As(err, &pe) && pe.Code == pgForeignKeyViolation:
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	return err
}
