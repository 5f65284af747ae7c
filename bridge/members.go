package bridge

import (
	"errors"
	"fmt"
	"sort"
)

// ErrNoParticipant means no participant has the given ID.
var ErrNoParticipant = errors.New("no such participant")

// Len returns how many participants are in the room.
func (r *Room) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.members)
}

// Participants returns the participants in the order they joined.
func (r *Room) Participants() []*Participant {
	r.mu.Lock()
	out := make([]*Participant, 0, len(r.members))
	for _, p := range r.members {
		out = append(out, p)
	}
	r.mu.Unlock()
	sortByID(out, func(p *Participant) string { return p.ID })
	return out
}

// sortByID sorts participants or dials by their numeric participant ID,
// which is the order they came in.
func sortByID[T any](list []T, id func(T) string) {
	sort.Slice(list, func(i, j int) bool {
		return idNumber(id(list[i])) < idNumber(id(list[j]))
	})
}

// Participant returns the participant with the given ID, or ErrNoParticipant.
func (r *Room) Participant(id string) (*Participant, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p, ok := r.members[id]
	if !ok {
		return nil, fmt.Errorf("%w %q in room %s", ErrNoParticipant, id, r.number)
	}
	return p, nil
}

// ByLink returns the participants who came by the link with ID id, so that
// a change to the link (its role, its deletion) reaches them at once.
func (r *Room) ByLink(id int64) []*Participant {
	var out []*Participant
	for _, p := range r.Participants() {
		if p.LinkID == id {
			out = append(out, p)
		}
	}
	return out
}

// HasExtension reports whether a participant calling from extension ext is
// in the room.
func (r *Room) HasExtension(ext string) bool {
	if ext == "" {
		return false
	}
	for _, p := range r.Participants() {
		if p.Extension == ext {
			return true
		}
	}
	return false
}
