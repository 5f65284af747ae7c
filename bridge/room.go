package bridge

import (
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/parleyhq/parley/media"
	"github.com/parleyhq/parley/mixer"
	"github.com/parleyhq/parley/prompts"
	"github.com/parleyhq/parley/video"
)

// announcerID is the mixer ID of the room's announcer; participant IDs are
// numbers, so it cannot clash.
const announcerID = "announcer"

// Room is one conference: its participants and the mixer that serves them.
// It is safe for concurrent use. Its methods are grouped by job: admission
// (admission.go: Join, Full, the guest wait), who is in (members.go),
// moderation (moderation.go: lock, mute all, end), one participant's state
// (participant.go) and calls out (dial.go, dials_list.go).
type Room struct {
	bridge     *Bridge
	log        *slog.Logger
	newEncoder func(f media.Format, inputRate int) (media.Encoder, error)
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
	idSuffix   string                  // guarded by mu; SetIDSuffix (scope.go)
	locked     bool                    // guarded by mu
	mix        *mixer.Room             // guarded by mu; nil while the room is empty; the bridge's metronome ticks it
	closed     bool                    // guarded by mu
}

func newRoom(s RoomSettings, b *Bridge) *Room {
	return &Room{
		bridge: b, settings: s, locked: false, log: b.log.With("room", s.Number), newEncoder: b.newEncoder,
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

// Update replaces the room's settings; they apply to the next admission
// (PINs, quota, capacity, owner and members), and a guest wait that runs
// starts again with a changed length. The number cannot change.
func (r *Room) Update(s RoomSettings) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s.Number = r.number
	changedWait := s.GuestWait != r.settings.GuestWait
	r.settings = s
	if changedWait && r.guestTimer != nil {
		r.guestTimer.Stop()
		r.guestTimer = nil
		r.checkGuests() // arms it again with the new wait
	}
}

// newID hands out the next participant ID. r.mu must be held.
func (r *Room) newID() string {
	r.nextID++
	return strconv.Itoa(r.nextID) + r.idSuffix
}

// startMixer creates the room's mixer, with the announcer in it, and adds
// it to the bridge's metronome, which ticks it from the next frame on. r.mu
// must be held.
func (r *Room) startMixer() error {
	m, err := mixer.New(mixer.Options{NewEncoder: r.newEncoder, Logger: r.log, OnTalking: r.onTalking, OnTick: r.bridge.onTick})
	if err != nil {
		return fmt.Errorf("room %s: %w", r.number, err)
	}
	if err := m.Add(announcerID, r.announcer, mixer.WithSendOnly()); err != nil {
		return fmt.Errorf("room %s: %w", r.number, err)
	}
	_ = r.bridge.metronome.Add(m) // ErrRunning cannot happen on a new mixer
	r.mix = m
	return nil
}

// onTalking publishes talker changes; it runs on the mixer's tick (a
// metronome worker).
func (r *Room) onTalking(id string, talking bool) {
	if id == announcerID {
		return
	}
	if talking {
		r.video.Speaking(id)
	}
	r.bridge.events.publish(Event{Type: EventTalking, Room: r.number, Participant: id, Talking: boolPtr(talking)})
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
	if !r.bridge.announceJoinLeave.Load() || r.Len() < 2 && id == prompts.Joined {
		return
	}
	if clip, ok := r.bridge.voice().Get(id); ok {
		r.Announce(clip)
	}
}

// close hangs up everyone and stops the mixer.
func (r *Room) close() {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	for _, p := range r.Participants() {
		p.Hangup("conference closed")
	}
}
