package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/dialplan"
	"github.com/parleyhq/parley/store"
)

// Error is the body of every error the API answers, and an error a handler
// returns to choose the status itself.
type Error struct {
	// Status is the HTTP status; it is not part of the body.
	Status int `json:"-"`
	// Message says what went wrong, for a person.
	Message string `json:"error"`
	// Field names the request field, path segment, query parameter or
	// header at fault: "to", "role", "caller_id", "number", "id",
	// "Authorization"; empty when no one field is.
	Field string `json:"field,omitempty"`
	// Rows lists every bad row of a CSV import (field "csv"), each with
	// its line number; absent otherwise.
	Rows []RowError `json:"rows,omitempty"`
	// Problems lists every problem of a config file a reload refused, each
	// as "FILE:LINE: message" (field "config"); absent otherwise.
	Problems []string `json:"problems,omitempty"`

	// bearerError is the RFC 6750 §3 error code of a 401, if any.
	bearerError string
	// retryAfter is the Retry-After of a 429 in seconds, if any.
	retryAfter int
	// expired marks the 401 of a token that has expired, which the guard
	// does not count as a wrong one.
	expired bool
}

// Error returns the message.
func (e *Error) Error() string { return e.Message }

// errNoBridge answers API calls when the handler was built without a bridge.
var errNoBridge = &Error{Status: http.StatusServiceUnavailable, Message: "the bridge is not running"}

// errNoStore answers the calls that change rooms or tokens when the handler
// was built without a store.
var errNoStore = &Error{Status: http.StatusServiceUnavailable, Message: "no store is configured: rooms and tokens cannot change"}

// storeRetryAfter is the Retry-After, in seconds, of a 503 for a database
// out of reach.
const storeRetryAfter = 5

// statusOf is the one place errors become HTTP statuses: it returns the
// *Error to send for err.
func statusOf(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	msg := err.Error()
	switch {
	case errors.Is(err, bridge.ErrUnknownRoom):
		return &Error{Status: http.StatusNotFound, Message: msg, Field: "number"}
	case errors.Is(err, bridge.ErrNoParticipant):
		return &Error{Status: http.StatusNotFound, Message: msg, Field: "id"}
	case errors.Is(err, dialplan.ErrBadTarget):
		return &Error{Status: http.StatusBadRequest, Message: msg, Field: "to"}
	case errors.Is(err, bridge.ErrBadRole):
		return &Error{Status: http.StatusBadRequest, Message: msg, Field: "role"}
	case errors.Is(err, dialplan.ErrBadCallerID):
		return &Error{Status: http.StatusBadRequest, Message: msg, Field: "caller_id"}
	case errors.Is(err, dialplan.ErrNotAllowed):
		return &Error{Status: http.StatusForbidden, Field: "to", Message: "toll-fraud guard: no call was placed: " + msg}
	case errors.Is(err, dialplan.ErrNotRegistered):
		return &Error{Status: http.StatusConflict, Message: msg, Field: "to"}
	case errors.Is(err, bridge.ErrFull):
		return &Error{Status: http.StatusConflict, Message: msg, Field: "number"}
	case errors.Is(err, bridge.ErrLocked):
		return &Error{Status: http.StatusLocked, Message: msg, Field: "number"}
	case errors.Is(err, bridge.ErrDraining):
		return &Error{Status: http.StatusServiceUnavailable, Message: "the service is restarting: no new calls; try again in a minute",
			retryAfter: int(bridge.DrainRetryAfter / time.Second)}
	case errors.Is(err, bridge.ErrNoDialer), errors.Is(err, bridge.ErrClosed):
		return &Error{Status: http.StatusServiceUnavailable, Message: msg}
	case errors.Is(err, bridge.ErrRoomExists), errors.Is(err, store.ErrExists):
		return &Error{Status: http.StatusConflict, Message: msg, Field: "number"}
	case errors.Is(err, store.ErrReadOnly):
		return &Error{Status: http.StatusForbidden, Field: "number",
			Message: "the room is defined in the config file: change it there, not through the API"}
	case errors.Is(err, store.ErrNotFound):
		return &Error{Status: http.StatusNotFound, Message: msg, Field: "number"}
	case errors.Is(err, store.ErrStarted):
		return &Error{Status: http.StatusConflict, Field: "participants",
			Message: "the conference has started: its participant list can no longer change"}
	case errors.Is(err, store.ErrInvalid):
		return &Error{Status: http.StatusBadRequest, Message: msg}
	case errors.Is(err, store.ErrUnavailable):
		return &Error{Status: http.StatusServiceUnavailable, retryAfter: storeRetryAfter,
			Message: "the database cannot be reached: calls go on, but nothing can be read or changed here until it is back; try again shortly"}
	}
	return &Error{Status: http.StatusInternalServerError, Message: "internal error"}
}

// handlerFunc is an API handler: it writes its answer, or returns an error
// for handle to answer.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// handle turns h into an http.Handler that answers h's error with statusOf.
func (s *server) handle(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := h(w, r)
		if err == nil {
			return
		}
		e := statusOf(err)
		if e.Status >= 500 {
			s.log.Error("api request failed", "method", r.Method, "path", r.URL.Path, "status", e.Status, "err", err.Error())
		}
		if e.Status == http.StatusUnauthorized {
			v := `Bearer realm="parley"`
			if e.bearerError != "" {
				v += `, error="` + e.bearerError + `"`
			}
			w.Header().Set("WWW-Authenticate", v)
		}
		if e.retryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(e.retryAfter))
		}
		writeJSON(w, e.Status, e)
	})
}

// writeJSON answers v as JSON with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v) // the client went away; nothing to do
}
