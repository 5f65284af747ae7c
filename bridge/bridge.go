// Package bridge is Parley's conferencing core: it knows the rooms, admits
// participants into them and runs each room's mixer. The edges (SIP, WebRTC)
// hand it a Leg and never meet each other; the bridge sees every participant
// the same way, whatever protocol carries it.
package bridge

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/parleyhq/parley/media"
	"github.com/parleyhq/parley/mixer"
	"github.com/parleyhq/parley/prompts"
)

// Errors of admission. The edges turn them into a SIP or HTTP status.
var (
	// ErrUnknownRoom means no room has the dialled number.
	ErrUnknownRoom = errors.New("unknown room")
	// ErrClosed means the bridge is shutting down and admits nobody.
	ErrClosed = errors.New("bridge closed")
)

// Leg is one participant's connection as the bridge sees it: audio for the
// mixer, and a way to end the call from our side.
type Leg interface {
	mixer.Participant
	// Hangup ends the call from Parley's side (a SIP BYE, closing a
	// PeerConnection) and releases the leg's media. It may be called from
	// any goroutine, more than once, and must not block for long.
	Hangup(reason string)
	// Done is closed once the call has ended, whichever side ended it; the
	// room then lets the participant go.
	Done() <-chan struct{}
}

// RoomSettings describe one room.
type RoomSettings struct {
	// Number is what callers dial, for example "1000".
	Number string
	// Name is the room's display name.
	Name string
	// PIN is the attendee PIN; empty means none.
	PIN string
	// ModeratorPIN lets a caller in as moderator; empty means none.
	ModeratorPIN string
	// CallerID is presented on calls out of this room; empty uses the trunk's.
	CallerID string
}

// Options configure a Bridge.
type Options struct {
	// Rooms are the rooms the bridge serves.
	Rooms []RoomSettings
	// NewEncoder builds an encoder that takes PCM at the room's mixing rate;
	// nil means media.NewEncoderFrom.
	NewEncoder func(f media.Format, inputRate int) (media.Encoder, error)
	// Logger receives room events; nil means slog.Default().
	Logger *slog.Logger
	// Prompts are the voice prompts rooms speak with; nil means the
	// embedded ones (prompts.Default).
	Prompts *prompts.Set
	// Router routes dial targets; nil routes only direct SIP targets.
	Router *Router
	// Dialer places calls out; nil refuses dial-out.
	Dialer Dialer
}

// Bridge holds the rooms. It is safe for concurrent use.
type Bridge struct {
	log        *slog.Logger
	newEncoder func(f media.Format, inputRate int) (media.Encoder, error)
	prompts    *prompts.Set
	router     *Router
	dialer     Dialer

	ctx    context.Context // ends when the bridge closes; parent of dial-outs
	cancel context.CancelFunc
	dialWG sync.WaitGroup // the dial-out goroutines

	mu     sync.Mutex
	rooms  map[string]*Room // guarded by mu
	closed bool             // guarded by mu
}

// New returns a bridge serving opts.Rooms. It starts nothing: a room's
// mixer runs while the room has participants.
func New(opts Options) (*Bridge, error) {
	b := &Bridge{log: opts.Logger, newEncoder: opts.NewEncoder, prompts: opts.Prompts,
		router: opts.Router, dialer: opts.Dialer, rooms: make(map[string]*Room)}
	if b.log == nil {
		b.log = slog.Default()
	}
	if b.newEncoder == nil {
		b.newEncoder = media.NewEncoderFrom
	}
	if b.prompts == nil {
		set, err := prompts.Default()
		if err != nil {
			return nil, fmt.Errorf("prompts: %w", err)
		}
		b.prompts = set
	}
	if b.router == nil {
		b.router = &Router{}
	}
	b.ctx, b.cancel = context.WithCancel(context.Background())
	for _, rs := range opts.Rooms {
		if _, dup := b.rooms[rs.Number]; dup {
			return nil, fmt.Errorf("room %s defined twice", rs.Number)
		}
		b.rooms[rs.Number] = newRoom(rs, b)
	}
	return b, nil
}

// Room returns the room with the given number, or ErrUnknownRoom.
func (b *Bridge) Room(number string) (*Room, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, ErrClosed
	}
	r, ok := b.rooms[number]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownRoom, number)
	}
	return r, nil
}

// Close hangs up every participant of every room, stops the mixers and
// waits for them. Later joins fail with ErrClosed. Close is idempotent.
func (b *Bridge) Close() error {
	b.mu.Lock()
	b.closed = true
	rooms := make([]*Room, 0, len(b.rooms))
	for _, r := range b.rooms {
		rooms = append(rooms, r)
	}
	b.mu.Unlock()
	b.cancel()
	b.dialWG.Wait()
	for _, r := range rooms {
		r.close()
	}
	return nil
}
