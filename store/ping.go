package store

import (
	"context"
	"fmt"
)

// Ping checks that the database answers: one cheap read of a table
// through the read pool, which touches the file or the server (a closed
// DB, a file that became unreadable, a lock held past ctx, a PostgreSQL
// server gone all fail). It is what /readyz asks of the store.
func (db *DB) Ping(ctx context.Context) error {
	var n int
	if err := db.r.QueryRowContext(ctx, "SELECT COUNT(*) FROM schema_version").Scan(&n); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}
