package bridge

import (
	"time"

	"github.com/parleyhq/parley/prompts"
)

// SetLocked locks or unlocks the room; a locked room admits moderators only.
func (r *Room) SetLocked(locked bool) {
	r.mu.Lock()
	r.locked = locked
	r.mu.Unlock()
	r.saveLock()
	r.log.Info("room lock", "locked", locked)
	r.bridge.events.publish(Event{Type: EventLocked, Room: r.number, Locked: boolPtr(locked)})
}

// Locked reports whether the room is locked.
func (r *Room) Locked() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.locked
}

// MuteAllExcept mutes every participant but the one with ID keep and the
// links to other nodes (their callers are muted where they are, through
// SetOnMuteAll's hook).
func (r *Room) MuteAllExcept(keep string) {
	if f := r.bridge.onMuteAll.Load(); f != nil {
		(*f)(r.number, keep)
	}
	for _, p := range r.Participants() {
		if p.ID != keep && p.Via != ViaCascade { // a link is no caller
			p.SetMuted(true)
		}
	}
}

// End hangs up every participant: the conference is over.
func (r *Room) End(reason string) {
	r.log.Info("conference ended", "reason", reason)
	if f := r.bridge.onEnd.Load(); f != nil {
		(*f)(r.number)
	}
	r.bridge.events.publish(Event{Type: EventEnded, Room: r.number})
	for _, p := range r.Participants() {
		p.Hangup(reason)
	}
}

// EndWithGoodbye plays clip to everyone and then ends the conference. It
// returns at once; the bridge owns the wait and cuts it short on Close.
func (r *Room) EndWithGoodbye(clip prompts.Clip, reason string) {
	r.Announce(clip)
	b := r.bridge
	b.dialWG.Add(1)
	go func() {
		defer b.dialWG.Done()
		select {
		case <-time.After(clip.Duration() + 300*time.Millisecond):
		case <-b.ctx.Done():
		}
		r.End(reason)
	}()
}
