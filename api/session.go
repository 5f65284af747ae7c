package api

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/parleyhq/parley/accounts"
)

// This file is the web sign-in: POST /api/v1/session signs a user in
// (package accounts: local users, LDAP) and sets the session cookie, GET
// says who is signed in, DELETE signs out. A request that carries the
// cookie and no Authorization header is the session's user (guard); one
// that changes anything must also carry the session's CSRF token in
// X-CSRF-Token. Bearer tokens need no CSRF token: a browser never sends
// them by itself.

// SignIner checks a user's password: *accounts.Accounts.
type SignIner interface {
	// SignIn returns the user with its role, or an error wrapping
	// accounts.ErrInvalid or accounts.ErrUnavailable.
	SignIn(ctx context.Context, login, password string) (accounts.User, error)
}

// The session cookie and the CSRF header.
const (
	sessionCookie = "parley_session"
	csrfHeader    = "X-CSRF-Token"
)

// SessionRequest is the body of POST /api/v1/session.
type SessionRequest struct {
	// User is the login: an extension number or a directory login.
	User string `json:"user"`
	// Password is the web password (never the SIP password).
	Password string `json:"password"`
}

// SessionInfo answers POST and GET /api/v1/session.
type SessionInfo struct {
	// User is who is signed in, with the role.
	User accounts.User `json:"user"`
	// CSRFToken must be sent as X-CSRF-Token with every change made with
	// the session cookie.
	CSRFToken string `json:"csrf_token"`
	// ExpiresAt is when the session ends at the latest (it ends sooner
	// when idle).
	ExpiresAt time.Time `json:"expires_at"`
}

// sessionAPI serves /api/v1/session.
type sessionAPI struct {
	shared
	accounts SignIner // nil: sign-in is not configured
	sessions *accounts.Sessions
	guard    Limiter
	// httpsURL is set when http.public_url is https: cookies are Secure
	// even when a proxy ends TLS before Parley.
	httpsURL bool
}

// login serves POST /api/v1/session.
func (s *sessionAPI) login(w http.ResponseWriter, r *http.Request) error {
	if s.accounts == nil {
		return &Error{Status: http.StatusServiceUnavailable, Message: "web sign-in is not configured"}
	}
	var req SessionRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.User == "" {
		return &Error{Status: http.StatusBadRequest, Field: "user", Message: "user is required"}
	}
	if req.Password == "" {
		return &Error{Status: http.StatusBadRequest, Field: "password", Message: "password is required"}
	}
	src := clientIP(r)
	key := strings.ToLower(req.User)
	if wait, banned := s.guard.Check(src, key); banned || wait > 0 {
		return tooMany("password", wait)
	}
	u, err := s.accounts.SignIn(r.Context(), req.User, req.Password)
	switch {
	case errors.Is(err, accounts.ErrInvalid):
		s.guard.Fail(src, key)
		s.log.Warn("sign-in refused", "remote", r.RemoteAddr, "user", req.User)
		return &Error{Status: http.StatusUnauthorized, Field: "password", Message: "wrong user name or password"}
	case errors.Is(err, accounts.ErrUnavailable):
		s.log.Error("sign-in: directory unavailable", "remote", r.RemoteAddr, "user", req.User, "err", err)
		return &Error{Status: http.StatusServiceUnavailable,
			Message: "the directory (LDAP) cannot be reached: directory users cannot sign in now, local users still can; try again later"}
	case err != nil:
		return err
	}
	s.guard.Succeed(src, key)
	ss := s.sessions.Create(u)
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: ss.ID, Path: "/", HttpOnly: true,
		Secure: r.TLS != nil || s.httpsURL, SameSite: http.SameSiteStrictMode,
		MaxAge: int(s.sessions.MaxAge() / time.Second)})
	s.log.Info("signed in", "remote", r.RemoteAddr, "user", u.Login, "role", u.Role, "source", u.Source)
	writeJSON(w, http.StatusCreated, s.info(ss))
	return nil
}

// whoami serves GET /api/v1/session.
func (s *sessionAPI) whoami(w http.ResponseWriter, r *http.Request) error {
	ss, err := s.session(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.info(ss))
	return nil
}

// logout serves DELETE /api/v1/session: the session ends on the server,
// and the cookie is cleared.
func (s *sessionAPI) logout(w http.ResponseWriter, r *http.Request) error {
	ss, err := s.session(r)
	if err != nil {
		return err
	}
	if err := checkCSRF(r, ss); err != nil {
		return err
	}
	s.sessions.Delete(ss.ID)
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true,
		Secure: r.TLS != nil || s.httpsURL, SameSite: http.SameSiteStrictMode, MaxAge: -1})
	s.log.Info("signed out", "remote", r.RemoteAddr, "user", ss.User.Login)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *sessionAPI) info(ss accounts.Session) SessionInfo {
	return SessionInfo{User: ss.User, CSRFToken: ss.CSRF, ExpiresAt: ss.Created.Add(s.sessions.MaxAge()).UTC()}
}

// hasCookie reports whether r carries a session cookie.
func hasCookie(r *http.Request) bool {
	_, err := r.Cookie(sessionCookie)
	return err == nil
}

// session returns r's live session, or a 401 *Error.
func (s *sessionAPI) session(r *http.Request) (accounts.Session, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return accounts.Session{}, &Error{Status: http.StatusUnauthorized, Message: "not signed in"}
	}
	ss, ok := s.sessions.Get(c.Value)
	if !ok {
		return accounts.Session{}, &Error{Status: http.StatusUnauthorized,
			Message: "the session has ended (signed out or expired): sign in again"}
	}
	return ss, nil
}

// principal returns who r's session cookie speaks for, and checks the
// CSRF token of a request that may change something.
func (s *sessionAPI) principal(r *http.Request) (principal, error) {
	ss, err := s.session(r)
	if err != nil {
		return principal{}, err
	}
	if err := checkCSRF(r, ss); err != nil {
		return principal{}, err
	}
	u := ss.User
	return principal{admin: u.Role == accounts.RoleAdmin, operator: u.Role == accounts.RoleOperator,
		login: u.Login, extension: u.Extension, callerID: u.CallerID}, nil
}

// checkCSRF refuses a state change (any method but GET, HEAD, OPTIONS)
// whose X-CSRF-Token is not ss's.
func checkCSRF(r *http.Request, ss accounts.Session) error {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return nil
	}
	got := r.Header.Get(csrfHeader)
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(ss.CSRF)) != 1 {
		return &Error{Status: http.StatusForbidden, Field: csrfHeader,
			Message: "missing or wrong " + csrfHeader + ": send the csrf_token of GET /api/v1/session with every change"}
	}
	return nil
}
