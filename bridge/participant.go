package bridge

import (
	"context"
	"sync"
	"time"

	"github.com/parleyhq/parley/mixer"
	"github.com/parleyhq/parley/prompts"
)

// Participant is a leg admitted into a room.
type Participant struct {
	// ID identifies the participant within its room.
	ID string
	// Name is the caller's display name or number.
	Name string
	// Via names the edge that carries the leg: "sip", "webrtc".
	Via string

	room *Room
	leg  Leg
	once sync.Once

	// Guest is true for someone who is neither the owner, a member nor a
	// moderator of a room that has an owner or members.
	Guest bool
	// Spectator is true for someone made a spectator by the room's quota.
	OverQuota bool
	// Joined is when the participant joined.
	Joined time.Time
	// LinkID is the guest or group link the participant came by; 0 if none.
	LinkID int64
	// Extension is the caller's extension number, when known.
	Extension string

	record int64 // attendance record ID, 0 when none

	mu    sync.Mutex
	role  Role // guarded by mu
	muted bool // guarded by mu
}

// Leave takes the participant out of the room; the last one to leave stops
// the mixer. It does not hang up the leg. Leave is idempotent.
func (p *Participant) Leave() {
	p.once.Do(func() { p.room.leave(p) })
}

func (r *Room) leave(p *Participant) {
	r.mu.Lock()
	if _, ok := r.members[p.ID]; !ok {
		r.mu.Unlock()
		return
	}
	delete(r.members, p.ID)
	r.mix.Remove(p.ID)
	left := len(r.members)
	r.checkGuests()
	var stopped *mixer.Room
	opened := false
	if left == 0 {
		stopped, r.mix = r.mix, nil
		// An empty room opens again, unless it empties because the process
		// stops: then the store keeps its lock for the restart.
		opened = r.locked && !r.bridge.stopping.Load()
		if opened {
			r.locked = false
		}
		r.announcer.Clear()
	}
	r.mu.Unlock()
	if opened {
		r.saveLock()
	}
	r.video.Left(p.ID)
	r.log.Info("participant left", "participant", p.ID, "participants", left)
	r.bridge.events.publish(Event{Type: EventLeft, Room: r.number, Participant: p.ID, Name: p.Name})
	if left > 0 {
		r.announce(prompts.Left)
	}
	p.mu.Lock()
	record := p.record
	p.mu.Unlock()
	if rec := r.bridge.records; rec != nil && record != 0 {
		if err := rec.RecordLeave(context.Background(), record, time.Now()); err != nil {
			r.log.Warn("attendance not recorded", "participant", p.ID, "err", err)
		}
	}
	r.recordQuality(p, record)
	if stopped != nil {
		r.bridge.metronome.Remove(stopped) // waits for a tick in progress
	}
}

// Role returns the participant's role.
func (p *Participant) Role() Role {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.role
}

// Muted reports whether the participant is muted.
func (p *Participant) Muted() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.muted
}

// SetMuted mutes or unmutes the participant from the next mixer tick on.
func (p *Participant) SetMuted(muted bool) {
	p.mu.Lock()
	p.muted = muted
	p.mu.Unlock()
	p.room.mu.Lock()
	defer p.room.mu.Unlock()
	if p.room.mix != nil {
		_ = p.room.mix.SetMuted(p.ID, muted) // ErrNotFound only once it has left
	}
	p.room.log.Info("participant muted", "participant", p.ID, "muted", muted)
	p.room.bridge.events.publish(Event{Type: EventMuted, Room: p.room.number, Participant: p.ID, Muted: boolPtr(muted)})
}

// SetRole changes the participant's role within one mixer tick: a
// spectator stops being mixed in, RoleNoAccess hangs up and removes them.
func (p *Participant) SetRole(role Role) {
	p.mu.Lock()
	p.role = role
	record := p.record
	p.mu.Unlock()
	r := p.room
	r.log.Info("participant role", "participant", p.ID, "role", string(role))
	r.bridge.events.publish(Event{Type: EventRole, Room: r.number, Participant: p.ID, Role: role})
	if rec := r.bridge.records; rec != nil && record != 0 {
		if err := rec.UpdateAttendanceRole(context.Background(), record, string(role)); err != nil {
			r.log.Warn("attendance not recorded", "participant", p.ID, "err", err)
		}
	}
	if role == RoleNoAccess {
		p.leg.Hangup("role set to no_access")
		p.Leave()
		return
	}
	p.room.video.SetHidden(p.ID, role.ListenOnly())
	p.room.mu.Lock()
	defer p.room.mu.Unlock()
	if p.room.mix != nil {
		_ = p.room.mix.SetListenOnly(p.ID, role.ListenOnly())
	}
}

// Hangup ends the participant's call and takes it out of the room.
func (p *Participant) Hangup(reason string) {
	p.leg.Hangup(reason)
	p.Leave()
}

// Talking reports whether the participant is talking, per the mixer.
func (p *Participant) Talking() bool {
	p.room.mu.Lock()
	defer p.room.mu.Unlock()
	return p.room.mix != nil && p.room.mix.Talking(p.ID)
}

// Room returns the room the participant is in.
func (p *Participant) Room() *Room { return p.room }

// MediaChanged tells the room that the participant's leg now has another
// format (a re-INVITE changed codec): the mixer takes it in again, with its
// mute and role kept, from the next tick on.
func (p *Participant) MediaChanged() error {
	p.mu.Lock()
	muted, role := p.muted, p.role
	p.mu.Unlock()
	r := p.room
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.mix == nil || r.members[p.ID] != p {
		return nil
	}
	r.mix.Remove(p.ID)
	return r.mix.Add(p.ID, p.leg, mixer.WithMuted(muted), mixer.WithListenOnly(role.ListenOnly()))
}
