package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Room is a conference room as stored: its number, access PINs, owner and
// members, limits and guest policy. Live state (who is in, who talks) is not
// stored.
type Room struct {
	// Number is the room's dial number and key; it cannot change.
	Number string
	// Name is the human-readable title.
	Name string
	// PIN is the attendee PIN; empty means none.
	PIN string
	// ModeratorPIN is the PIN that joins as moderator; empty means none.
	ModeratorPIN string
	// Owner is the extension that owns the room.
	Owner string
	// Organizer is the login of the signed-in user who made the room
	// through the API, who sees and moderates it like its owner; empty
	// for rooms made with an admin token or in the config file.
	Organizer string
	// Members are extensions that may moderate the room, in order, without
	// duplicates.
	Members []string
	// Quota is the number of active participants; past it newcomers are
	// spectators. 0 means no quota.
	Quota int
	// Capacity is the hard limit on participants. 0 means no limit.
	Capacity int
	// GuestAccess allows browser guests without a personal link.
	GuestAccess bool
	// GuestRole is the role guests get on joining.
	GuestRole string
	// GuestWait is how long a guest waits in the lobby for a moderator.
	// Stored to the millisecond.
	GuestWait time.Duration
	// CallerID is the caller ID of calls out of this room.
	CallerID string
	// Locked is a moderator's lock on the room, which then admits
	// moderators only. It is runtime state kept across restarts:
	// SetRoomLocked writes it, and SyncConfigRooms keeps it.
	Locked bool
	// ConfigOwned marks a room defined in the config file. It is set only by
	// SyncConfigRooms; such rooms are read-only through the API.
	ConfigOwned bool
	// CreatedAt is when the room was first stored; set by the store.
	CreatedAt time.Time
	// UpdatedAt is when the room was last changed; set by the store.
	UpdatedAt time.Time
}

// validate checks the fields a caller sets.
func (r *Room) validate() error {
	switch {
	case r.Number == "":
		return fmt.Errorf("%w: room number is empty", ErrInvalid)
	case r.Quota < 0:
		return fmt.Errorf("%w: room %q: quota %d is negative", ErrInvalid, r.Number, r.Quota)
	case r.Capacity < 0:
		return fmt.Errorf("%w: room %q: capacity %d is negative", ErrInvalid, r.Number, r.Capacity)
	case r.GuestWait < 0:
		return fmt.Errorf("%w: room %q: guest wait %v is negative", ErrInvalid, r.Number, r.GuestWait)
	}
	seen := make(map[string]bool, len(r.Members))
	for _, m := range r.Members {
		if m == "" {
			return fmt.Errorf("%w: room %q: empty member", ErrInvalid, r.Number)
		}
		if seen[m] {
			return fmt.Errorf("%w: room %q: member %q listed twice", ErrInvalid, r.Number, m)
		}
		seen[m] = true
	}
	return nil
}

// sameSettings reports whether a and b hold the same settings, ignoring the
// fields the store manages (ConfigOwned, CreatedAt, UpdatedAt).
func sameSettings(a, b Room) bool {
	return a.Number == b.Number && a.Name == b.Name && a.PIN == b.PIN &&
		a.ModeratorPIN == b.ModeratorPIN && a.Owner == b.Owner && a.Organizer == b.Organizer &&
		slices.Equal(a.Members, b.Members) && a.Quota == b.Quota && a.Capacity == b.Capacity &&
		a.GuestAccess == b.GuestAccess && a.GuestRole == b.GuestRole &&
		a.GuestWait.Milliseconds() == b.GuestWait.Milliseconds() &&
		a.CallerID == b.CallerID && a.Locked == b.Locked
}

// CreateRoom stores a new room made through the API. ConfigOwned is ignored
// (always false here; see SyncConfigRooms) and CreatedAt and UpdatedAt are set
// to now. It returns ErrExists if the number is taken and ErrInvalid if r fails
// validation.
func (db *DB) CreateRoom(ctx context.Context, r Room) error {
	if err := r.validate(); err != nil {
		return fmt.Errorf("store: create room: %w", err)
	}
	now := db.now()
	r.ConfigOwned = false
	r.CreatedAt, r.UpdatedAt = now, now
	err := db.write(ctx, func(tx *txn) error { return insertRoom(ctx, tx, r) })
	if err != nil {
		return fmt.Errorf("store: create room %q: %w", r.Number, err)
	}
	return nil
}

// Room returns the room with that number, or ErrNotFound.
func (db *DB) Room(ctx context.Context, number string) (Room, error) {
	var r Room
	err := db.read(ctx, func(tx *txn) error {
		var err error
		r, err = loadRoom(ctx, tx, number)
		return err
	})
	if err != nil {
		return Room{}, fmt.Errorf("store: room %q: %w", number, err)
	}
	return r, nil
}

// Rooms returns every room, ordered by number.
func (db *DB) Rooms(ctx context.Context) ([]Room, error) {
	var rooms []Room
	err := db.read(ctx, func(tx *txn) error {
		var err error
		rooms, err = loadRooms(ctx, tx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: rooms: %w", err)
	}
	return rooms, nil
}

// UpdateRoom changes a room made through the API: it loads the room, passes a
// copy to update and, if update returns nil, stores the result, all in one
// transaction, so concurrent updates (from this or another process) never lose
// each other's changes. An error from update aborts the change and is returned
// wrapped. update runs with the write lock held: it must be quick and must
// not call the DB.
//
// It returns ErrNotFound if there is no such room, ErrReadOnly if the room is
// config-owned (update is then not called), and ErrInvalid if update changed
// Number or left invalid values. ConfigOwned and CreatedAt are kept whatever
// update does; UpdatedAt is set to now. It returns the room as stored.
func (db *DB) UpdateRoom(ctx context.Context, number string, update func(*Room) error) (Room, error) {
	var out Room
	err := db.write(ctx, func(tx *txn) error {
		old, err := loadRoom(ctx, tx, number)
		if err != nil {
			return err
		}
		if old.ConfigOwned {
			return ErrReadOnly
		}
		r := old
		r.Members = slices.Clone(old.Members)
		if err := update(&r); err != nil {
			return err
		}
		if r.Number != old.Number {
			return fmt.Errorf("%w: the room number cannot change", ErrInvalid)
		}
		if err := r.validate(); err != nil {
			return err
		}
		r.ConfigOwned = old.ConfigOwned
		r.CreatedAt = old.CreatedAt
		r.UpdatedAt = db.now()
		if err := updateRoom(ctx, tx, r); err != nil {
			return err
		}
		out = normalizeRoom(r)
		return nil
	})
	if err != nil {
		return Room{}, fmt.Errorf("store: update room %q: %w", number, err)
	}
	return out, nil
}

// DeleteRoom deletes a room made through the API together with its schedules
// and tokens. Attendance is history and is kept. It returns
// ErrNotFound if there is no such room and ErrReadOnly if it is config-owned.
func (db *DB) DeleteRoom(ctx context.Context, number string) error {
	err := db.write(ctx, func(tx *txn) error {
		var owned bool
		err := tx.QueryRowContext(ctx, `SELECT config_owned FROM rooms WHERE number = ?`, number).Scan(&owned)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if owned {
			return ErrReadOnly
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM rooms WHERE number = ?`, number)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: delete room %q: %w", number, err)
	}
	return nil
}

// SyncConfigRooms makes the stored config-owned rooms match rooms, the rooms
// of the config file; the config loader calls it at start and on reload, and
// it is the only way to change a config-owned room. In one transaction:
//
//   - each room in rooms is stored with ConfigOwned set; an existing room's
//     CreatedAt is kept, and its UpdatedAt moves only if a setting changed;
//   - a config room whose number is taken by a room made through the API takes
//     that room over: its settings are replaced by the config's, it becomes
//     config-owned (read-only through the API), and its schedules and tokens
//     are kept;
//   - rooms that were config-owned and are no longer in rooms are deleted,
//     with their schedules and tokens;
//   - rooms made through the API with other numbers are untouched.
//
// It returns ErrInvalid, and changes nothing, if a room fails validation or
// two share a number.
func (db *DB) SyncConfigRooms(ctx context.Context, rooms []Room) error {
	want := make(map[string]bool, len(rooms))
	for i := range rooms {
		if err := rooms[i].validate(); err != nil {
			return fmt.Errorf("store: sync config rooms: %w", err)
		}
		if want[rooms[i].Number] {
			return fmt.Errorf("store: sync config rooms: %w: room %q listed twice", ErrInvalid, rooms[i].Number)
		}
		want[rooms[i].Number] = true
	}
	now := db.now()
	err := db.write(ctx, func(tx *txn) error {
		existing, err := loadRooms(ctx, tx)
		if err != nil {
			return err
		}
		have := make(map[string]Room, len(existing))
		for _, r := range existing {
			have[r.Number] = r
		}
		for _, r := range rooms {
			r.ConfigOwned = true
			old, ok := have[r.Number]
			if ok {
				r.Locked = old.Locked // runtime state, not config: SetRoomLocked
			}
			switch {
			case !ok:
				r.CreatedAt, r.UpdatedAt = now, now
				err = insertRoom(ctx, tx, r)
			case old.ConfigOwned && sameSettings(old, r):
				continue
			default:
				r.CreatedAt, r.UpdatedAt = old.CreatedAt, now
				err = updateRoom(ctx, tx, r)
			}
			if err != nil {
				return fmt.Errorf("room %q: %w", r.Number, err)
			}
		}
		for _, r := range existing {
			if r.ConfigOwned && !want[r.Number] {
				if _, err := tx.ExecContext(ctx, `DELETE FROM rooms WHERE number = ?`, r.Number); err != nil {
					return fmt.Errorf("delete room %q: %w", r.Number, err)
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: sync config rooms: %w", err)
	}
	return nil
}

// roomColumns lists the rooms columns in the order scanRoom reads them.
const roomColumns = `number, name, pin, moderator_pin, owner, quota, capacity, guest_access,
	guest_role, guest_wait_ms, caller_id, locked, config_owned, created_at, updated_at, organizer`

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

func scanRoom(s scanner) (Room, error) {
	var r Room
	var waitMS, created, updated int64
	err := s.Scan(&r.Number, &r.Name, &r.PIN, &r.ModeratorPIN, &r.Owner, &r.Quota, &r.Capacity,
		&r.GuestAccess, &r.GuestRole, &waitMS, &r.CallerID, &r.Locked, &r.ConfigOwned, &created, &updated, &r.Organizer)
	if err != nil {
		return Room{}, err
	}
	r.GuestWait = time.Duration(waitMS) * time.Millisecond
	r.CreatedAt, r.UpdatedAt = fromMS(created), fromMS(updated)
	return r, nil
}

// normalizeRoom returns r as a read would return it.
func normalizeRoom(r Room) Room {
	r.GuestWait = r.GuestWait.Truncate(time.Millisecond)
	r.CreatedAt, r.UpdatedAt = utc(r.CreatedAt), utc(r.UpdatedAt)
	if len(r.Members) == 0 {
		r.Members = nil
	}
	return r
}

func loadRoom(ctx context.Context, tx *txn, number string) (Room, error) {
	r, err := scanRoom(tx.QueryRowContext(ctx, `SELECT `+roomColumns+` FROM rooms WHERE number = ?`, number))
	if errors.Is(err, sql.ErrNoRows) {
		return Room{}, ErrNotFound
	}
	if err != nil {
		return Room{}, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT member FROM room_members WHERE room = ? ORDER BY position`, number)
	if err != nil {
		return Room{}, err
	}
	defer rows.Close()
	for rows.Next() {
		var m string
		if err := rows.Scan(&m); err != nil {
			return Room{}, err
		}
		r.Members = append(r.Members, m)
	}
	return r, rows.Err()
}

func loadRooms(ctx context.Context, tx *txn) ([]Room, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+roomColumns+` FROM rooms ORDER BY number`)
	if err != nil {
		return nil, err
	}
	var rooms []Room
	index := make(map[string]int)
	for rows.Next() {
		r, err := scanRoom(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		index[r.Number] = len(rooms)
		rooms = append(rooms, r)
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}

	rows, err = tx.QueryContext(ctx, `SELECT room, member FROM room_members ORDER BY room, position`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var room, m string
		if err := rows.Scan(&room, &m); err != nil {
			return nil, err
		}
		if i, ok := index[room]; ok {
			rooms[i].Members = append(rooms[i].Members, m)
		}
	}
	return rooms, rows.Err()
}

func insertRoom(ctx context.Context, tx *txn, r Room) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO rooms (`+roomColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.Number, r.Name, r.PIN, r.ModeratorPIN, r.Owner, r.Quota, r.Capacity, r.GuestAccess,
		r.GuestRole, r.GuestWait.Milliseconds(), r.CallerID, r.Locked, r.ConfigOwned, ms(r.CreatedAt), ms(r.UpdatedAt),
		r.Organizer)
	if err != nil {
		return classify(err)
	}
	return insertMembers(ctx, tx, r)
}

// updateRoom overwrites every column of the room r.Number and its members.
func updateRoom(ctx context.Context, tx *txn, r Room) error {
	res, err := tx.ExecContext(ctx, `UPDATE rooms SET name = ?, pin = ?, moderator_pin = ?, owner = ?,
		quota = ?, capacity = ?, guest_access = ?, guest_role = ?, guest_wait_ms = ?, caller_id = ?,
		locked = ?, config_owned = ?, created_at = ?, updated_at = ?, organizer = ? WHERE number = ?`,
		r.Name, r.PIN, r.ModeratorPIN, r.Owner, r.Quota, r.Capacity, r.GuestAccess, r.GuestRole,
		r.GuestWait.Milliseconds(), r.CallerID, r.Locked, r.ConfigOwned, ms(r.CreatedAt), ms(r.UpdatedAt), r.Organizer, r.Number)
	if err != nil {
		return classify(err)
	}
	if err := notFoundIfNone(res); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM room_members WHERE room = ?`, r.Number); err != nil {
		return err
	}
	return insertMembers(ctx, tx, r)
}

func insertMembers(ctx context.Context, tx *txn, r Room) error {
	for i, m := range r.Members {
		if _, err := tx.ExecContext(ctx, `INSERT INTO room_members (room, position, member) VALUES (?, ?, ?)`,
			r.Number, i, m); err != nil {
			return classify(err)
		}
	}
	return nil
}
