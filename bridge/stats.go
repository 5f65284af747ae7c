package bridge

import "github.com/parleyhq/parley/mixer"

// ParticipantKey groups a room's participants for metrics: by role and by
// the edge that carries them.
type ParticipantKey struct {
	// Role is the participants' role.
	Role Role
	// Via is the edge: "sip", "webrtc"; empty when the edge did not say.
	Via string
}

// RoomStats are a snapshot of one room, for metrics.
type RoomStats struct {
	// Number is the room's number.
	Number string
	// Participants counts the room's participants by role and edge; it is
	// empty (not nil) for an empty room.
	Participants map[ParticipantKey]int
	// Mixing is true while the room's mixer runs, that is while the room
	// has participants.
	Mixing bool
	// Mixer are the running mixer's counters; zero when Mixing is false.
	// They start again from zero each time the room's mixer starts.
	Mixer mixer.Stats
}

// RoomStats returns a snapshot of every room, by number. It may be called
// from any goroutine; it holds each room's lock only to copy its member
// list, and reads the mixer's counters after letting go of it.
func (b *Bridge) RoomStats() []RoomStats {
	rooms := b.Rooms()
	out := make([]RoomStats, len(rooms))
	for i, r := range rooms {
		out[i] = r.Stats()
	}
	return out
}

// Stats returns a snapshot of the room: its participants by role and edge,
// and its mixer's counters. It may be called from any goroutine.
func (r *Room) Stats() RoomStats {
	r.mu.Lock()
	members := make([]*Participant, 0, len(r.members))
	for _, p := range r.members {
		members = append(members, p)
	}
	mix := r.mix
	r.mu.Unlock()

	s := RoomStats{Number: r.number, Participants: make(map[ParticipantKey]int, 2)}
	for _, p := range members {
		s.Participants[ParticipantKey{Role: p.Role(), Via: p.Via}]++
	}
	if mix != nil { // Stats is safe on a mixer that has stopped meanwhile
		s.Mixing = true
		s.Mixer = mix.Stats()
	}
	return s
}
