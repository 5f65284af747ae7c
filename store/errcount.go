package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// expected are the errors that are an answer rather than a failure of the
// store: the sentinels a caller maps to a status, no rows, and the
// caller's own context ending.
var expected = []error{ErrNotFound, ErrExists, ErrReadOnly, ErrInvalid, ErrStarted, ErrEnded,
	sql.ErrNoRows, context.Canceled, context.DeadlineExceeded}

// Errors returns how many reads and writes have failed so far for a
// reason other than an expected answer (not found, exists, read-only,
// invalid, started, ended) or the caller's context: a disk that is full
// or gone, a locked or corrupt database, an I/O error. It is safe to call
// from any goroutine.
func (db *DB) Errors() uint64 { return db.errs.Load() }

// counted returns err, counting it in Errors if it is a failure, and
// wrapping it in ErrUnavailable if it is PostgreSQL being out of reach.
func (db *DB) counted(err error) error {
	if err == nil {
		return nil
	}
	for _, e := range expected {
		if errors.Is(err, e) {
			return err
		}
	}
	db.errs.Add(1)
	if db.d == postgresDialect && unreachable(err) {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return err
}
