package api

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/guard"
	"github.com/parleyhq/parley/store"
)

// TokenFinder finds room tokens for authentication: *store.DB.
type TokenFinder interface {
	// TokenByHash finds a token by store.HashToken of its secret
	// (store.ErrNotFound).
	TokenByHash(ctx context.Context, hash []byte) (store.Token, error)
}

// authenticator checks bearer tokens (RFC 6750 §2.1): admin tokens from
// the config, and room tokens minted through the API and kept in the store
// as their SHA-256. Of admin tokens it keeps only the SHA-256 and compares
// digests in constant time, so the time a check takes depends neither on
// where a guess first differs nor on its length.
//
// Every wrong token counts against the client's address in lim (the key is
// the address too, so that one broken client slows no one else); a client
// lim holds off gets 429 before its token is looked at. An expired token
// is not counted: it was right once, it guesses nothing.
type authenticator struct {
	sums  [][sha256.Size]byte
	store TokenFinder // nil: admin tokens only
	now   func() time.Time
	lim   Limiter
}

func newAuthenticator(tokens []string, st TokenFinder, now func() time.Time, lim Limiter) authenticator {
	a := authenticator{store: st, now: now, lim: lim}
	for _, t := range tokens {
		if t != "" { // an unset ${VAR} must never authenticate
			a.sums = append(a.sums, sha256.Sum256([]byte(t)))
		}
	}
	return a
}

// check returns who r's token speaks for when r carries "Authorization:
// Bearer TOKEN" (or, if query is set, ?token=TOKEN) with an admin token or
// a room token that has not expired; else an *Error with status 401, or
// 429 while the guard holds the client off.
func (a authenticator) check(r *http.Request, query bool) (principal, error) {
	if len(a.sums) == 0 && a.store == nil {
		return principal{}, &Error{Status: http.StatusUnauthorized,
			Message: "the admin API is disabled: admin_tokens is empty in the config"}
	}
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	token = strings.TrimSpace(token)
	field := "Authorization"
	if h == "" && query && r.URL.Query().Has("token") {
		token, ok, scheme, field = r.URL.Query().Get("token"), true, "Bearer", "token"
	}
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return principal{}, &Error{Status: http.StatusUnauthorized, Field: field,
			Message: "missing credentials: send Authorization: Bearer TOKEN with an admin or room token"}
	}
	src := clientIP(r)
	key := guard.Source(src).String()
	if wait, banned := a.lim.Check(src, key); banned || wait > 0 {
		return principal{}, tooMany(field, wait)
	}
	p, err := a.lookup(r, token, field)
	var e *Error
	switch {
	case err == nil:
		a.lim.Succeed(src, key)
	case errors.As(err, &e) && e.bearerError == "invalid_token" && !e.expired:
		a.lim.Fail(src, key)
	}
	return p, err
}

// lookup returns who token speaks for, or why it does not.
func (a authenticator) lookup(r *http.Request, token, field string) (principal, error) {
	got := sha256.Sum256([]byte(token))
	match := 0
	for i := range a.sums { // every token is compared, whichever matches
		match |= subtle.ConstantTimeCompare(got[:], a.sums[i][:])
	}
	if match == 1 {
		return principal{admin: true}, nil
	}
	if a.store == nil {
		return principal{}, &Error{Status: http.StatusUnauthorized, Field: field, Message: "invalid admin token",
			bearerError: "invalid_token"}
	}
	t, err := a.store.TokenByHash(r.Context(), got[:])
	switch {
	case errors.Is(err, store.ErrNotFound):
		return principal{}, &Error{Status: http.StatusUnauthorized, Field: field,
			Message: "invalid token: neither an admin token nor a room token", bearerError: "invalid_token"}
	case err != nil:
		return principal{}, fmt.Errorf("authenticate: %w", err)
	case t.Expired(a.now()):
		return principal{}, &Error{Status: http.StatusUnauthorized, Field: field, expired: true,
			Message:     "token expired at " + t.ExpiresAt.UTC().Format(time.RFC3339) + ": sign in again or ask for a new token",
			bearerError: "invalid_token"}
	}
	role := bridge.Role(t.Role)
	if role != bridge.RoleModerator {
		role = bridge.RoleAttendee // whatever else was stored grants no more than reading
	}
	return principal{room: t.Room, role: role, tokenID: t.ID, extension: t.Extension}, nil
}
