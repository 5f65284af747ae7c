package api

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/rules"
	"github.com/parleyhq/parley/store"
)

// tokenBytes is how many random bytes a room token's secret has: 256 bits.
const tokenBytes = 32

// maxTokenLife is the longest expires_in a token request may ask for.
const maxTokenLife = 10 * 365 * 24 * time.Hour

// maxLabelLen is the longest token label the API takes.
const maxLabelLen = 200

// TokenStore keeps the room tokens minted through the API and by console
// sign-ins, and finds them for authentication: *store.DB, whose methods
// have the contracts documented there.
type TokenStore interface {
	TokenFinder
	// CreateToken stores a token minted for a room.
	CreateToken(ctx context.Context, t store.Token) (store.Token, error)
	// Tokens lists a room's tokens.
	Tokens(ctx context.Context, room string) ([]store.Token, error)
	// DeleteToken revokes a token.
	DeleteToken(ctx context.Context, id int64) error
}

// tokensAPI serves a room's tokens: minting, listing, revoking.
type tokensAPI struct {
	shared
	store TokenStore // nil: 503
	// tokenTTL is the life of a token minted with a room token that asks
	// for none, tokenMaxTTL the longest it may ask for (Options.TokenTTL
	// and TokenMaxTTL with their defaults).
	tokenTTL, tokenMaxTTL time.Duration
}

// createToken serves POST /api/v1/rooms/{number}/tokens: it mints a
// moderator or attendee token for the room and answers 201 with the secret,
// which is shown this once; the store keeps only its SHA-256. A token
// minted with a room token (a moderator's, perhaps got by a guessed PIN)
// always expires: expires_in 0 means the server's token TTL, and more than
// its maximum TTL is refused with 400. An admin's may live for ever.
func (s *tokensAPI) createToken(w http.ResponseWriter, r *http.Request) error {
	var req TokenRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	switch bridge.Role(req.Role) {
	case bridge.RoleModerator, bridge.RoleAttendee:
	case "":
		return &Error{Status: http.StatusBadRequest, Field: "role", Message: "role is required: moderator or attendee"}
	default:
		return &Error{Status: http.StatusBadRequest, Field: "role",
			Message: fmt.Sprintf("role %q: a room token is moderator or attendee", req.Role)}
	}
	if req.Extension != "" {
		if err := rules.Number(req.Extension); err != nil {
			return &Error{Status: http.StatusBadRequest, Field: "extension", Message: "extension " + err.Error()}
		}
	}
	if len(req.Label) > maxLabelLen {
		return &Error{Status: http.StatusBadRequest, Field: "label", Message: fmt.Sprintf("label is longer than %d bytes", maxLabelLen)}
	}
	if req.ExpiresIn < 0 || req.ExpiresIn > int64(maxTokenLife/time.Second) {
		return &Error{Status: http.StatusBadRequest, Field: "expires_in",
			Message: fmt.Sprintf("expires_in must be between 0 (never) and %d seconds", int64(maxTokenLife/time.Second))}
	}
	life := time.Duration(req.ExpiresIn) * time.Second
	if !principalOf(r).admin {
		if life > s.tokenMaxTTL {
			return &Error{Status: http.StatusBadRequest, Field: "expires_in",
				Message: fmt.Sprintf("expires_in: a token minted with a room token lives at most %d seconds", int64(s.tokenMaxTTL/time.Second))}
		}
		if life == 0 {
			life = s.tokenTTL
		}
	}
	room, err := s.storedRoom(r, s.store != nil)
	if err != nil {
		return err
	}
	secret := make([]byte, tokenBytes)
	_, _ = rand.Read(secret) // crypto/rand.Read never fails (Go 1.24+)
	t := store.Token{Hash: store.HashToken(base64.RawURLEncoding.EncodeToString(secret)), Room: room.Number(),
		Role: req.Role, Label: req.Label, Extension: req.Extension}
	if life > 0 {
		at := s.now().Add(life)
		t.ExpiresAt = &at
	}
	t, err = s.store.CreateToken(r.Context(), t)
	if err != nil {
		return err
	}
	s.log.Info("api token minted", "room", t.Room, "token_id", t.ID, "role", t.Role, "label", t.Label,
		"by", principalOf(r).String(), "remote", r.RemoteAddr)
	writeJSON(w, http.StatusCreated, NewToken{ID: strconv.FormatInt(t.ID, 10), Token: base64.RawURLEncoding.EncodeToString(secret),
		Role: t.Role, Room: t.Room, Label: t.Label, Extension: t.Extension, ExpiresAt: t.ExpiresAt})
	return nil
}

// listTokens serves GET /api/v1/rooms/{number}/tokens: the room's tokens,
// expired ones included, without their secrets.
func (s *tokensAPI) listTokens(w http.ResponseWriter, r *http.Request) error {
	room, err := s.storedRoom(r, s.store != nil)
	if err != nil {
		return err
	}
	list, err := s.store.Tokens(r.Context(), room.Number())
	if err != nil {
		return err
	}
	now := s.now()
	out := make([]Token, len(list))
	for i, t := range list {
		out[i] = Token{ID: strconv.FormatInt(t.ID, 10), Role: t.Role, Room: t.Room, Label: t.Label, Extension: t.Extension,
			CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt, Expired: t.Expired(now)}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// deleteToken serves DELETE /api/v1/rooms/{number}/tokens/{id}: it revokes
// one of the room's tokens at once. 204.
func (s *tokensAPI) deleteToken(w http.ResponseWriter, r *http.Request) error {
	room, err := s.storedRoom(r, s.store != nil)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	notFound := &Error{Status: http.StatusNotFound, Field: "id",
		Message: fmt.Sprintf("room %s has no token %q", room.Number(), r.PathValue("id"))}
	if err != nil {
		return notFound
	}
	// The ID must be one of this room's tokens: a moderator of one room
	// must not revoke another's.
	list, err := s.store.Tokens(r.Context(), room.Number())
	if err != nil {
		return err
	}
	found := false
	for _, t := range list {
		found = found || t.ID == id
	}
	if !found {
		return notFound
	}
	if err := s.store.DeleteToken(r.Context(), id); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return notFound
		}
		return err
	}
	s.log.Info("api token revoked", "room", room.Number(), "token_id", id, "by", principalOf(r).String(), "remote", r.RemoteAddr)
	w.WriteHeader(http.StatusNoContent)
	return nil
}
