package bridge

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"sync"

	"github.com/parleyhq/parley/media"
	"github.com/parleyhq/parley/mixer"
)

// Room is one conference: its participants and the mixer that serves them.
// It is safe for concurrent use.
type Room struct {
	settings   RoomSettings
	log        *slog.Logger
	newEncoder func(f media.Format, inputRate int) (media.Encoder, error)

	mu      sync.Mutex
	members map[string]*Participant // guarded by mu
	nextID  int                     // guarded by mu
	mix     *mixer.Room             // guarded by mu; nil while the room is empty
	stop    context.CancelFunc      // guarded by mu; ends the running mixer
	done    chan struct{}           // guarded by mu; closed when the mixer has stopped
	closed  bool                    // guarded by mu
}

func newRoom(s RoomSettings, newEncoder func(media.Format, int) (media.Encoder, error), log *slog.Logger) *Room {
	return &Room{settings: s, log: log, newEncoder: newEncoder, members: make(map[string]*Participant)}
}

// Settings returns the room's settings.
func (r *Room) Settings() RoomSettings { return r.settings }

// Participant is a leg admitted into a room.
type Participant struct {
	// ID identifies the participant within its room.
	ID string
	// Name is the caller's display name or number.
	Name string

	room *Room
	leg  Leg
	once sync.Once
}

// Join admits leg into the room under the display name name. The first
// participant starts the room's mixer. The leg's audio is mixed from the
// next tick on.
func (r *Room) Join(leg Leg, name string) (*Participant, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, ErrClosed
	}
	if r.mix == nil {
		if err := r.startMixer(); err != nil {
			return nil, err
		}
	}
	r.nextID++
	p := &Participant{ID: strconv.Itoa(r.nextID), Name: name, room: r, leg: leg}
	if err := r.mix.Add(p.ID, leg); err != nil {
		return nil, fmt.Errorf("room %s: %w", r.settings.Number, err)
	}
	r.members[p.ID] = p
	r.log.Info("participant joined", "participant", p.ID, "name", name, "participants", len(r.members))
	return p, nil
}

// startMixer creates and runs the room's mixer. r.mu must be held.
func (r *Room) startMixer() error {
	m, err := mixer.New(mixer.Options{NewEncoder: r.newEncoder, Logger: r.log})
	if err != nil {
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
	}
	r.mu.Unlock()
	r.log.Info("participant left", "participant", p.ID, "participants", left)
	if stop != nil {
		stop()
		<-done
	}
}

// Len returns how many participants are in the room.
func (r *Room) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.members)
}

// close hangs up everyone and stops the mixer.
func (r *Room) close() {
	r.mu.Lock()
	r.closed = true
	members := make([]*Participant, 0, len(r.members))
	for _, p := range r.members {
		members = append(members, p)
	}
	r.mu.Unlock()
	for _, p := range members {
		p.leg.Hangup("conference closed")
		p.Leave()
	}
}
