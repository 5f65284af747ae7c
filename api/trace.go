package api

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/parleyhq/parley/trace"
)

// TraceSwitch is the SIP message trace: *trace.Switch, whose methods have
// the contracts documented there.
type TraceSwitch interface {
	// Start turns a rule on (trace.ErrFilter, trace.ErrTooMany).
	Start(f trace.Filter) (trace.Rule, error)
	// Stop turns one rule off (trace.ErrNotFound).
	Stop(id string) error
	// StopAll turns every rule off and says how many were on.
	StopAll() int
	// Rules lists the rules on.
	Rules() []trace.Rule
	// Follow streams the text of each traced message until stop.
	Follow() (texts <-chan []byte, stop func())
}

// TraceRequest is the body of POST /api/v1/trace: a source or a Call-ID.
type TraceRequest struct {
	// Source is an IP address or CIDR prefix: the messages from and to it.
	Source string `json:"source,omitempty"`
	// CallID traces the messages of one call.
	CallID string `json:"call_id,omitempty"`
	// ExpiresIn is the trace's life in seconds; 0 means 600, at most 3600.
	ExpiresIn int64 `json:"expires_in,omitempty"`
}

// Trace is a SIP message trace that is on.
type Trace struct {
	// ID names the trace for DELETE /api/v1/trace/rules/{id}.
	ID string `json:"id"`
	// Source is the address range traced (CIDR); empty for a Call-ID.
	Source string `json:"source,omitempty"`
	// CallID is the Call-ID traced; empty for a source.
	CallID string `json:"call_id,omitempty"`
	// ExpiresAt is when the trace stops by itself.
	ExpiresAt time.Time `json:"expires_at"`
}

// TracesStopped answers DELETE /api/v1/trace.
type TracesStopped struct {
	// Stopped is how many traces were on.
	Stopped int `json:"stopped"`
}

// traceAPI serves the SIP trace switch, for admins only.
type traceAPI struct {
	shared
	sw   TraceSwitch     // nil: 503
	done <-chan struct{} // closed as the server shuts down; ends streams
}

// errNoTrace answers the trace calls of a handler built without one.
var errNoTrace = &Error{Status: http.StatusServiceUnavailable, Message: "the SIP trace is not available"}

func traceState(r trace.Rule) Trace {
	t := Trace{ID: r.ID, CallID: r.CallID, ExpiresAt: r.Expires.UTC()}
	if r.Source.IsValid() {
		t.Source = r.Source.String()
	}
	return t
}

// listTraces serves GET /api/v1/trace: the traces on.
func (s *traceAPI) listTraces(w http.ResponseWriter, r *http.Request) error {
	if s.sw == nil {
		return errNoTrace
	}
	rules := s.sw.Rules()
	out := make([]Trace, len(rules))
	for i, rule := range rules {
		out[i] = traceState(rule)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// startTrace serves POST /api/v1/trace: 201 with the trace.
func (s *traceAPI) startTrace(w http.ResponseWriter, r *http.Request) error {
	var req TraceRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	bad := func(field, format string, args ...any) error {
		return &Error{Status: http.StatusBadRequest, Field: field, Message: fmt.Sprintf(format, args...)}
	}
	req.Source, req.CallID = strings.TrimSpace(req.Source), strings.TrimSpace(req.CallID)
	var f trace.Filter
	switch {
	case req.Source != "" && req.CallID != "":
		return bad("source", "give source or call_id, not both")
	case req.Source == "" && req.CallID == "":
		return bad("source", "source (an IP address or CIDR prefix) or call_id is required")
	case req.Source != "":
		p, err := trace.ParseSource(req.Source)
		if err != nil {
			return bad("source", "source %q: want an IP address or a CIDR prefix such as 192.0.2.0/24", req.Source)
		}
		f.Source = p
	default:
		f.CallID = req.CallID
	}
	if req.ExpiresIn < 0 || req.ExpiresIn > int64(trace.MaxTTL/time.Second) {
		return bad("expires_in", "expires_in %d: want 1 to %d seconds, or 0 for %d", req.ExpiresIn,
			int64(trace.MaxTTL/time.Second), int64(trace.DefaultTTL/time.Second))
	}
	f.TTL = time.Duration(req.ExpiresIn) * time.Second
	if s.sw == nil {
		return errNoTrace
	}
	rule, err := s.sw.Start(f)
	switch {
	case errors.Is(err, trace.ErrTooMany):
		return &Error{Status: http.StatusConflict, Message: err.Error()}
	case errors.Is(err, trace.ErrFilter):
		return bad("call_id", "%s", err.Error())
	case err != nil:
		return err
	}
	st := traceState(rule)
	s.log.Info("api sip trace started", "trace", st.ID, "source", st.Source, "call_id", st.CallID,
		"expires", st.ExpiresAt, "by", principalOf(r).String(), "remote", r.RemoteAddr)
	w.Header().Set("Location", "/api/v1/trace/rules/"+st.ID)
	writeJSON(w, http.StatusCreated, st)
	return nil
}

// stopTrace serves DELETE /api/v1/trace/rules/{id}: 204, or 404.
func (s *traceAPI) stopTrace(w http.ResponseWriter, r *http.Request) error {
	if s.sw == nil {
		return errNoTrace
	}
	id := r.PathValue("id")
	if err := s.sw.Stop(id); err != nil {
		return &Error{Status: http.StatusNotFound, Field: "id", Message: fmt.Sprintf("no trace %q is on", id)}
	}
	s.log.Info("api sip trace stopped", "trace", id, "by", principalOf(r).String(), "remote", r.RemoteAddr)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// stopTraces serves DELETE /api/v1/trace: every trace off.
func (s *traceAPI) stopTraces(w http.ResponseWriter, r *http.Request) error {
	if s.sw == nil {
		return errNoTrace
	}
	n := s.sw.StopAll()
	s.log.Info("api sip traces stopped", "stopped", n, "by", principalOf(r).String(), "remote", r.RemoteAddr)
	writeJSON(w, http.StatusOK, TracesStopped{Stopped: n})
	return nil
}

// traceWriteTimeout is how long the client of a stream has to take each
// message.
const traceWriteTimeout = 30 * time.Second

// followTraces serves GET /api/v1/trace/stream: the text of each traced
// message, as it is traced, until the client goes, the server shuts down
// or the trace closes. It traces nothing by itself: start a trace too.
func (s *traceAPI) followTraces(w http.ResponseWriter, r *http.Request) error {
	if s.sw == nil {
		return errNoTrace
	}
	texts, stop := s.sw.Follow()
	defer stop()
	s.log.Info("api sip trace followed", "by", principalOf(r).String(), "remote", r.RemoteAddr)
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	if err := rc.Flush(); err != nil {
		return nil // the client went away
	}
	for {
		select {
		case <-r.Context().Done():
			return nil
		case <-s.done:
			return nil
		case text, ok := <-texts:
			if !ok {
				return nil
			}
			_ = rc.SetWriteDeadline(time.Now().Add(traceWriteTimeout))
			if _, err := w.Write(text); err != nil {
				return nil
			}
			if err := rc.Flush(); err != nil {
				return nil
			}
		}
	}
}
