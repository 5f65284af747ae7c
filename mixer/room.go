// Package mixer is Parley's mixing engine: once per 20 ms tick it reads every
// participant's frame, detects who is talking, sends each talker the sum of
// the other talkers (N-1) and everyone else the sum of all talkers, and
// encodes each distinct mix once per format.
//
// A Room is driven by a Metronome, which ticks every room of the process
// every 20 ms from one timer, or by calling Tick directly (tests step a room one frame at a time that way). All
// Participant I/O and all callbacks happen on that tick goroutine. The
// methods that change the room (Add, Remove, SetMuted,
// SetListenOnly) and those that read it (Talking, Len, Rate, Stats) may be
// called from any goroutine at any time; they take effect at the next tick
// and never wait for one.
package mixer

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/parleyhq/parley/media"
)

// Errors returned by the mixer.
var (
	// ErrInvalidOptions is wrapped by the error New returns for bad Options.
	ErrInvalidOptions = errors.New("mixer: invalid options")
	// ErrDuplicateID is returned by Add when the id is already in the room.
	ErrDuplicateID = errors.New("mixer: participant id already in room")
	// ErrNotFound is returned by the Set methods for an id not in the room.
	ErrNotFound = errors.New("mixer: no such participant")
	// ErrFormat is wrapped by the error of Add for a participant whose
	// format's sample rate does not divide into 20 ms frames.
	ErrFormat = errors.New("mixer: unsupported format")
	// ErrRunning is returned by Metronome.Add when the room is already
	// ticked by a Metronome, and by Metronome.Run when it is already
	// running.
	ErrRunning = errors.New("mixer: room already running")
)

// MinRate is the rate of a room whose legs are all narrowband (G.711), and
// of an empty room, in Hz.
const MinRate = 8000

// tickPeriod is the time between two ticks.
const tickPeriod = media.FrameDuration * time.Millisecond

// Room mixes the audio of its participants. Create it with New; the zero
// value is not usable. All methods are safe for concurrent use.
type Room struct {
	opts Options // read-only after New

	mu      sync.Mutex
	legs    map[string]*leg // guarded by mu
	order   []*leg          // guarded by mu; legs in the order they joined, but for removals
	rate    int             // guarded by mu; max sample rate over legs, at least MinRate
	version uint64          // guarded by mu; bumped by every change a tick must see

	tickMu    sync.Mutex // held for a whole tick; guards the fields below
	metronome *Metronome // the one ticking the room, if any
	mix       mixState

	statsMu sync.Mutex
	stats   Stats // guarded by statsMu; Participants and Rate are filled in by Stats
}

// New returns an empty room configured by opts. It starts nothing: add it
// to a Metronome, or call Tick, to mix. It fails, wrapping
// ErrInvalidOptions, when opts is bad.
func New(opts Options) (*Room, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	r := &Room{
		opts: opts,
		legs: make(map[string]*leg),
		rate: MinRate,
	}
	r.mix.init(&r.opts)
	return r, nil
}

// Add puts p in the room under id; it is read and written from the next
// tick on. Add calls p.Format once, on the caller's goroutine, and
// recomputes the room rate: the highest sample rate among the participants'
// formats. It fails with ErrDuplicateID if id is in the room, and with
// ErrFormat for a bad format.
func (r *Room) Add(id string, p Participant, opts ...AddOption) error {
	if p == nil {
		return fmt.Errorf("mixer: participant %q is nil", id)
	}
	var s settings
	for _, o := range opts {
		o(&s)
	}
	f := p.Format()
	if sr := f.SampleRate(); sr <= 0 || sr%media.FramesPerSecond != 0 {
		return fmt.Errorf("%w: participant %q: %v has a sample rate of %d Hz, not a positive multiple of %d",
			ErrFormat, id, f, sr, media.FramesPerSecond)
	}
	l := &leg{id: id, p: p, format: f, key: keyOf(f), settings: s}

	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.legs[id]; dup {
		return fmt.Errorf("%w: %q", ErrDuplicateID, id)
	}
	l.index = len(r.order)
	r.order = append(r.order, l)
	r.legs[id] = l
	r.rate = max(r.rate, f.SampleRate())
	r.version++
	return nil
}

// Remove takes the participant id out of the room and reports whether it
// was there. The room rate is recomputed. Remove does not wait for a tick
// in progress, so such a tick may still make one ReadAudio or WriteAudio
// call to the participant after Remove returns (or be making it); later
// ticks make none. Remove may be called from OnTalking.
func (r *Room) Remove(id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	l, ok := r.legs[id]
	if !ok {
		return false
	}
	l.removed.Store(true)
	delete(r.legs, id)
	last := len(r.order) - 1
	r.order[l.index] = r.order[last]
	r.order[l.index].index = l.index
	r.order[last] = nil
	r.order = r.order[:last]
	r.rate = MinRate
	for _, o := range r.order {
		r.rate = max(r.rate, o.format.SampleRate())
	}
	r.version++
	return true
}

// SetMuted mutes or unmutes participant id. A muted participant is not read
// and not mixed, stops talking at once, and still hears the room. It fails
// with ErrNotFound.
func (r *Room) SetMuted(id string, muted bool) error {
	return r.update(id, func(l *leg) { l.muted = muted })
}

// SetListenOnly makes participant id a spectator, or a full participant
// again. A spectator hears the room and is never read, mixed, or counted as
// a talker, whatever its mute state. It fails with ErrNotFound.
func (r *Room) SetListenOnly(id string, listenOnly bool) error {
	return r.update(id, func(l *leg) { l.listenOnly = listenOnly })
}

func (r *Room) update(id string, set func(*leg)) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	l, ok := r.legs[id]
	if !ok {
		return fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	set(l)
	r.version++
	return nil
}

// Talking reports whether participant id was a talker in the last tick
// (including hangover). It is false for an id not in the room.
func (r *Room) Talking(id string) bool {
	r.mu.Lock()
	l, ok := r.legs[id]
	r.mu.Unlock()
	return ok && l.talking.Load()
}

// Len returns the number of participants in the room.
func (r *Room) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.legs)
}

// Rate returns the room rate in Hz: the highest sample rate among the
// participants' formats, at least MinRate. Ticks use the rate current when
// they start.
func (r *Room) Rate() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.rate
}

// Stats describe a room's recent work, for metrics.
type Stats struct {
	// Participants is the number of participants in the room now.
	Participants int
	// Rate is the room rate now, in Hz.
	Rate int
	// Ticks counts the ticks done since New, by a Metronome or Tick.
	Ticks uint64
	// LastTick is how long the last tick took, wall clock.
	LastTick time.Duration
	// Talkers is the number of talkers in the last tick.
	Talkers int
	// Encodes is the number of encodes in the last tick: one per format
	// among the non-talkers plus one per talker.
	Encodes int
	// LateTicks counts the ticks a Metronome started one period or
	// more after they were due (catching up after a stall), SkippedTicks
	// excluded.
	LateTicks uint64
	// SkippedTicks counts the ticks a Metronome dropped because it
	// had fallen more than maxCatchUp ticks behind.
	SkippedTicks uint64
	// EncoderErrors counts failures to create an encoder or to encode.
	EncoderErrors uint64
}

// Stats returns the room's counters and the figures of its last tick.
func (r *Room) Stats() Stats {
	r.statsMu.Lock()
	s := r.stats
	r.statsMu.Unlock()
	r.mu.Lock()
	s.Participants, s.Rate = len(r.legs), r.rate
	r.mu.Unlock()
	return s
}
