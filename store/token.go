package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Token is an API token minted for a room, such as a moderator token. The
// store keeps only the SHA-256 hash of the secret, never the secret itself:
// the API shows the secret once, at creation, and looks it up later by
// HashToken(secret).
type Token struct {
	// ID is assigned by CreateToken.
	ID int64
	// Hash is the SHA-256 of the secret (sha256.Size bytes); unique.
	Hash []byte
	// Room is the number of the room the token grants access to; it must
	// exist, and deleting it deletes the token.
	Room string
	// Role is the role the token grants, e.g. "moderator".
	Role string
	// Label says what the token is for, for the people who manage tokens.
	Label string
	// Extension is the extension number the token speaks for, if any: an
	// operator's token may call people out while that extension is in the
	// room.
	Extension string
	// CreatedAt is when the token was minted; the zero time means now.
	CreatedAt time.Time
	// ExpiresAt is when the token stops being valid; nil means never.
	ExpiresAt *time.Time
}

// HashToken returns the SHA-256 hash of a token's secret, the form in which
// the store keeps and looks up tokens.
func HashToken(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}

// Expired reports whether the token is no longer valid at now. The store
// returns expired tokens; whoever authenticates with them must call Expired.
func (t Token) Expired(now time.Time) bool {
	return t.ExpiresAt != nil && !now.Before(*t.ExpiresAt)
}

// CreateToken stores a new token and returns it with its ID. t.ID is
// ignored; a zero CreatedAt means now. It returns ErrInvalid if the hash is
// not sha256.Size bytes or the room is empty, ErrNotFound if the room does not
// exist, and ErrExists if a token with that hash exists.
func (db *DB) CreateToken(ctx context.Context, t Token) (Token, error) {
	switch {
	case len(t.Hash) != sha256.Size:
		return Token{}, fmt.Errorf("store: create token: %w: hash is %d bytes, want %d (SHA-256)", ErrInvalid, len(t.Hash), sha256.Size)
	case t.Room == "":
		return Token{}, fmt.Errorf("store: create token: %w: no room", ErrInvalid)
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = db.now()
	}
	t.Hash = append([]byte(nil), t.Hash...)
	err := db.write(ctx, func(tx *txn) error {
		return classify(tx.QueryRowContext(ctx, `INSERT INTO tokens (hash, room, role, label, extension, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, t.Hash, t.Room, t.Role, t.Label, t.Extension, ms(t.CreatedAt),
			nullMS(t.ExpiresAt)).Scan(&t.ID))
	})
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			err = fmt.Errorf("room %q: %w", t.Room, err)
		}
		return Token{}, fmt.Errorf("store: create token for room %q: %w", t.Room, err)
	}
	t.CreatedAt, t.ExpiresAt = utc(t.CreatedAt), utcPtr(t.ExpiresAt)
	return t, nil
}

// TokenByHash returns the token whose hash is hash, or ErrNotFound. It
// returns expired tokens too; see Token.Expired.
func (db *DB) TokenByHash(ctx context.Context, hash []byte) (Token, error) {
	var t Token
	err := db.read(ctx, func(tx *txn) error {
		var err error
		t, err = scanToken(tx.QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM tokens WHERE hash = ?`, hash))
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		return err
	})
	if err != nil {
		// The hash is a credential's fingerprint: keep it out of the message.
		return Token{}, fmt.Errorf("store: token by hash: %w", err)
	}
	return t, nil
}

// DeleteToken deletes (revokes) the token id, or returns ErrNotFound.
func (db *DB) DeleteToken(ctx context.Context, id int64) error {
	err := db.write(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM tokens WHERE id = ?`, id)
		if err != nil {
			return err
		}
		return notFoundIfNone(res)
	})
	if err != nil {
		return fmt.Errorf("store: delete token %d: %w", id, err)
	}
	return nil
}

// Tokens returns the tokens of a room, or of every room if room is "",
// ordered by ID, expired ones included.
func (db *DB) Tokens(ctx context.Context, room string) ([]Token, error) {
	var out []Token
	err := db.read(ctx, func(tx *txn) error {
		where, args := whereRoom("room", room)
		rows, err := tx.QueryContext(ctx, `SELECT `+tokenColumns+` FROM tokens`+where+` ORDER BY id`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			t, err := scanToken(rows)
			if err != nil {
				return err
			}
			out = append(out, t)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("store: tokens of room %q: %w", room, err)
	}
	return out, nil
}

// tokenColumns lists the tokens columns in the order scanToken reads them.
const tokenColumns = `id, hash, room, role, label, extension, created_at, expires_at`

func scanToken(s scanner) (Token, error) {
	var t Token
	var created int64
	var expires sql.NullInt64
	if err := s.Scan(&t.ID, &t.Hash, &t.Room, &t.Role, &t.Label, &t.Extension, &created, &expires); err != nil {
		return Token{}, err
	}
	t.CreatedAt, t.ExpiresAt = fromMS(created), fromNullMS(expires)
	return t, nil
}
