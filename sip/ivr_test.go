package sip

import (
	"testing"
	"time"

	"github.com/parleyhq/parley/bridge"
)

// TestModeratorPINOnly: a room with only a moderator PIN asks moderators
// for it and lets everyone else in as the room decides: with the hash key
// at once, or by saying nothing for a short while (not the 15 s a PIN
// prompt waits); the moderator PIN makes a moderator, a wrong one is
// refused and asked again.
func TestModeratorPINOnly(t *testing.T) {
	h := newHarness(t)
	room, err := h.s.bridge.Room("1000")
	if err != nil {
		t.Fatal(err)
	}
	set := room.Settings()
	set.ModeratorPIN = "4321"
	room.Update(set)
	// The prompt lasts about 5.7 s: joining must come within it and
	// optionalPINTimeout (3 s), with room to spare, and well before the
	// prompt's end and pinTimeout (15 s).
	within := 12 * time.Second
	for _, tc := range []struct {
		name   string
		digits string
		want   bridge.Role
		within time.Duration
	}{
		{"hash", "#", "", 3 * time.Second},
		{"moderator PIN", "4321#", bridge.RoleModerator, 3 * time.Second},
		{"wrong, then hash", "99#", "", 3*time.Second + pinPenalty},
		{"says nothing", "", "", within},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, release := h.establishCall(t, sdpOffer)
			defer release()
			type result struct {
				role bridge.Role
				ok   bool
			}
			done := make(chan result, 1)
			go func() {
				role, ok := c.admit(room)
				done <- result{role, ok}
			}()
			for _, d := range tc.digits {
				c.onDigit(d)
				if d == '#' && tc.name == "wrong, then hash" {
					c.onDigit('#') // the second try: hash alone
					break
				}
			}
			select {
			case r := <-done:
				if !r.ok || r.role != tc.want {
					t.Errorf("admit = %q, %v; want %q, true", r.role, r.ok, tc.want)
				}
			case <-time.After(tc.within):
				t.Fatalf("not admitted within %v", tc.within)
			}
		})
	}
}
