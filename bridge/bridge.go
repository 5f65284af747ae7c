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
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parleyhq/parley/dialplan"
	"github.com/parleyhq/parley/media"
	"github.com/parleyhq/parley/mixer"
	"github.com/parleyhq/parley/prompts"
	"github.com/parleyhq/parley/rules"
	"github.com/parleyhq/parley/store"
)

// Errors of admission. The edges turn them into a SIP or HTTP status.
var (
	// ErrUnknownRoom means no room has the dialled number.
	ErrUnknownRoom = errors.New("unknown room")
	// ErrClosed means the bridge is shutting down and admits nobody.
	ErrClosed = errors.New("bridge closed")
	// ErrRoomExists means a room with that number already exists.
	ErrRoomExists = errors.New("room exists")
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
	// Owner is the extension number that owns the room; it joins as owner.
	Owner string
	// Organizer is the login of the web user who made the room (store.Room);
	// the API lets them see and moderate it as its owner.
	Organizer string
	// Members are extension numbers that belong to the room.
	Members []string
	// Quota is how many active (non-spectator) participants the room takes;
	// past it newcomers join as spectators. 0 means no quota.
	Quota int
	// Capacity is the hard limit of participants; 0 means none.
	Capacity int
	// GuestAccess lets browser guests in from links.
	GuestAccess bool
	// GuestRole is the role guests join with; empty means attendee.
	GuestRole Role
	// GuestWait is how long guests may wait for the owner or a member
	// before their calls end; 0 means DefaultGuestWait. It applies only to
	// rooms that have an owner or members: in an open room nobody is a guest.
	GuestWait time.Duration
	// ConfigOwned marks a room from the config file: read-only in the API.
	ConfigOwned bool
}

// DefaultGuestWait is how long guests wait for a host by default.
const DefaultGuestWait = rules.DefaultGuestWait

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
	Router *dialplan.Router
	// Dialer places calls out; nil refuses dial-out.
	Dialer Dialer
	// Records keeps attendance; nil keeps none.
	Records Records
	// State keeps the rooms' locks across restarts and restores them in
	// New; nil keeps them in memory only.
	State RoomState
	// AnnounceJoinLeave makes rooms say "a participant has joined" and
	// "a participant has left" to everyone in them.
	AnnounceJoinLeave bool
	// OnMixerTick, if set, is told the duration of every mixer tick of
	// every room, and whether it ran late (metrics). It runs on the tick, on
	// a worker of the bridge's metronome (several at once for different
	// rooms when GOMAXPROCS > 1), and must not block.
	OnMixerTick func(d time.Duration, late bool)
}

// Records is where the bridge writes who attended what: *store.DB.
type Records interface {
	// RecordJoin notes a participant's arrival and returns its record ID.
	RecordJoin(ctx context.Context, a store.Attendance) (int64, error)
	// RecordLeave notes when the participant with record ID id left.
	RecordLeave(ctx context.Context, id int64, at time.Time) error
	// UpdateAttendanceRole notes a role change of record id.
	UpdateAttendanceRole(ctx context.Context, id int64, role string) error
}

// SettingsOf turns a stored room into the bridge's settings.
func SettingsOf(r store.Room) RoomSettings {
	return RoomSettings{
		Number: r.Number, Name: r.Name, PIN: r.PIN, ModeratorPIN: r.ModeratorPIN, CallerID: r.CallerID,
		Owner: r.Owner, Organizer: r.Organizer, Members: r.Members, Quota: r.Quota, Capacity: r.Capacity,
		GuestAccess: r.GuestAccess, GuestRole: Role(r.GuestRole), GuestWait: r.GuestWait, ConfigOwned: r.ConfigOwned,
	}
}

// Bridge holds the rooms. It is safe for concurrent use.
type Bridge struct {
	log        *slog.Logger
	newEncoder func(f media.Format, inputRate int) (media.Encoder, error)
	prompts    atomic.Pointer[prompts.Set]     // SetPrompts replaces it (reload)
	router     atomic.Pointer[dialplan.Router] // SetRouter replaces it (reload)
	dialer     Dialer
	records    Records
	state      RoomState
	onTick     func(d time.Duration, late bool)
	metronome  *mixer.Metronome   // ticks every room's mixer
	stopTicks  context.CancelFunc // stops the metronome
	ticking    chan struct{}      // closed when the metronome has stopped
	stopping   atomic.Bool        // BeginShutdown was called: rooms that empty keep their lock
	draining   atomic.Bool        // Drain was called: new calls are refused (drain.go)

	announceJoinLeave atomic.Bool                             // SetAnnounceJoinLeave changes it (reload)
	elsewhere         atomic.Pointer[func(room string) int]   // SetElsewhere (scope.go)
	onEnd             atomic.Pointer[func(room string)]       // SetOnEnd (scope.go)
	onMuteAll         atomic.Pointer[func(room, keep string)] // SetOnMuteAll (scope.go)
	events            events

	ctx    context.Context // ends when the bridge closes; parent of dial-outs
	cancel context.CancelFunc
	dialWG sync.WaitGroup // the dial-out goroutines

	mu     sync.Mutex
	rooms  map[string]*Room // guarded by mu
	closed bool             // guarded by mu
}

// New returns a bridge serving opts.Rooms. It starts one goroutine, the
// clock of every room's mixer (a mixer.Metronome, with GOMAXPROCS
// workers), which ticks the rooms that have participants and idles while
// none has; Close stops it.
func New(opts Options) (*Bridge, error) {
	b := &Bridge{log: opts.Logger, newEncoder: opts.NewEncoder,
		dialer: opts.Dialer, records: opts.Records, state: opts.State, onTick: opts.OnMixerTick,
		rooms: make(map[string]*Room)}
	b.announceJoinLeave.Store(opts.AnnounceJoinLeave)
	if b.log == nil {
		b.log = slog.Default()
	}
	if b.newEncoder == nil {
		b.newEncoder = media.NewEncoderFrom
	}
	voice := opts.Prompts
	if voice == nil {
		set, err := prompts.Default()
		if err != nil {
			return nil, fmt.Errorf("prompts: %w", err)
		}
		voice = set
	}
	b.prompts.Store(voice)
	b.SetRouter(opts.Router)
	b.ctx, b.cancel = context.WithCancel(context.Background())
	b.metronome, b.ticking = mixer.NewMetronome(nil, 0), make(chan struct{})
	for _, rs := range opts.Rooms {
		if _, dup := b.rooms[rs.Number]; dup {
			return nil, fmt.Errorf("room %s defined twice", rs.Number)
		}
		b.rooms[rs.Number] = newRoom(rs, b)
	}
	if err := b.restoreLocks(); err != nil {
		return nil, err
	}
	var ticks context.Context
	ticks, b.stopTicks = context.WithCancel(context.Background())
	go func() {
		defer close(b.ticking)
		_ = b.metronome.Run(ticks) // ErrRunning cannot happen on a new metronome
	}()
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

// AddRoom starts serving a new room (one created through the API).
func (b *Bridge) AddRoom(s RoomSettings) (*Room, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, ErrClosed
	}
	if _, dup := b.rooms[s.Number]; dup {
		return nil, fmt.Errorf("%w: %s", ErrRoomExists, s.Number)
	}
	r := newRoom(s, b)
	b.rooms[s.Number] = r
	return r, nil
}

// RemoveRoom hangs up everyone in the room and stops serving it.
func (b *Bridge) RemoveRoom(number string) error {
	b.mu.Lock()
	r, ok := b.rooms[number]
	delete(b.rooms, number)
	b.mu.Unlock()
	if !ok {
		return fmt.Errorf("%w %q", ErrUnknownRoom, number)
	}
	r.close()
	return nil
}

// Rooms returns the rooms, by number.
func (b *Bridge) Rooms() []*Room {
	b.mu.Lock()
	out := make([]*Room, 0, len(b.rooms))
	for _, r := range b.rooms {
		out = append(out, r)
	}
	b.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].number < out[j].number })
	return out
}

// Close hangs up every participant of every room, stops the mixers and
// waits for them. Later joins fail with ErrClosed. Close is idempotent.
func (b *Bridge) Close() error {
	b.BeginShutdown()
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
	b.stopTicks()
	<-b.ticking
	return nil
}
