package store

import (
	"context"
	"fmt"
)

// SetRoomLocked stores whether room number is locked. The lock is runtime
// state that a moderator sets, not a setting: it may be set on a
// config-owned room, it does not change UpdatedAt, and SyncConfigRooms
// keeps it. It returns ErrNotFound for an unknown room.
func (db *DB) SetRoomLocked(ctx context.Context, number string, locked bool) error {
	err := db.write(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `UPDATE rooms SET locked = ? WHERE number = ?`, locked, number)
		if err != nil {
			return err
		}
		return notFoundIfNone(res)
	})
	if err != nil {
		return fmt.Errorf("store: lock room %q: %w", number, err)
	}
	return nil
}

// LockedRooms returns the numbers of the rooms stored locked, in order.
func (db *DB) LockedRooms(ctx context.Context) ([]string, error) {
	var out []string
	err := db.read(ctx, func(tx *txn) error {
		rows, err := tx.QueryContext(ctx, `SELECT number FROM rooms WHERE locked = 1 ORDER BY number`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				return err
			}
			out = append(out, n)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("store: locked rooms: %w", err)
	}
	return out, nil
}
