package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// CallRecord is a call detail record (CDR): one SIP or WebRTC call into or out
// of the bridge, added when the call begins and finished when it ends. Records
// are history: they outlive the room.
type CallRecord struct {
	// ID is assigned by AddCallRecord.
	ID int64
	// CallID is the SIP Call-ID, or the bridge's ID for other protocols.
	CallID string
	// Direction is "in" or "out".
	Direction string
	// Room is the number of the room the call belongs to; "" if it never
	// reached one (for example a wrong PIN).
	Room string
	// From is the caller's address.
	From string
	// To is the called address.
	To string
	// Result is how the call ended, e.g. "answered", "busy", "no_answer",
	// "failed", "cancelled"; set by FinishCallRecord.
	Result string
	// Code is the final SIP status code, 0 if none.
	Code int
	// Reason is the reason phrase or a short explanation.
	Reason string
	// StartedAt is when the call began; the zero time means now.
	StartedAt time.Time
	// AnsweredAt is when it was answered; nil if it was not.
	AnsweredAt *time.Time
	// EndedAt is when it ended; nil while it is up.
	EndedAt *time.Time
}

// AddCallRecord stores a new call record and returns its ID. c.ID is ignored;
// a zero StartedAt means now. The other fields are stored as given, so a
// record may be added already finished.
func (db *DB) AddCallRecord(ctx context.Context, c CallRecord) (int64, error) {
	if c.StartedAt.IsZero() {
		c.StartedAt = db.now()
	}
	var id int64
	err := db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO call_records (call_id, direction, room, from_addr, to_addr,
			result, code, reason, started_at, answered_at, ended_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			c.CallID, c.Direction, c.Room, c.From, c.To, c.Result, c.Code, c.Reason,
			ms(c.StartedAt), nullMS(c.AnsweredAt), nullMS(c.EndedAt))
		if err != nil {
			return err
		}
		id, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: add call record %q: %w", c.CallID, err)
	}
	return id, nil
}

// MarkCallAnswered records that the call id was answered at at. It returns
// ErrNotFound if there is no such record and ErrEnded if the call has
// already finished or was already marked answered.
func (db *DB) MarkCallAnswered(ctx context.Context, id int64, at time.Time) error {
	err := db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE call_records SET answered_at = ?
			WHERE id = ? AND answered_at IS NULL AND ended_at IS NULL`, ms(at), id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
		return existsOr(ctx, tx, `SELECT 1 FROM call_records WHERE id = ?`, id, ErrEnded)
	})
	if err != nil {
		return fmt.Errorf("store: mark call record %d answered: %w", id, err)
	}
	return nil
}

// FinishCallRecord closes the call record id: how it ended (result, the
// final SIP code and reason) and when. It returns ErrNotFound if there is no
// such record and ErrEnded if it was already finished; the first finish wins.
func (db *DB) FinishCallRecord(ctx context.Context, id int64, result string, code int, reason string, at time.Time) error {
	err := db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE call_records SET result = ?, code = ?, reason = ?, ended_at = ?
			WHERE id = ? AND ended_at IS NULL`, result, code, reason, ms(at), id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
		return existsOr(ctx, tx, `SELECT 1 FROM call_records WHERE id = ?`, id, ErrEnded)
	})
	if err != nil {
		return fmt.Errorf("store: finish call record %d: %w", id, err)
	}
	return nil
}

// CallRecords returns the call records of a room, or of every call if room
// is "", newest first (by start time, then ID). limit caps how many are
// returned; limit <= 0 means all.
func (db *DB) CallRecords(ctx context.Context, room string, limit int) ([]CallRecord, error) {
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	var out []CallRecord
	err := db.read(ctx, func(tx *sql.Tx) error {
		where, args := whereRoom("room", room)
		rows, err := tx.QueryContext(ctx, `SELECT id, call_id, direction, room, from_addr, to_addr, result, code,
			reason, started_at, answered_at, ended_at FROM call_records`+where+
			` ORDER BY started_at DESC, id DESC LIMIT ?`, append(args, limit)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c CallRecord
			var started int64
			var answered, ended sql.NullInt64
			if err := rows.Scan(&c.ID, &c.CallID, &c.Direction, &c.Room, &c.From, &c.To, &c.Result, &c.Code,
				&c.Reason, &started, &answered, &ended); err != nil {
				return err
			}
			c.StartedAt, c.AnsweredAt, c.EndedAt = fromMS(started), fromNullMS(answered), fromNullMS(ended)
			out = append(out, c)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("store: call records of room %q: %w", room, err)
	}
	return out, nil
}
