package config

import (
	"testing"
	"time"

	"github.com/parleyhq/parley/rules"
)

// TestRoomGuestWaitDefault: a config room that leaves guest_wait out gets
// the same default as a room made through the API (rules.DefaultGuestWait,
// 10m), so both show "10m0s"; one that writes it keeps it.
func TestRoomGuestWaitDefault(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       time.Duration
	}{
		{"left out", "rooms:\n  - number: \"1\"\n", 10 * time.Minute},
		{"written", "rooms:\n  - number: \"1\"\n    guest_wait: 45s\n", 45 * time.Second},
		{"written zero", "rooms:\n  - number: \"1\"\n    guest_wait: 0s\n", 0},
	} {
		c, err := Parse("f.yaml", []byte(tc.yaml), WithLookupEnv(env(nil)))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := c.Rooms[0].GuestWait; got != tc.want {
			t.Errorf("%s: guest_wait %v, want %v", tc.name, got, tc.want)
		}
	}
	if rules.DefaultGuestWait != 10*time.Minute {
		t.Errorf("rules.DefaultGuestWait = %v, want the documented 10m", rules.DefaultGuestWait)
	}
	for _, r := range Default().Rooms {
		if r.GuestWait != rules.DefaultGuestWait {
			t.Errorf("default room %s: guest_wait %v", r.Number, r.GuestWait)
		}
	}
}
