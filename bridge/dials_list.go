package bridge

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
