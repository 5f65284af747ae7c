package e2e

import (
	"testing"
	"time"
)

// TestPINModeratorOnly calls a room that has a moderator PIN and no
// attendee PIN with sipp: the moderator PIN (RFC 4733) joins as moderator;
// the hash key alone, or saying nothing through the prompt (about 6 s) and
// the 3 s after it, joins as attendee.
func TestPINModeratorOnly(t *testing.T) {
	t.Parallel()
	cfg := roomConfig + `    moderator_pin: "9999"
`
	for _, tt := range []struct {
		name  string
		steps []sippStep
		role  string
	}{
		{"moderator", []sippStep{{pause: 2 * time.Second, dtmf: "9999#"}, {pause: 3 * time.Second}}, "moderator"},
		{"hash", []sippStep{{pause: 2 * time.Second, dtmf: "#"}, {pause: 3 * time.Second}}, "attendee"},
		{"silence", []sippStep{{pause: 14 * time.Second}}, "attendee"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := startParley(t, cfg)
			runPinSipp(t, srv, "pin_rfc4733.xml", pinReplace(t, tt.steps, false))
			checkJoined(t, srv, tt.role)
		})
	}
}
