// Package api is Parley's HTTP surface for moderators, admins and
// monitoring: /healthz, and the REST API under /api/v1 (DESIGN.md, "The
// REST API"). Every /api/v1 call needs an admin bearer token, speaks JSON,
// and answers errors as {"error": "...", "field": "..."}; errors.go is the
// one place that turns an error into an HTTP status.
package api

import (
	"log/slog"
	"net/http"

	"github.com/parleyhq/parley/bridge"
)

// Readiness reports whether the bridge takes calls.
type Readiness interface {
	// Ready returns nil when Parley is ready, else why not.
	Ready() error
}

// Options configure the handler NewHandler returns.
type Options struct {
	// Ready answers /healthz; nil means always ready.
	Ready Readiness
	// Bridge serves the rooms the API acts on; nil answers every /api/v1
	// call that needs it with 503.
	Bridge *bridge.Bridge
	// AdminTokens are the bearer tokens that grant admin rights on
	// /api/v1. Empty strings are ignored; none at all refuses every call
	// with 401, saying admin_tokens is empty.
	AdminTokens []string
	// Logger receives one line per change made through the API and per
	// refused credential; nil means slog.Default().
	Logger *slog.Logger
}

// NewHandler returns the HTTP handler for every route Parley serves. It has
// no side effects; the handler is safe for concurrent use, and each request
// runs on the goroutine net/http gives it.
func NewHandler(opts Options) http.Handler {
	s := &server{bridge: opts.Bridge, log: opts.Logger, auth: newAuthenticator(opts.AdminTokens)}
	if s.log == nil {
		s.log = slog.Default()
	}
	ready := opts.Ready
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if ready != nil {
			if err := ready.Ready(); err != nil {
				w.WriteHeader(http.StatusServiceUnavailable)
				_, _ = w.Write([]byte("not ready: " + err.Error() + "\n"))
				return
			}
		}
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.Handle("/api/v1/", s.authenticate(s.routes()))
	return mux
}

// server holds what the /api/v1 handlers share. Its fields are set by
// NewHandler and only read afterwards.
type server struct {
	bridge *bridge.Bridge
	log    *slog.Logger
	auth   authenticator
}

// routes returns the /api/v1 endpoints. A path called with a method it does
// not serve gets 405 with an Allow header, an unknown path 404, both in JSON.
func (s *server) routes() http.Handler {
	mux := http.NewServeMux()
	route := func(path string, methods map[string]handlerFunc) {
		allow := ""
		for _, m := range []string{"GET", "POST", "PATCH", "DELETE"} {
			if h, ok := methods[m]; ok {
				mux.Handle(m+" "+path, s.handle(h))
				if allow != "" {
					allow += ", "
				}
				allow += m
			}
		}
		mux.Handle(path, s.handle(func(w http.ResponseWriter, r *http.Request) error {
			w.Header().Set("Allow", allow)
			return &Error{Status: http.StatusMethodNotAllowed, Message: r.Method + " is not allowed here: use " + allow}
		}))
	}
	const room = "/api/v1/rooms/{number}"
	route(room+"/dial", map[string]handlerFunc{"POST": s.dial})
	route(room+"/participants", map[string]handlerFunc{"GET": s.listParticipants})
	route(room+"/participants/{id}", map[string]handlerFunc{
		"GET": s.getParticipant, "PATCH": s.patchParticipant, "DELETE": s.deleteParticipant,
	})
	route(room+"/route", map[string]handlerFunc{"GET": s.route})
	mux.Handle("/api/v1/", s.handle(func(w http.ResponseWriter, r *http.Request) error {
		return &Error{Status: http.StatusNotFound, Message: "no such API endpoint: " + r.URL.Path}
	}))
	return mux
}

// room returns the room named by the {number} path segment.
func (s *server) room(r *http.Request) (*bridge.Room, error) {
	if s.bridge == nil {
		return nil, errNoBridge
	}
	return s.bridge.Room(r.PathValue("number"))
}
