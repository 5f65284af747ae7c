package sip

import (
	"errors"
	"strconv"
	"time"

	gosip "github.com/emiago/sipgo/sip"

	"github.com/parleyhq/parley/bridge"
)

// This file holds what a stopping process asks of the SIP edge: whether
// it still serves (Ready, for /readyz), how many calls are left (Calls,
// while it drains), and the refusal of new calls while the bridge drains.

// Ready returns nil while the server serves SIP on every listen address
// it bound: Start succeeded, Close was not called, and no listener has
// stopped on an error. Otherwise it says why not. It may be called from
// any goroutine once Start returned.
func (s *Server) Ready() error {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	switch {
	case closed:
		return errors.New("sip: closed")
	case len(s.Addrs()) == 0:
		return errors.New("sip: not listening")
	case s.listenerDown.Load():
		return errors.New("sip: a listener stopped")
	}
	return nil
}

// Calls returns how many calls the server carries: in and out, at the
// PIN prompt or in a room, answered and not yet ACKed.
func (s *Server) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.calls)
}

// drainRetryAfter is the Retry-After header (RFC 3261 §20.33) of an
// INVITE refused because the bridge drains.
func drainRetryAfter() gosip.Header {
	return gosip.NewHeader("Retry-After", strconv.Itoa(int(bridge.DrainRetryAfter/time.Second)))
}
