package rules

import "slices"

// The names of the events the bridge publishes, a room's and the
// reload's (package bridge's EventType values), as the events stream, the
// webhooks, the config file's webhook filters and the OpenAPI document
// spell them.
const (
	// EventJoined: a participant entered the room.
	EventJoined = "joined"
	// EventLeft: a participant left the room.
	EventLeft = "left"
	// EventTalking: a participant started or stopped talking.
	EventTalking = "talking"
	// EventMuted: a participant was muted or unmuted.
	EventMuted = "muted"
	// EventRole: a participant's role changed.
	EventRole = "role"
	// EventDial: a call out progressed (ringing, answered, busy, …).
	EventDial = "dial"
	// EventLocked: the room was locked or unlocked.
	EventLocked = "locked"
	// EventEnded: the conference was ended for everyone.
	EventEnded = "ended"
	// EventReloaded: the config file was reloaded; it names no room, and
	// says what changed ("rooms +1000 -2000, trunks ~pstn").
	EventReloaded = "reloaded"
)

// Events returns the name of every event a room publishes, in the order
// above; the slice is the caller's.
func Events() []string {
	return []string{EventJoined, EventLeft, EventTalking, EventMuted, EventRole, EventDial, EventLocked, EventEnded, EventReloaded}
}

// IsEvent reports whether name is the name of an event a room publishes.
func IsEvent(name string) bool {
	return slices.Contains(Events(), name)
}
