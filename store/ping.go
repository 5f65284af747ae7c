package store

import (
	"context"
	"fmt"
)

// Ping checks that the database answers: one cheap read of its schema
// through the read pool, which touches the file (a closed DB, a file that
// became unreadable, a lock held past ctx all fail). It is what /readyz
// asks of the store.
func (db *DB) Ping(ctx context.Context) error {
	var n int
	if err := db.r.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema").Scan(&n); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}
