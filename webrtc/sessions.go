package webrtc

import (
	"errors"

	"github.com/parleyhq/parley/bridge"
)

// SessionOutcome is how a guest's call ended, as Stats.Sessions counts it.
type SessionOutcome string

// The outcomes of a guest's call: Handle returned nil (the guest left or
// Parley hung up), the room refused the guest (locked, full, unknown),
// the PeerConnection never connected or failed (ErrConnectTimeout,
// ErrConnectionFailed), or anything else went wrong (signalling, a bad
// offer or answer, the server closing).
const (
	SessionEnded         SessionOutcome = "ended"
	SessionRefused       SessionOutcome = "refused"
	SessionConnectFailed SessionOutcome = "connect_failed"
	SessionFailed        SessionOutcome = "failed"
)

// sessionOutcomes lists every SessionOutcome, in the order of the counters.
var sessionOutcomes = [...]SessionOutcome{SessionEnded, SessionRefused, SessionConnectFailed, SessionFailed}

// outcomeOf classifies Handle's result.
func outcomeOf(err error) int {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, bridge.ErrLocked), errors.Is(err, bridge.ErrFull), errors.Is(err, bridge.ErrUnknownRoom):
		return 1
	case errors.Is(err, ErrConnectTimeout), errors.Is(err, ErrConnectionFailed):
		return 2
	}
	return 3
}

// sessionEnded counts a guest's call that ended with err.
func (c *counters) sessionEnded(err error) { c.sessions[outcomeOf(err)].Add(1) }

// sessionCounts returns the sessions counted so far, every outcome present.
func (c *counters) sessionCounts() map[SessionOutcome]uint64 {
	m := make(map[SessionOutcome]uint64, len(sessionOutcomes))
	for i, o := range sessionOutcomes {
		m[o] = c.sessions[i].Load()
	}
	return m
}
