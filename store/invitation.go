package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Channels an invitation is sent by.
const (
	// ChannelEmail is an invitation by email.
	ChannelEmail = "email"
	// ChannelSMS is an invitation by SMS.
	ChannelSMS = "sms"
)

// Invitation is one invitation sent for a link, by email or SMS, successful
// or not: the record of what was sent, and the source of the "invited but not
// joined" list. Deleting the link, or its room, deletes its invitations.
type Invitation struct {
	// ID is assigned by RecordInvitation.
	ID int64
	// LinkID is the link the invitation carries; it must exist.
	LinkID int64
	// Room is the link's room. RecordInvitation fills it in when empty and
	// refuses any other room; reads return it.
	Room string
	// Channel is ChannelEmail or ChannelSMS.
	Channel string
	// To is the address it was sent to: an email address or a phone number.
	To string
	// SentAt is when it was sent or tried; the zero time means now.
	SentAt time.Time
	// Error says why sending failed; empty when it was sent.
	Error string
}

// RecordInvitation stores an invitation and returns its ID. inv.ID is
// ignored; a zero SentAt means now. It returns ErrInvalid if the channel is
// unknown, To is empty, or inv.Room is set and is not the link's room; and
// ErrNotFound if the link does not exist.
func (db *DB) RecordInvitation(ctx context.Context, inv Invitation) (int64, error) {
	switch {
	case inv.Channel != ChannelEmail && inv.Channel != ChannelSMS:
		return 0, fmt.Errorf("store: record invitation: %w: channel %q: must be %q or %q",
			ErrInvalid, inv.Channel, ChannelEmail, ChannelSMS)
	case inv.To == "":
		return 0, fmt.Errorf("store: record invitation: %w: no address", ErrInvalid)
	}
	if inv.SentAt.IsZero() {
		inv.SentAt = db.now()
	}
	var id int64
	err := db.write(ctx, func(tx *txn) error {
		var room string
		err := tx.QueryRowContext(ctx, `SELECT room FROM links WHERE id = ?`, inv.LinkID).Scan(&room)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("link %d: %w", inv.LinkID, ErrNotFound)
		}
		if err != nil {
			return err
		}
		if inv.Room != "" && inv.Room != room {
			return fmt.Errorf("%w: link %d is in room %q, not %q", ErrInvalid, inv.LinkID, room, inv.Room)
		}
		return classify(tx.QueryRowContext(ctx, `INSERT INTO invitations (link_id, channel, to_addr, sent_at, error)
			VALUES (?, ?, ?, ?, ?) RETURNING id`, inv.LinkID, inv.Channel, inv.To, ms(inv.SentAt), inv.Error).Scan(&id))
	})
	if err != nil {
		return 0, fmt.Errorf("store: record invitation for link %d: %w", inv.LinkID, err)
	}
	return id, nil
}

// Invitations returns the invitations sent for the links of a room, or of
// every room if room is "", ordered by SentAt then ID, failed ones included.
func (db *DB) Invitations(ctx context.Context, room string) ([]Invitation, error) {
	var out []Invitation
	err := db.read(ctx, func(tx *txn) error {
		where, args := whereRoom("l.room", room)
		rows, err := tx.QueryContext(ctx, `SELECT i.id, i.link_id, l.room, i.channel, i.to_addr, i.sent_at, i.error
			FROM invitations i JOIN links l ON l.id = i.link_id`+where+` ORDER BY i.sent_at, i.id`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var inv Invitation
			var sent int64
			if err := rows.Scan(&inv.ID, &inv.LinkID, &inv.Room, &inv.Channel, &inv.To, &sent, &inv.Error); err != nil {
				return err
			}
			inv.SentAt = fromMS(sent)
			out = append(out, inv)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("store: invitations of room %q: %w", room, err)
	}
	return out, nil
}
