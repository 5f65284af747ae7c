package bridge

import (
	"sort"
)

// Dials returns the room's calls out in the order they were placed: those
// still ringing, those that failed, and those that were answered (whose
// callee is, or was, a participant with the same ID). The API lists the
// ones that are not in the room next to the participants. Each Dial's
// Status is read under its own lock, so the list may be stale by the time
// the caller reads it.
func (r *Room) Dials() []*Dial {
	r.mu.Lock()
	out := make([]*Dial, 0, len(r.dials))
	for _, d := range r.dials {
		out = append(out, d)
	}
	r.mu.Unlock()
	sortByID(out, func(d *Dial) string { return d.ParticipantID })
	return out
}

// maxDials is how many calls out a room remembers; past it, the oldest
// finished ones are forgotten.
const maxDials = 200

// forgetOldDials drops the oldest finished calls out past maxDials, so that
// they do not pile up over the room's life. r.mu must be held.
func (r *Room) forgetOldDials() {
	if len(r.dials) <= maxDials {
		return
	}
	ids := make([]string, 0, len(r.dials))
	for id := range r.dials {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return idNumber(ids[i]) < idNumber(ids[j]) })
	for _, id := range ids {
		if len(r.dials) <= maxDials {
			return
		}
		select {
		case <-r.dials[id].Done():
			delete(r.dials, id)
		default:
		}
	}
}
