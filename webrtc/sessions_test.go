package webrtc

import (
	"errors"
	"fmt"
	"testing"

	"github.com/parleyhq/parley/bridge"
)

// TestSessionOutcomes checks how Handle's results are counted in
// Stats.Sessions, wrapped errors included.
func TestSessionOutcomes(t *testing.T) {
	tests := []struct {
		err  error
		want SessionOutcome
	}{
		{nil, SessionEnded},
		{bridge.ErrLocked, SessionRefused},
		{fmt.Errorf("join: %w", bridge.ErrFull), SessionRefused},
		{bridge.ErrUnknownRoom, SessionRefused},
		{ErrConnectTimeout, SessionConnectFailed},
		{fmt.Errorf("pc: %w", ErrConnectionFailed), SessionConnectFailed},
		{ErrBadOffer, SessionFailed},
		{ErrClosed, SessionFailed},
		{errors.New("websocket: close 1006"), SessionFailed},
	}
	var c counters
	want := make(map[SessionOutcome]uint64)
	for _, tt := range tests {
		c.sessionEnded(tt.err)
		want[tt.want]++
	}
	got := c.sessionCounts()
	for _, o := range sessionOutcomes {
		if got[o] != want[o] {
			t.Errorf("sessions %s = %d, want %d", o, got[o], want[o])
		}
	}
	if len(got) != len(sessionOutcomes) {
		t.Errorf("sessionCounts() has %d outcomes, want %d: %v", len(got), len(sessionOutcomes), got)
	}
}
