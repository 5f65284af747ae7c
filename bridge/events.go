package bridge

import (
	"sync"
	"time"

	"github.com/parleyhq/parley/rules"
)

// EventType names what happened in a room.
type EventType string

// The events a room publishes; their names are package rules' (the one
// list that webhooks, the config file's webhook filters and the OpenAPI
// document follow too).
const (
	// EventJoined: a participant entered the room.
	EventJoined EventType = rules.EventJoined
	// EventLeft: a participant left the room.
	EventLeft EventType = rules.EventLeft
	// EventTalking: a participant started or stopped talking.
	EventTalking EventType = rules.EventTalking
	// EventMuted: a participant was muted or unmuted.
	EventMuted EventType = rules.EventMuted
	// EventRole: a participant's role changed.
	EventRole EventType = rules.EventRole
	// EventDial: a call out progressed (ringing, answered, busy, …).
	EventDial EventType = rules.EventDial
	// EventLocked: the room was locked or unlocked.
	EventLocked EventType = rules.EventLocked
	// EventEnded: the conference was ended for everyone.
	EventEnded EventType = rules.EventEnded
	// EventReloaded: the config was reloaded (no room; Changes).
	EventReloaded EventType = rules.EventReloaded
)

// Event is one thing that happened in a room, as the events stream and the
// webhooks carry it.
type Event struct {
	// Type is what happened.
	Type EventType `json:"type"`
	// Room is the room's number; empty for reloaded.
	Room string `json:"room"`
	// Participant is the participant's ID, if the event concerns one.
	Participant string `json:"participant,omitempty"`
	// Name is the participant's display name.
	Name string `json:"name,omitempty"`
	// Role is the participant's role (joined, role).
	Role Role `json:"role,omitempty"`
	// Via is the edge of the participant (joined).
	Via string `json:"via,omitempty"`
	// Talking is set for talking events.
	Talking *bool `json:"talking,omitempty"`
	// Muted is set for muted events.
	Muted *bool `json:"muted,omitempty"`
	// Locked is set for locked events.
	Locked *bool `json:"locked,omitempty"`
	// Status is a call out's state, for dial events.
	Status DialStatus `json:"status,omitempty"`
	// Code is the SIP status of a dial event, when one came.
	Code int `json:"code,omitempty"`
	// Changes says what a reload changed, for reloaded events.
	Changes string `json:"changes,omitempty"`
	// Time is when it happened.
	Time time.Time `json:"time"`
}

// eventBuffer is how many events a slow subscriber may lag behind before
// it misses some.
const eventBuffer = 256

// events fans room events out to subscribers. Publishing never blocks: a
// subscriber that falls eventBuffer events behind loses the excess, and
// Dropped tells it so.
type events struct {
	mu   sync.Mutex
	subs map[*Subscription]struct{} // guarded by mu
}

// Subscription is one listener of the bridge's events.
type Subscription struct {
	// C delivers the events, in order, until Close.
	C       <-chan Event
	c       chan Event
	e       *events
	mu      sync.Mutex
	dropped int  // guarded by mu
	closed  bool // guarded by mu
}

// Subscribe returns a subscription to every room's events. Close it when
// done.
func (b *Bridge) Subscribe() *Subscription { return b.events.subscribe() }

// subscribe adds a subscriber.
func (ev *events) subscribe() *Subscription {
	c := make(chan Event, eventBuffer)
	s := &Subscription{C: c, c: c, e: ev}
	ev.mu.Lock()
	if ev.subs == nil {
		ev.subs = make(map[*Subscription]struct{})
	}
	ev.subs[s] = struct{}{}
	ev.mu.Unlock()
	return s
}

// Dropped returns how many events the subscription missed by lagging.
func (s *Subscription) Dropped() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dropped
}

// Close ends the subscription and closes C. It is idempotent.
func (s *Subscription) Close() {
	s.e.mu.Lock()
	delete(s.e.subs, s)
	s.e.mu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.closed = true
		close(s.c)
	}
}

// publish hands e to every subscriber without blocking.
func (ev *events) publish(e Event) {
	if e.Time.IsZero() {
		e.Time = time.Now().UTC()
	}
	ev.mu.Lock()
	defer ev.mu.Unlock()
	for s := range ev.subs {
		s.mu.Lock()
		if !s.closed {
			select {
			case s.c <- e:
			default:
				s.dropped++
			}
		}
		s.mu.Unlock()
	}
}

func boolPtr(v bool) *bool { return &v }
