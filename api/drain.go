package api

import "net/http"

// Drainer starts and reports this server's drain (`parley serve`'s app):
// the first part of a stop, as on SIGTERM, without the stop.
type Drainer interface {
	// StartDrain starts the drain (later calls change nothing) and
	// returns its state.
	StartDrain() DrainState
	// DrainState returns the drain's state.
	DrainState() DrainState
}

// DrainState is the answer of GET and POST /api/v1/drain.
type DrainState struct {
	// Draining is true once a drain started (`parley drain`, SIGTERM).
	Draining bool `json:"draining"`
	// Cluster is true when this node drains through its cluster: new
	// rooms go to the other nodes, and its own rooms take new callers
	// until they empty; false while draining: every new call is refused.
	Cluster bool `json:"cluster"`
	// Calls is how many calls are in progress on this server.
	Calls int `json:"calls"`
}

// drainAPI serves /api/v1/drain.
type drainAPI struct {
	drainer Drainer // nil: 503
}

// start starts the drain: 200 with the DrainState, 503 without a drainer.
func (s *drainAPI) start(w http.ResponseWriter, r *http.Request) error {
	if s.drainer == nil {
		return &Error{Status: http.StatusServiceUnavailable, Message: "this server cannot drain"}
	}
	writeJSON(w, http.StatusOK, s.drainer.StartDrain())
	return nil
}

// state reports the drain: 200 with the DrainState, 503 without a
// drainer.
func (s *drainAPI) state(w http.ResponseWriter, r *http.Request) error {
	if s.drainer == nil {
		return &Error{Status: http.StatusServiceUnavailable, Message: "this server cannot drain"}
	}
	writeJSON(w, http.StatusOK, s.drainer.DrainState())
	return nil
}
