package mixer

import (
	"math"
	"strings"
	"sync/atomic"

	"github.com/parleyhq/parley/media"
)

// Participant is what the mixer needs of a leg (a SIP call, a browser guest).
// The mixer calls all three methods; Format is called once, by Add, on the
// goroutine that calls Add; ReadAudio and WriteAudio are called on the tick
// goroutine (a Metronome's worker, the one running Run, or the caller of
// Tick), never concurrently with each other for one Room. A panic in any
// method is not recovered: it unwinds out of Tick, Run or Metronome.Run.
type Participant interface {
	// ReadAudio fills frame with the participant's next 20 ms at rate Hz
	// (len(frame) == rate/50) and reports whether it holds audio (false:
	// nothing to mix, and frame's content is ignored). The leg resamples
	// from its codec's rate to rate itself. It is called once per tick
	// while the participant is neither muted nor listen-only, and must not
	// block; a muted leg is not read, so it drops stale audio on its own.
	ReadAudio(frame []int16, rate int) bool
	// Format is the encoding the participant receives; participants with
	// equal formats (media.Format.Is) share one encode. It is read once, by
	// Add: a leg that changes format is removed and added again.
	Format() media.Format
	// WriteAudio sends one encoded 20 ms payload of Format(). It is called
	// on the tick goroutine once per tick and must not block. payload is
	// shared with other participants and reused by the next tick:
	// WriteAudio must not modify it and must copy what it keeps.
	WriteAudio(payload []byte)
}

// An AddOption sets a participant's initial state in Add.
type AddOption func(*settings)

// settings is a participant's mix settings, as the moderator sets them.
type settings struct {
	muted      bool
	listenOnly bool
	sendOnly   bool
}

// WithMuted makes the participant join muted (see SetMuted).
func WithMuted(muted bool) AddOption { return func(s *settings) { s.muted = muted } }

// WithListenOnly makes the participant join as a spectator (see SetListenOnly).
func WithListenOnly(listenOnly bool) AddOption {
	return func(s *settings) { s.listenOnly = listenOnly }
}

// WithSendOnly makes the participant a pure source, such as the room's
// announcer of join and leave prompts: it is read and mixed like anyone
// else but never written to, so it costs no encode. Its format should be
// the lowest the room uses (PCMU) so that it does not raise the room rate.
func WithSendOnly() AddOption { return func(s *settings) { s.sendOnly = true } }

// formatKey identifies a format the way media.Format.Is compares them, so
// that it can key a map without allocating per tick.
type formatKey struct {
	name string // lower case
	rate int
}

func keyOf(f media.Format) formatKey {
	return formatKey{name: strings.ToLower(f.Name), rate: f.ClockRate}
}

// leg is one participant in a Room.
type leg struct {
	id     string
	p      Participant
	format media.Format
	key    formatKey

	// Guarded by Room.mu.
	settings
	index int // position in Room.order

	// removed is set by Remove; the tick makes no new call to p once set.
	removed atomic.Bool
	// talking mirrors tickTalking for Talking, which runs on any goroutine.
	talking atomic.Bool

	// Owned by the tick goroutine (Room.tickMu).
	pcm         []int16  // what ReadAudio wrote; then the N-1 mix
	tickTalking bool     // talker in the current tick
	hang        int      // ticks of hangover left
	own         *encoder // encoder of this talker's N-1 mix; nil unless talking
}

// energy is the sum of the squares of pcm.
func energy(pcm []int16) int64 {
	var e int64
	for _, s := range pcm {
		e += int64(s) * int64(s)
	}
	return e
}

// sat16 saturates s to the int16 range.
func sat16(s int32) int16 {
	if s > math.MaxInt16 {
		return math.MaxInt16
	}
	if s < math.MinInt16 {
		return math.MinInt16
	}
	return int16(s)
}
