package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Schedule is a room's scheduled conference and the people to call into it.
type Schedule struct {
	// ID is assigned by CreateSchedule.
	ID int64
	// Room is the number of the room the conference takes place in; the room
	// must exist, and deleting it deletes the schedule. It cannot change.
	Room string
	// Start is when the conference begins.
	Start time.Time
	// End is when it is planned to finish; it must be after Start.
	End time.Time
	// TimeZone is the IANA name (e.g. "Europe/London") the schedule was made
	// in, for display and invitations; the store keeps it as given.
	TimeZone string
	// Participants are the people to call out to when the conference starts,
	// in order. The list is frozen once the conference has started.
	Participants []ScheduledParticipant
	// StartedAt is when the conference actually started; nil until
	// MarkScheduleStarted.
	StartedAt *time.Time
	// EndedAt is when it actually ended; nil until MarkScheduleEnded.
	EndedAt *time.Time
}

// ScheduledParticipant is one person to call into a scheduled conference.
type ScheduledParticipant struct {
	// Target is the dial target as a moderator types it: an extension, a
	// phone number, "#sip:…" or a SIP URI. It must not be empty.
	Target string
	// Name is the name shown for them.
	Name string
	// Role is the role they join with.
	Role string
}

func (s *Schedule) validate() error {
	switch {
	case s.Room == "":
		return fmt.Errorf("%w: schedule has no room", ErrInvalid)
	case s.Start.IsZero():
		return fmt.Errorf("%w: schedule has no start", ErrInvalid)
	case !s.End.After(s.Start):
		return fmt.Errorf("%w: schedule end %v is not after its start %v", ErrInvalid, s.End, s.Start)
	}
	for i, p := range s.Participants {
		if p.Target == "" {
			return fmt.Errorf("%w: schedule participant %d has no target", ErrInvalid, i)
		}
	}
	return nil
}

// normalizeSchedule returns s as a read would return it.
func normalizeSchedule(s Schedule) Schedule {
	s.Start, s.End = utc(s.Start), utc(s.End)
	s.StartedAt, s.EndedAt = utcPtr(s.StartedAt), utcPtr(s.EndedAt)
	if len(s.Participants) == 0 {
		s.Participants = nil
	}
	return s
}

// CreateSchedule stores a new scheduled conference and returns it with its ID.
// s.ID, StartedAt and EndedAt are ignored. It returns ErrNotFound if the room
// does not exist and ErrInvalid if s fails validation.
func (db *DB) CreateSchedule(ctx context.Context, s Schedule) (Schedule, error) {
	if err := s.validate(); err != nil {
		return Schedule{}, fmt.Errorf("store: create schedule: %w", err)
	}
	s.StartedAt, s.EndedAt = nil, nil
	err := db.write(ctx, func(tx *txn) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO schedules (room, start_at, end_at, time_zone) VALUES (?, ?, ?, ?) RETURNING id`,
			s.Room, ms(s.Start), ms(s.End), s.TimeZone).Scan(&s.ID)
		if err != nil {
			return classify(err)
		}
		return insertParticipants(ctx, tx, s)
	})
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			err = fmt.Errorf("room %q: %w", s.Room, err)
		}
		return Schedule{}, fmt.Errorf("store: create schedule: %w", err)
	}
	return normalizeSchedule(s), nil
}

// Schedule returns the scheduled conference with that ID, or ErrNotFound.
func (db *DB) Schedule(ctx context.Context, id int64) (Schedule, error) {
	var s Schedule
	err := db.read(ctx, func(tx *txn) error {
		var err error
		s, err = loadSchedule(ctx, tx, id)
		return err
	})
	if err != nil {
		return Schedule{}, fmt.Errorf("store: schedule %d: %w", id, err)
	}
	return s, nil
}

// Schedules returns the scheduled conferences of a room, or of every room if
// room is "", ordered by start time then ID. A room that does not exist has
// none.
func (db *DB) Schedules(ctx context.Context, room string) ([]Schedule, error) {
	var out []Schedule
	err := db.read(ctx, func(tx *txn) error {
		where, args := whereRoom("room", room)
		rows, err := tx.QueryContext(ctx, `SELECT `+scheduleColumns+` FROM schedules`+where+
			` ORDER BY start_at, id`, args...)
		if err != nil {
			return err
		}
		index := make(map[int64]int)
		for rows.Next() {
			s, err := scanSchedule(rows)
			if err != nil {
				rows.Close()
				return err
			}
			index[s.ID] = len(out)
			out = append(out, s)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
		where, args = whereRoom("s.room", room)
		rows, err = tx.QueryContext(ctx, `SELECT p.schedule_id, p.target, p.name, p.role
			FROM schedule_participants p JOIN schedules s ON s.id = p.schedule_id`+where+
			` ORDER BY p.schedule_id, p.position`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var p ScheduledParticipant
			if err := rows.Scan(&id, &p.Target, &p.Name, &p.Role); err != nil {
				return err
			}
			if i, ok := index[id]; ok {
				out[i].Participants = append(out[i].Participants, p)
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("store: schedules of room %q: %w", room, err)
	}
	return out, nil
}

// UpdateSchedule changes a scheduled conference: it loads it, passes a copy to
// update and, if update returns nil, stores the result, in one transaction. An
// error from update aborts the change and is returned wrapped. update runs
// with the write lock held: it must be quick and must not call the DB.
//
// Once the conference has started, a change to the participant list is
// refused with ErrStarted; other fields (such as End) may still change. ID
// and Room cannot change (ErrInvalid); StartedAt and EndedAt are kept whatever
// update does (see MarkScheduleStarted). It returns ErrNotFound if there is no
// such schedule, and the schedule as stored.
func (db *DB) UpdateSchedule(ctx context.Context, id int64, update func(*Schedule) error) (Schedule, error) {
	var out Schedule
	err := db.write(ctx, func(tx *txn) error {
		old, err := loadSchedule(ctx, tx, id)
		if err != nil {
			return err
		}
		s := old
		s.Participants = slices.Clone(old.Participants)
		if err := update(&s); err != nil {
			return err
		}
		if s.ID != old.ID || s.Room != old.Room {
			return fmt.Errorf("%w: the schedule's ID and room cannot change", ErrInvalid)
		}
		s.StartedAt, s.EndedAt = old.StartedAt, old.EndedAt
		changed := !slices.Equal(s.Participants, old.Participants)
		if changed && old.StartedAt != nil {
			return fmt.Errorf("participants: %w", ErrStarted)
		}
		if err := s.validate(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE schedules SET start_at = ?, end_at = ?, time_zone = ? WHERE id = ?`,
			ms(s.Start), ms(s.End), s.TimeZone, id); err != nil {
			return err
		}
		if changed {
			if _, err := tx.ExecContext(ctx, `DELETE FROM schedule_participants WHERE schedule_id = ?`, id); err != nil {
				return err
			}
			if err := insertParticipants(ctx, tx, s); err != nil {
				return err
			}
		}
		out = normalizeSchedule(s)
		return nil
	})
	if err != nil {
		return Schedule{}, fmt.Errorf("store: update schedule %d: %w", id, err)
	}
	return out, nil
}

// DeleteSchedule deletes a scheduled conference and its participant list, or
// returns ErrNotFound.
func (db *DB) DeleteSchedule(ctx context.Context, id int64) error {
	err := db.write(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM schedules WHERE id = ?`, id)
		if err != nil {
			return err
		}
		return notFoundIfNone(res)
	})
	if err != nil {
		return fmt.Errorf("store: delete schedule %d: %w", id, err)
	}
	return nil
}

// MarkScheduleStarted records that the conference started at at, which
// freezes its participant list. It succeeds only once: if the schedule was
// already marked started it returns ErrStarted, so that when several nodes
// race to start a conference exactly one wins. It returns ErrNotFound if
// there is no such schedule.
func (db *DB) MarkScheduleStarted(ctx context.Context, id int64, at time.Time) error {
	err := db.write(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `UPDATE schedules SET started_at = ? WHERE id = ? AND started_at IS NULL`, ms(at), id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
		if _, err := loadScheduleRow(ctx, tx, id); err != nil {
			return err
		}
		return ErrStarted
	})
	if err != nil {
		return fmt.Errorf("store: mark schedule %d started: %w", id, err)
	}
	return nil
}

// MarkScheduleEnded records that the conference ended at at. It succeeds
// only once (ErrEnded afterwards), and only after MarkScheduleStarted
// (ErrInvalid before). It returns ErrNotFound if there is no such schedule.
func (db *DB) MarkScheduleEnded(ctx context.Context, id int64, at time.Time) error {
	err := db.write(ctx, func(tx *txn) error {
		s, err := loadScheduleRow(ctx, tx, id)
		switch {
		case err != nil:
			return err
		case s.StartedAt == nil:
			return fmt.Errorf("%w: not started", ErrInvalid)
		case s.EndedAt != nil:
			return ErrEnded
		}
		_, err = tx.ExecContext(ctx, `UPDATE schedules SET ended_at = ? WHERE id = ?`, ms(at), id)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: mark schedule %d ended: %w", id, err)
	}
	return nil
}

// scheduleColumns lists the schedules columns in the order scanSchedule reads them.
const scheduleColumns = `id, room, start_at, end_at, time_zone, started_at, ended_at`

func scanSchedule(sc scanner) (Schedule, error) {
	var s Schedule
	var start, end int64
	var started, ended sql.NullInt64
	if err := sc.Scan(&s.ID, &s.Room, &start, &end, &s.TimeZone, &started, &ended); err != nil {
		return Schedule{}, err
	}
	s.Start, s.End = fromMS(start), fromMS(end)
	s.StartedAt, s.EndedAt = fromNullMS(started), fromNullMS(ended)
	return s, nil
}

// loadScheduleRow loads a schedule without its participants.
func loadScheduleRow(ctx context.Context, tx *txn, id int64) (Schedule, error) {
	s, err := scanSchedule(tx.QueryRowContext(ctx, `SELECT `+scheduleColumns+` FROM schedules WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Schedule{}, ErrNotFound
	}
	return s, err
}

func loadSchedule(ctx context.Context, tx *txn, id int64) (Schedule, error) {
	s, err := loadScheduleRow(ctx, tx, id)
	if err != nil {
		return Schedule{}, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT target, name, role FROM schedule_participants
		WHERE schedule_id = ? ORDER BY position`, id)
	if err != nil {
		return Schedule{}, err
	}
	defer rows.Close()
	for rows.Next() {
		var p ScheduledParticipant
		if err := rows.Scan(&p.Target, &p.Name, &p.Role); err != nil {
			return Schedule{}, err
		}
		s.Participants = append(s.Participants, p)
	}
	return s, rows.Err()
}

func insertParticipants(ctx context.Context, tx *txn, s Schedule) error {
	for i, p := range s.Participants {
		if _, err := tx.ExecContext(ctx, `INSERT INTO schedule_participants (schedule_id, position, target, name, role)
			VALUES (?, ?, ?, ?, ?)`, s.ID, i, p.Target, p.Name, p.Role); err != nil {
			return err
		}
	}
	return nil
}
