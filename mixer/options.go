package mixer

import (
	"fmt"
	"log/slog"
	"math"
	"time"

	"github.com/parleyhq/parley/media"
)

// Defaults for the zero values of Options.
const (
	// DefaultTalkerThreshold is the frame level, in dBFS RMS, from which a
	// participant counts as talking.
	DefaultTalkerThreshold = -45.0
	// DefaultHangover is how long a participant keeps counting as talking
	// after its last frame above the threshold (15 ticks).
	DefaultHangover = 300 * time.Millisecond
)

// Options configure a Room. The zero value of each optional field selects
// its default; New rejects out-of-range values.
type Options struct {
	// NewEncoder creates the encoder for one mix in format f, fed 20 ms
	// frames of PCM at inputRate Hz (the room rate, which may differ from
	// f.SampleRate(): the encoder converts). Required; the bridge passes
	// media.NewEncoderFrom. It is called on the tick goroutine, lazily, the
	// first time a mix in f is needed at a room rate; the encoder is kept
	// across ticks, reused only by that goroutine, and dropped when no
	// participant needs it or when the room rate changes. A failed creation
	// is counted in Stats.EncoderErrors, logged, and not retried until the
	// mix has gone unused for a tick.
	NewEncoder func(f media.Format, inputRate int) (media.Encoder, error)

	// TalkerThreshold is the level, in dBFS RMS (0 dBFS is a full-scale
	// square wave), from which a frame counts as speech. Zero means
	// DefaultTalkerThreshold; otherwise it must lie in [-96, 0).
	TalkerThreshold float64

	// Hangover is how long a participant stays a talker after its last
	// frame above the threshold, rounded up to whole 20 ms ticks. A talker
	// in hangover is still mixed, so the ends of words are not cut. Zero
	// means DefaultHangover; it must not be negative.
	Hangover time.Duration

	// OnTalking, if set, is called when a participant starts or stops
	// talking. It runs on the tick goroutine at the end of the tick, after
	// the tick's WriteAudio calls, and must not block or call Tick. It is
	// not called for a participant removed before its change is reported.
	OnTalking func(id string, talking bool)

	// OnTick, if set, is told how long each tick took and whether a
	// Metronome ran it late (catching up after a stall); direct Tick
	// calls are never late.
	// It runs on the tick goroutine at the end of the tick, after
	// OnTalking, and must not block or call Tick. Metrics use it.
	OnTick func(d time.Duration, late bool)

	// Logger receives the rare events worth a log line (an encoder that
	// cannot be created), never one per frame; nil discards them.
	Logger *slog.Logger
}

// Clock is the time source a Metronome schedules ticks from.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// NewTicker returns a channel that delivers a value about every d, and
	// a function that stops it. Metronome.Run calls both on its own
	// goroutine.
	NewTicker(d time.Duration) (c <-chan time.Time, stop func())
}

// systemClock is the Clock of the time package.
type systemClock struct{}

var _ Clock = systemClock{}

func (systemClock) Now() time.Time { return time.Now() }

func (systemClock) NewTicker(d time.Duration) (<-chan time.Time, func()) {
	t := time.NewTicker(d)
	return t.C, t.Stop
}

// validate checks o and fills in its defaults.
func (o *Options) validate() error {
	if o.NewEncoder == nil {
		return fmt.Errorf("%w: NewEncoder is required", ErrInvalidOptions)
	}
	switch t := o.TalkerThreshold; {
	case t == 0:
		o.TalkerThreshold = DefaultTalkerThreshold
	case math.IsNaN(t) || t < -96 || t > 0:
		return fmt.Errorf("%w: TalkerThreshold %v dBFS is outside [-96, 0)", ErrInvalidOptions, t)
	}
	switch h := o.Hangover; {
	case h == 0:
		o.Hangover = DefaultHangover
	case h < 0:
		return fmt.Errorf("%w: Hangover %v is negative", ErrInvalidOptions, h)
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// hangoverTicks is o.Hangover in whole ticks, rounded up.
func (o *Options) hangoverTicks() int {
	return int((o.Hangover + tickPeriod - 1) / tickPeriod)
}

// thresholdMeanSquare is the mean of the squared samples of a frame exactly
// at o.TalkerThreshold.
func (o *Options) thresholdMeanSquare() float64 {
	a := math.MaxInt16 * math.Pow(10, o.TalkerThreshold/20)
	return a * a
}
