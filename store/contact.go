package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Contact is an address book entry: a name for a dial target, so that people
// can dial "Alice" rather than "#sip:alice@10.0.0.7". A contact is global
// (Owner "") or belongs to one extension, whose own contacts come before the
// global ones of the same name.
type Contact struct {
	// ID is assigned by CreateContact.
	ID int64
	// Owner is the extension whose contact this is, or "" for a global one.
	Owner string
	// Name is what people dial or search for; unique per owner, ignoring
	// case.
	Name string
	// Target is what is dialled: an extension, a number, or a "#sip:" or
	// "#h323:" address. The store does not parse it.
	Target string
	// CreatedAt is when the contact was stored; the zero time means now.
	CreatedAt time.Time
}

// fold returns s in the form compared and searched: lower case, by Unicode
// rules rather than SQLite's ASCII-only NOCASE.
func fold(s string) string { return strings.ToLower(s) }

// contains returns the LIKE pattern, with escape character '\', that
// matches text containing s. Both engines then compare byte for byte here:
// the folded columns and s are lower case already.
func contains(s string) string {
	return "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s) + "%"
}

// CreateContact stores a new contact and returns it as stored, with its ID.
// c.ID is ignored; a zero CreatedAt means now. It returns ErrInvalid if the
// name or target is empty or blank, and ErrExists if the owner already has a
// contact of that name, ignoring case (a global contact and an extension's own
// may share a name).
func (db *DB) CreateContact(ctx context.Context, c Contact) (Contact, error) {
	switch {
	case strings.TrimSpace(c.Name) == "":
		return Contact{}, fmt.Errorf("store: create contact: %w: no name", ErrInvalid)
	case strings.TrimSpace(c.Target) == "":
		return Contact{}, fmt.Errorf("store: create contact %q: %w: no target", c.Name, ErrInvalid)
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = db.now()
	}
	err := db.write(ctx, func(tx *txn) error {
		return classify(tx.QueryRowContext(ctx, `INSERT INTO contacts (owner, name, name_fold, target, target_fold, created_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, c.Owner, c.Name, fold(c.Name), c.Target, fold(c.Target), ms(c.CreatedAt)).Scan(&c.ID))
	})
	if err != nil {
		return Contact{}, fmt.Errorf("store: create contact %q of owner %q: %w", c.Name, c.Owner, err)
	}
	c.CreatedAt = utc(c.CreatedAt)
	return c, nil
}

// Contacts returns the contacts an owner sees: its own and the global ones,
// or only the global ones if owner is "". If query is not "", only contacts
// whose name or target contains it, ignoring case, are returned. They are
// sorted by name ignoring case, in code point order (not a language's
// collation: "Élodie" comes after "Zoe"), an owner's own before a global one of
// the same name, then by ID.
func (db *DB) Contacts(ctx context.Context, owner, query string) ([]Contact, error) {
	var out []Contact
	err := db.read(ctx, func(tx *txn) error {
		q := fold(query)
		rows, err := tx.QueryContext(ctx, `SELECT `+contactColumns+` FROM contacts
			WHERE owner IN (?, '') AND (? = '' OR name_fold LIKE ? ESCAPE '\' OR target_fold LIKE ? ESCAPE '\')
			ORDER BY name_fold, owner = '', id`, owner, q, contains(q), contains(q))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			c, err := scanContact(rows)
			if err != nil {
				return err
			}
			out = append(out, c)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("store: contacts of owner %q: %w", owner, err)
	}
	return out, nil
}

// ContactByName returns the contact called name, ignoring case, that owner
// sees: its own if it has one, else the global one. It returns ErrNotFound if
// there is neither. With owner "" only global contacts are looked at.
func (db *DB) ContactByName(ctx context.Context, owner, name string) (Contact, error) {
	var c Contact
	err := db.read(ctx, func(tx *txn) error {
		var err error
		c, err = scanContact(tx.QueryRowContext(ctx, `SELECT `+contactColumns+` FROM contacts
			WHERE owner IN (?, '') AND name_fold = ? ORDER BY owner = '' LIMIT 1`, owner, fold(name)))
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		return err
	})
	if err != nil {
		return Contact{}, fmt.Errorf("store: contact %q of owner %q: %w", name, owner, err)
	}
	return c, nil
}

// DeleteContact deletes the contact id, or returns ErrNotFound.
func (db *DB) DeleteContact(ctx context.Context, id int64) error {
	err := db.write(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM contacts WHERE id = ?`, id)
		if err != nil {
			return err
		}
		return notFoundIfNone(res)
	})
	if err != nil {
		return fmt.Errorf("store: delete contact %d: %w", id, err)
	}
	return nil
}

// contactColumns lists the contacts columns in the order scanContact reads
// them.
const contactColumns = `id, owner, name, target, created_at`

func scanContact(s scanner) (Contact, error) {
	var c Contact
	var created int64
	if err := s.Scan(&c.ID, &c.Owner, &c.Name, &c.Target, &created); err != nil {
		return Contact{}, err
	}
	c.CreatedAt = fromMS(created)
	return c, nil
}
