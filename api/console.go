package api

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strconv"
	"time"

	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/store"
)

// ConsoleLoginRequest is the body of POST
// /api/v1/rooms/{number}/console-login.
type ConsoleLoginRequest struct {
	// PIN is the room's moderator PIN, as a moderator would type it on the
	// phone. Required.
	PIN string `json:"pin"`
}

// Console logins: the moderator console (web/console.go) trades the room's
// moderator PIN for a moderator room token, so that whoever may moderate by
// phone may moderate from the browser too. The token lives Options.TokenTTL.
const (
	// consoleTokenLabel labels those tokens in GET …/tokens.
	consoleTokenLabel = "console"
)

// consoleLogin serves POST /api/v1/rooms/{number}/console-login, its
// guessing limited by the console Limiter.
type consoleLogin struct {
	shared
	store    TokenStore // nil: 503 once the PIN is right
	guard    Limiter    // Options.ConsoleGuard: PIN guesses, by room
	tokenTTL time.Duration
}

// serve checks the PIN against the room's moderator PIN and answers 201 with
// a new moderator room token (NewToken, as POST …/tokens does) that expires
// in the server's token TTL. It refuses with 429 and Retry-After a client
// the guard holds off (its wrong PINs, or the room's from everywhere when
// this client never got in on it), 403 (field "pin") a wrong PIN or a room
// that has no moderator PIN, and 404 an unknown room. Each wrong PIN counts
// against the client's address and the room. The route is public: the PIN
// is the credential.
func (s *consoleLogin) serve(w http.ResponseWriter, r *http.Request) error {
	var req ConsoleLoginRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.PIN == "" {
		return &Error{Status: http.StatusBadRequest, Field: "pin", Message: "pin is required: the room's moderator PIN"}
	}
	src, key := clientIP(r), r.PathValue("number")
	if wait, banned := s.guard.Check(src, key); banned || wait > 0 {
		return tooMany("pin", wait)
	}
	room, err := s.room(r)
	if err != nil {
		return err
	}
	want := room.Settings().ModeratorPIN
	if want == "" {
		return &Error{Status: http.StatusForbidden, Field: "pin",
			Message: "room " + room.Number() + " has no moderator PIN: ask an admin for a moderator token"}
	}
	// Compare digests, so that the time taken depends neither on where a
	// guess first differs nor on its length.
	got, sum := sha256.Sum256([]byte(req.PIN)), sha256.Sum256([]byte(want))
	if subtle.ConstantTimeCompare(got[:], sum[:]) != 1 {
		s.guard.Fail(src, key)
		s.log.Warn("api console login refused", "room", room.Number(), "remote", r.RemoteAddr, "reason", "wrong PIN")
		return &Error{Status: http.StatusForbidden, Field: "pin", Message: "wrong moderator PIN"}
	}
	s.guard.Succeed(src, key)
	if s.store == nil {
		return errNoStore
	}
	secret := make([]byte, tokenBytes)
	_, _ = rand.Read(secret) // crypto/rand.Read never fails (Go 1.24+)
	token := base64.RawURLEncoding.EncodeToString(secret)
	expires := s.now().Add(s.tokenTTL)
	t, err := s.store.CreateToken(r.Context(), store.Token{Hash: store.HashToken(token), Room: room.Number(),
		Role: string(bridge.RoleModerator), Label: consoleTokenLabel, ExpiresAt: &expires})
	if err != nil {
		return err
	}
	s.log.Info("api token minted", "room", t.Room, "token_id", t.ID, "role", t.Role, "label", t.Label,
		"by", "console login", "remote", r.RemoteAddr)
	writeJSON(w, http.StatusCreated, NewToken{ID: strconv.FormatInt(t.ID, 10), Token: token, Role: t.Role, Room: t.Room,
		Label: t.Label, ExpiresAt: t.ExpiresAt})
	return nil
}
