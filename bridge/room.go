package bridge

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"sync"

	"github.com/parleyhq/parley/media"
	"github.com/parleyhq/parley/mixer"
	"github.com/parleyhq/parley/prompts"
)

// Errors of a room's admission and moderation.
var (
	// ErrLocked means the room is locked and only moderators may join.
	ErrLocked = errors.New("room locked")
	// ErrNoParticipant means no participant has the given ID.
	ErrNoParticipant = errors.New("no such participant")
)

// announcerID is the mixer ID of the room's announcer; participant IDs are
// numbers, so it cannot clash.
const announcerID = "announcer"

// Room is one conference: its participants and the mixer that serves them.
// It is safe for concurrent use.
type Room struct {
	settings   RoomSettings
	log        *slog.Logger
	newEncoder func(f media.Format, inputRate int) (media.Encoder, error)
	prompts    *prompts.Set
	announcer  *announcer

	mu      sync.Mutex
	members map[string]*Participant // guarded by mu
	dials   map[string]*Dial        // guarded by mu; calls out, by participant ID
	nextID  int                     // guarded by mu
	locked  bool                    // guarded by mu
	mix     *mixer.Room             // guarded by mu; nil while the room is empty
	stop    context.CancelFunc      // guarded by mu; ends the running mixer
	done    chan struct{}           // guarded by mu; closed when the mixer has stopped
	closed  bool                    // guarded by mu
}

func newRoom(s RoomSettings, b *Bridge) *Room {
	return &Room{
		settings: s, log: b.log.With("room", s.Number), newEncoder: b.newEncoder, prompts: b.prompts,
		announcer: newAnnouncer(), members: make(map[string]*Participant), dials: make(map[string]*Dial),
	}
}

// Settings returns the room's settings.
func (r *Room) Settings() RoomSettings { return r.settings }

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

	mu    sync.Mutex
	role  Role // guarded by mu
	muted bool // guarded by mu
}

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
	// Via names the edge: "sip", "webrtc".
	Via string
	// ID, when set, is the participant ID reserved by Room.Dial.
	ID string
}

// Join admits leg into the room. The first participant starts the room's
// mixer; the leg's audio is mixed from the next tick on. A locked room
// admits moderators only (ErrLocked).
func (r *Room) Join(leg Leg, o JoinOptions) (*Participant, error) {
	role := o.Role
	if role == "" {
		role = RoleAttendee
	}
	if role == RoleNoAccess {
		return nil, fmt.Errorf("room %s: role %s is not admitted", r.settings.Number, role)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, ErrClosed
	}
	if r.locked && !role.Moderates() {
		return nil, fmt.Errorf("room %s: %w", r.settings.Number, ErrLocked)
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
	p := &Participant{ID: id, Name: o.Name, Via: o.Via, room: r, leg: leg, role: role}
	if err := r.mix.Add(p.ID, leg, mixer.WithListenOnly(role.ListenOnly())); err != nil {
		return nil, fmt.Errorf("room %s: %w", r.settings.Number, err)
	}
	r.members[p.ID] = p
	if j, ok := leg.(joiner); ok {
		j.Joined(p)
	}
	go func() { // leaves when the call ends; returns by then at the latest
		<-leg.Done()
		p.Leave()
	}()
	r.log.Info("participant joined", "participant", p.ID, "name", o.Name, "role", string(role), "via", o.Via, "participants", len(r.members))
	return p, nil
}

// newID hands out the next participant ID. r.mu must be held.
func (r *Room) newID() string {
	r.nextID++
	return strconv.Itoa(r.nextID)
}

// startMixer creates and runs the room's mixer, with the announcer in it.
// r.mu must be held.
func (r *Room) startMixer() error {
	m, err := mixer.New(mixer.Options{NewEncoder: r.newEncoder, Logger: r.log})
	if err != nil {
		return fmt.Errorf("room %s: %w", r.settings.Number, err)
	}
	if err := m.Add(announcerID, r.announcer, mixer.WithSendOnly()); err != nil {
		return fmt.Errorf("room %s: %w", r.settings.Number, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = m.Run(ctx) // returns when ctx ends; ErrRunning cannot happen on a new mixer
	}()
	r.mix, r.stop, r.done = m, cancel, done
	return nil
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
	var stop context.CancelFunc
	var done chan struct{}
	if left == 0 {
		stop, done = r.stop, r.done
		r.mix, r.stop, r.done = nil, nil, nil
		r.locked = false // an empty room opens again
		r.announcer.Clear()
	}
	r.mu.Unlock()
	r.log.Info("participant left", "participant", p.ID, "participants", left)
	if stop != nil {
		stop()
		<-done
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
}

// SetRole changes the participant's role within one mixer tick: a
// spectator stops being mixed in, RoleNoAccess hangs up and removes them.
func (p *Participant) SetRole(role Role) {
	p.mu.Lock()
	p.role = role
	p.mu.Unlock()
	p.room.log.Info("participant role", "participant", p.ID, "role", string(role))
	if role == RoleNoAccess {
		p.leg.Hangup("role set to no_access")
		p.Leave()
		return
	}
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
	sort.Slice(out, func(i, j int) bool {
		a, _ := strconv.Atoi(out[i].ID)
		b, _ := strconv.Atoi(out[j].ID)
		return a < b
	})
	return out
}

// Participant returns the participant with the given ID, or ErrNoParticipant.
func (r *Room) Participant(id string) (*Participant, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p, ok := r.members[id]
	if !ok {
		return nil, fmt.Errorf("%w %q in room %s", ErrNoParticipant, id, r.settings.Number)
	}
	return p, nil
}

// Talking reports whether the participant is talking, per the mixer.
func (p *Participant) Talking() bool {
	p.room.mu.Lock()
	defer p.room.mu.Unlock()
	return p.room.mix != nil && p.room.mix.Talking(p.ID)
}

// SetLocked locks or unlocks the room; a locked room admits moderators only.
func (r *Room) SetLocked(locked bool) {
	r.mu.Lock()
	r.locked = locked
	r.mu.Unlock()
	r.log.Info("room lock", "locked", locked)
}

// Locked reports whether the room is locked.
func (r *Room) Locked() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.locked
}

// MuteAllExcept mutes every participant but the one with ID keep.
func (r *Room) MuteAllExcept(keep string) {
	for _, p := range r.Participants() {
		if p.ID != keep {
			p.SetMuted(true)
		}
	}
}

// End hangs up every participant: the conference is over.
func (r *Room) End(reason string) {
	r.log.Info("conference ended", "reason", reason)
	for _, p := range r.Participants() {
		p.Hangup(reason)
	}
}

// Announce plays clips to everyone in the room, mixed over the
// conversation. It does nothing in an empty room.
func (r *Room) Announce(clips ...prompts.Clip) {
	r.announcer.Enqueue(clips...)
}

// Prompts returns the voice prompts the room speaks with.
func (r *Room) Prompts() *prompts.Set { return r.prompts }

// close hangs up everyone and stops the mixer.
func (r *Room) close() {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	for _, p := range r.Participants() {
		p.Hangup("conference closed")
	}
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
