package bridge

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/parleyhq/parley/media"
	"github.com/parleyhq/parley/mixer"
	"github.com/parleyhq/parley/prompts"
	"github.com/parleyhq/parley/store"
	"github.com/parleyhq/parley/video"
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
	bridge     *Bridge
	log        *slog.Logger
	newEncoder func(f media.Format, inputRate int) (media.Encoder, error)
	prompts    *prompts.Set
	announcer  *announcer
	number     string
	video      *video.Room // who publishes and receives video; the edges forward it
	stateMu    sync.Mutex  // serialises writes of the lock to the state store (saveLock)

	mu         sync.Mutex
	settings   RoomSettings            // guarded by mu
	guestTimer *time.Timer             // guarded by mu; runs while only guests are in
	members    map[string]*Participant // guarded by mu
	dials      map[string]*Dial        // guarded by mu; calls out, by participant ID
	nextID     int                     // guarded by mu
	locked     bool                    // guarded by mu
	mix        *mixer.Room             // guarded by mu; nil while the room is empty
	stop       context.CancelFunc      // guarded by mu; ends the running mixer
	done       chan struct{}           // guarded by mu; closed when the mixer has stopped
	closed     bool                    // guarded by mu
}

func newRoom(s RoomSettings, b *Bridge) *Room {
	return &Room{
		bridge: b, settings: s, locked: false, log: b.log.With("room", s.Number), newEncoder: b.newEncoder, prompts: b.prompts,
		announcer: newAnnouncer(), number: s.Number, video: video.NewRoom(nil), members: make(map[string]*Participant), dials: make(map[string]*Dial),
	}
}

// Settings returns the room's settings.
func (r *Room) Settings() RoomSettings {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.settings
}

// Number returns the room's number, which never changes.
func (r *Room) Number() string { return r.number }

// Video returns the room's video routing: the edges publish their
// participants' video tracks there and subscribe their receivers, once
// the participant has joined. The room tells it who speaks, for the
// receivers that show the active speaker.
func (r *Room) Video() *video.Room { return r.video }

// Update replaces the room's settings; they apply to the next admission.
// The number cannot change.
func (r *Room) Update(s RoomSettings) {
	r.mu.Lock()
	s.Number = r.number
	r.settings = s
	r.mu.Unlock()
}

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
	// Extension is the caller's extension number when the edge knows it
	// (a registered phone); it makes the owner and members who they are.
	Extension string
	// Source is how they came, for attendance: dial_in, extension, number,
	// sip_address, guest_link, group_link, browser.
	Source string
	// Address is the extension, number, SIP address or link ID they came by.
	Address string
	// Email is the participant's email, when known.
	Email string
	// LinkID is the guest or group link the participant came by; 0 if none.
	LinkID int64
}

// ErrFull means the room is at its capacity.
var ErrFull = errors.New("room full")

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
	r.mu.Lock()
	p, err := r.admit(leg, o)
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
	if s, ok := leg.(sayer); ok && p.OverQuota {
		if clip, ok := r.prompts.Get(prompts.Spectator); ok {
			s.Say(clip)
		}
	}
	return p, nil
}

// admit decides the participant's place and puts it in the mixer. r.mu
// must be held.
func (r *Room) admit(leg Leg, o JoinOptions) (*Participant, error) {
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
	if set.Quota > 0 && !role.Moderates() && role != RoleSpectator && r.activeCount() >= set.Quota {
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
		if p.Role() != RoleSpectator {
			n++
		}
	}
	return n
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
	clip, ok := r.prompts.Get(id)
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
	clip, _ := r.prompts.Get(prompts.NoHost)
	time.AfterFunc(clip.Duration()+300*time.Millisecond, func() {
		for _, p := range guests {
			p.Hangup("no host joined")
		}
	})
}

// newID hands out the next participant ID. r.mu must be held.
func (r *Room) newID() string {
	r.nextID++
	return strconv.Itoa(r.nextID)
}

// startMixer creates and runs the room's mixer, with the announcer in it.
// r.mu must be held.
func (r *Room) startMixer() error {
	m, err := mixer.New(mixer.Options{NewEncoder: r.newEncoder, Logger: r.log, OnTalking: r.onTalking, OnTick: r.bridge.onTick})
	if err != nil {
		return fmt.Errorf("room %s: %w", r.number, err)
	}
	if err := m.Add(announcerID, r.announcer, mixer.WithSendOnly()); err != nil {
		return fmt.Errorf("room %s: %w", r.number, err)
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

// maxDials is how many calls out a room remembers; past it, the oldest
// finished ones are forgotten.
const maxDials = 200

// forgetOldDials drops the oldest finished calls out past maxDials, so that
// they do not pile up over the room's life. r.mu must be held.
func (r *Room) forgetOldDials() {
	if len(r.dials) <= maxDials {
		return
	}
	ids := make([]int, 0, len(r.dials))
	for id := range r.dials {
		n, _ := strconv.Atoi(id)
		ids = append(ids, n)
	}
	sort.Ints(ids)
	for _, n := range ids {
		if len(r.dials) <= maxDials {
			return
		}
		id := strconv.Itoa(n)
		select {
		case <-r.dials[id].Done():
			delete(r.dials, id)
		default:
		}
	}
}

// onTalking publishes talker changes; it runs on the mixer goroutine.
func (r *Room) onTalking(id string, talking bool) {
	if id == announcerID {
		return
	}
	if talking {
		r.video.Speaking(id)
	}
	r.bridge.events.publish(Event{Type: EventTalking, Room: r.number, Participant: id, Talking: boolPtr(talking)})
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
	var stop context.CancelFunc
	var done chan struct{}
	opened := false
	if left == 0 {
		stop, done = r.stop, r.done
		r.mix, r.stop, r.done = nil, nil, nil
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
		a, _ := strconv.Atoi(id(list[i]))
		b, _ := strconv.Atoi(id(list[j]))
		return a < b
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
	r.bridge.events.publish(Event{Type: EventEnded, Room: r.number})
	for _, p := range r.Participants() {
		p.Hangup(reason)
	}
}

// Announce plays clips to everyone in the room, mixed over the
// conversation. It does nothing in an empty room.
func (r *Room) Announce(clips ...prompts.Clip) {
	r.announcer.Enqueue(clips...)
}

// announce plays a join or leave announcement to the room, when the bridge
// makes them and others are there to hear it (the newcomer hears its own
// greeting instead: private prompts replace the room's audio).
func (r *Room) announce(id string) {
	if !r.bridge.announceJoinLeave || r.Len() < 2 && id == prompts.Joined {
		return
	}
	if clip, ok := r.prompts.Get(id); ok {
		r.Announce(clip)
	}
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

// Full reports whether the room is at its capacity, so that an edge can
// refuse a newcomer before answering (with a prompt as early media).
func (r *Room) Full() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.settings.Capacity > 0 && len(r.members) >= r.settings.Capacity
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
