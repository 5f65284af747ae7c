package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Attendance is one participant's visit to a room: it is recorded when they
// join and closed when they leave. A person who leaves and rejoins has two
// records. Records are history: they outlive the room.
type Attendance struct {
	// ID is assigned by RecordJoin.
	ID int64
	// Room is the number of the room visited; it must not be empty.
	Room string
	// ParticipantID is the bridge's ID of the participant for this visit.
	ParticipantID string
	// Name is the name shown for them.
	Name string
	// Role is their role; UpdateAttendanceRole keeps it current.
	Role string
	// Via is the protocol that carried them: "sip" or "webrtc" (later "h323").
	Via string
	// Source is how they came: "extension", "number", "sip_address",
	// "guest_link", "group_link", "browser" or "dial_in".
	Source string
	// Address is where they came from: the extension, the phone number, the
	// "#sip:" address or the link ID.
	Address string
	// Email is their email address, when known (from a guest link).
	Email string
	// JoinedAt is when they joined; the zero time means now.
	JoinedAt time.Time
	// LeftAt is when they left; nil while they are in.
	LeftAt *time.Time
	// Quality is the call quality of a SIP leg, recorded when they left
	// (RecordQuality); nil when not measured.
	Quality *CallQuality
}

// RecordJoin stores a new visit and returns its ID. a.ID and a.LeftAt are
// ignored; a zero JoinedAt means now. It returns ErrInvalid if a.Room is empty.
// The room need not exist in the store (rooms may be defined elsewhere).
func (db *DB) RecordJoin(ctx context.Context, a Attendance) (int64, error) {
	if a.Room == "" {
		return 0, fmt.Errorf("store: record join: %w: no room", ErrInvalid)
	}
	if a.JoinedAt.IsZero() {
		a.JoinedAt = db.now()
	}
	var id int64
	err := db.write(ctx, func(tx *txn) error {
		return tx.QueryRowContext(ctx, `INSERT INTO attendance
			(room, participant_id, name, role, via, source, address, email, joined_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			a.Room, a.ParticipantID, a.Name, a.Role, a.Via, a.Source, a.Address, a.Email, ms(a.JoinedAt)).Scan(&id)
	})
	if err != nil {
		return 0, fmt.Errorf("store: record join in room %q: %w", a.Room, err)
	}
	return id, nil
}

// RecordLeave closes the visit id with the leave time at. It returns
// ErrNotFound if there is no such record and ErrEnded if it was already
// closed, which callers on a teardown path that may run twice can ignore.
func (db *DB) RecordLeave(ctx context.Context, id int64, at time.Time) error {
	err := db.write(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `UPDATE attendance SET left_at = ? WHERE id = ? AND left_at IS NULL`, ms(at), id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
		return existsOr(ctx, tx, `SELECT 1 FROM attendance WHERE id = ?`, id, ErrEnded)
	})
	if err != nil {
		return fmt.Errorf("store: record leave of attendance %d: %w", id, err)
	}
	return nil
}

// UpdateAttendanceRole sets the role of the visit id, for when a moderator
// changes it during the call. It returns ErrNotFound if there is no such
// record.
func (db *DB) UpdateAttendanceRole(ctx context.Context, id int64, role string) error {
	err := db.write(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `UPDATE attendance SET role = ? WHERE id = ?`, role, id)
		if err != nil {
			return err
		}
		return notFoundIfNone(res)
	})
	if err != nil {
		return fmt.Errorf("store: update role of attendance %d: %w", id, err)
	}
	return nil
}

// Attendance returns the visits to a room, or to every room if room is "",
// ordered by join time then ID.
func (db *DB) Attendance(ctx context.Context, room string) ([]Attendance, error) {
	var out []Attendance
	err := db.read(ctx, func(tx *txn) error {
		where, args := whereRoom("room", room)
		rows, err := tx.QueryContext(ctx, `SELECT id, room, participant_id, name, role, via, source, address,
			email, joined_at, left_at`+qualityColumns+` FROM attendance`+where+` ORDER BY joined_at, id`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var a Attendance
			var joined int64
			var left sql.NullInt64
			var q qualityScan
			if err := rows.Scan(append([]any{&a.ID, &a.Room, &a.ParticipantID, &a.Name, &a.Role, &a.Via, &a.Source,
				&a.Address, &a.Email, &joined, &left}, q.dest()...)...); err != nil {
				return err
			}
			a.JoinedAt, a.LeftAt, a.Quality = fromMS(joined), fromNullMS(left), q.value()
			out = append(out, a)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("store: attendance of room %q: %w", room, err)
	}
	return out, nil
}

// existsOr runs query, which selects a row by id, and returns ifExists if it
// finds one and ErrNotFound if not. It tells "already done" from "no such
// record" after a conditional UPDATE changed nothing.
func existsOr(ctx context.Context, tx *txn, query string, id int64, ifExists error) error {
	var one int
	err := tx.QueryRowContext(ctx, query, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return err
	}
	return ifExists
}
