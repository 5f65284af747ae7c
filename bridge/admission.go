package bridge

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/parleyhq/parley/mixer"
	"github.com/parleyhq/parley/prompts"
	"github.com/parleyhq/parley/store"
)

// Errors of a room's admission.
var (
	// ErrLocked means the room is locked and only moderators may join.
	ErrLocked = errors.New("room locked")
	// ErrFull means the room is at its capacity.
	ErrFull = errors.New("room full")
)

// joiner is a Leg that wants to know its Participant, for example to act on
// the keys a phone user presses.
type joiner interface {
	// Joined is called once, by Join, with r.mu held: it must not call
	// back into the room.
	Joined(p *Participant)
}

// JoinOptions describe who joins.
type JoinOptions struct {
	// Name is the display name.
	Name string
	// Role is the role to join with; empty is RoleAttendee.
	Role Role
	// Via names the edge: "sip", "h323", "webrtc".
	Via string
	// ID, when set, is the participant ID reserved by Room.Dial.
	ID string
	// Extension is the caller's extension number when the edge knows it
	// (a registered phone); it makes the owner and members who they are.
	Extension string
	// Source is how they came, for attendance: dial_in, extension, number,
	// sip_address, h323_address, guest_link, group_link, browser.
	Source string
	// Address is the extension, number, SIP address or link ID they came by.
	Address string
	// Email is the participant's email, when known.
	Email string
	// LinkID is the guest or group link the participant came by; 0 if none.
	LinkID int64
}

// sayer is a Leg that can play prompts to its caller alone.
type sayer interface {
	// Say queues clips for the caller; they play instead of the room.
	Say(clips ...prompts.Clip)
}

// Join admits leg into the room. A locked room admits moderators only
// (ErrLocked); a room at its capacity nobody (ErrFull). Without an explicit
// role, the owner joins as owner and everyone else as attendee (guests with
// the room's guest role). Past the quota, newcomers other than moderators
// join as spectators (OverQuota). The first participant starts the mixer;
// the leg is mixed from the next tick on.
func (r *Room) Join(leg Leg, o JoinOptions) (*Participant, error) {
	if o.Role == RoleNoAccess {
		return nil, fmt.Errorf("room %s: role %s is not admitted", r.number, o.Role)
	}
	elsewhere := r.activeElsewhere(o) // outside r.mu: it may ask other nodes
	r.mu.Lock()
	p, err := r.admit(leg, o, elsewhere)
	r.mu.Unlock()
	if err != nil {
		return nil, err
	}
	r.video.SetHidden(p.ID, p.Role().ListenOnly()) // before the edge publishes: a spectator is not seen
	if j, ok := leg.(joiner); ok {
		j.Joined(p)
	}
	go func() { // leaves when the call ends; returns by then at the latest
		<-leg.Done()
		p.Leave()
	}()
	r.log.Info("participant joined", "participant", p.ID, "name", o.Name, "role", string(p.role), "via", o.Via,
		"guest", p.Guest, "over_quota", p.OverQuota, "participants", r.Len())
	r.bridge.events.publish(Event{Type: EventJoined, Room: r.number, Participant: p.ID, Name: p.Name, Role: p.role, Via: p.Via})
	r.announce(prompts.Joined)
	if rec := r.bridge.records; rec != nil {
		id, err := rec.RecordJoin(context.Background(), store.Attendance{Room: r.number, ParticipantID: p.ID, Name: p.Name,
			Role: string(p.role), Via: p.Via, Source: o.Source, Address: o.Address, Email: o.Email, JoinedAt: p.Joined})
		if err != nil {
			r.log.Warn("attendance not recorded", "participant", p.ID, "err", err)
		}
		p.mu.Lock()
		p.record = id
		p.mu.Unlock()
	}
	r.tellDraining(leg)
	if s, ok := leg.(sayer); ok && p.OverQuota {
		if clip, ok := r.bridge.voice().Get(prompts.Spectator); ok {
			s.Say(clip)
		}
	}
	return p, nil
}

// admit decides the participant's place and puts it in the mixer;
// elsewhere active participants are in the room on other nodes (counted
// with the quota). r.mu must be held.
func (r *Room) admit(leg Leg, o JoinOptions, elsewhere int) (*Participant, error) {
	if r.closed {
		return nil, ErrClosed
	}
	set := r.settings
	role, guest := r.roleFor(o)
	if r.locked && !role.Moderates() {
		return nil, fmt.Errorf("room %s: %w", r.number, ErrLocked)
	}
	if set.Capacity > 0 && len(r.members) >= set.Capacity {
		return nil, fmt.Errorf("room %s: %w (capacity %d)", r.number, ErrFull, set.Capacity)
	}
	overQuota := false
	if set.Quota > 0 && !role.Moderates() && role != RoleSpectator && r.activeCount()+elsewhere >= set.Quota {
		role, overQuota = RoleSpectator, true
	}
	if r.mix == nil {
		if err := r.startMixer(); err != nil {
			return nil, err
		}
	}
	id := o.ID
	if id == "" {
		id = r.newID()
	}
	p := &Participant{ID: id, Name: o.Name, Via: o.Via, Guest: guest, OverQuota: overQuota, Joined: time.Now(),
		LinkID: o.LinkID, Extension: o.Extension, room: r, leg: leg, role: role}
	if err := r.mix.Add(p.ID, leg, mixer.WithListenOnly(role.ListenOnly())); err != nil {
		return nil, fmt.Errorf("room %s: %w", r.number, err)
	}
	r.members[p.ID] = p
	r.checkGuests()
	return p, nil
}

// roleFor decides the role of a newcomer with no explicit one, and whether
// it is a guest. r.mu must be held.
func (r *Room) roleFor(o JoinOptions) (Role, bool) {
	set := r.settings
	hosted := set.Owner != "" || len(set.Members) > 0
	isOwner := o.Extension != "" && o.Extension == set.Owner
	isMember := o.Extension != "" && contains(set.Members, o.Extension)
	role := o.Role
	switch {
	case role != "":
	case isOwner:
		role = RoleOwner
	case isMember || !hosted:
		role = RoleAttendee
	default:
		role = set.GuestRole
		if role == "" {
			role = RoleAttendee
		}
	}
	guest := hosted && !isOwner && !isMember && !role.Moderates()
	return role, guest
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// activeCount is how many participants are mixed in. r.mu must be held.
func (r *Room) activeCount() int {
	n := 0
	for _, p := range r.members {
		if p.Role() != RoleSpectator && p.Via != ViaCascade { // a link's callers count where they are
			n++
		}
	}
	return n
}

// admitsDial refuses a call out whose callee could not join now, before
// it rings: a locked room admits moderators only (ErrLocked), and a room
// at its capacity nobody (ErrFull), counting the calls out still ringing
// as the seats they will take. r.mu must be held.
func (r *Room) admitsDial(role Role) error {
	if r.locked && !role.Moderates() {
		return fmt.Errorf("%w: room %s admits only moderators, so no call was placed", ErrLocked, r.number)
	}
	capacity := r.settings.Capacity
	if capacity <= 0 {
		return nil
	}
	ringing := 0
	for id, d := range r.dials {
		if _, in := r.members[id]; !in {
			if st, _, _ := d.Status(); st == DialRinging {
				ringing++
			}
		}
	}
	if len(r.members)+ringing >= capacity {
		return fmt.Errorf("%w: room %s is at its capacity of %d (%d in, %d ringing), so no call was placed",
			ErrFull, r.number, capacity, len(r.members), ringing)
	}
	return nil
}

// Full reports whether the room is at its capacity, so that an edge can
// refuse a newcomer before answering (with a prompt as early media).
func (r *Room) Full() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.settings.Capacity > 0 && len(r.members) >= r.settings.Capacity
}

// checkGuests starts the guest timer when the room holds only guests, and
// stops it when a host is in. r.mu must be held.
func (r *Room) checkGuests() {
	guests, hosts := 0, 0
	for _, p := range r.members {
		if p.Guest {
			guests++
		} else {
			hosts++
		}
	}
	switch {
	case guests > 0 && hosts == 0 && r.guestTimer == nil:
		wait := r.settings.GuestWait
		if wait <= 0 {
			wait = DefaultGuestWait
		}
		r.guestTimer = time.AfterFunc(wait, r.dropGuests)
		r.log.Info("guests waiting for a host", "guests", guests, "wait", wait.String())
		r.sayToGuests(prompts.WaitingForHost)
	case (hosts > 0 || guests == 0) && r.guestTimer != nil:
		r.guestTimer.Stop()
		r.guestTimer = nil
	}
}

// sayToGuests plays a prompt to every guest. r.mu must be held.
func (r *Room) sayToGuests(id string) {
	clip, ok := r.bridge.voice().Get(id)
	if !ok {
		return
	}
	for _, p := range r.members {
		if s, ok := p.leg.(sayer); ok && p.Guest {
			s.Say(clip)
		}
	}
}

// dropGuests ends the calls of guests that no host joined in time: they
// hear "no host has joined, goodbye" first. Runs on the timer's goroutine.
func (r *Room) dropGuests() {
	r.mu.Lock()
	r.guestTimer = nil
	var guests []*Participant
	for _, p := range r.members {
		if p.Guest {
			guests = append(guests, p)
		}
	}
	r.sayToGuests(prompts.NoHost)
	r.mu.Unlock()
	r.log.Info("no host joined: guests dropped", "guests", len(guests))
	clip, _ := r.bridge.voice().Get(prompts.NoHost)
	time.AfterFunc(clip.Duration()+300*time.Millisecond, func() {
		for _, p := range guests {
			p.Hangup("no host joined")
		}
	})
}
