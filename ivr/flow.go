package ivr

import (
	"errors"
	"log/slog"

	"github.com/parleyhq/parley/prompts"
)

// Options configure a Flow.
type Options struct {
	// Prompts returns the voice prompts in use now (a config reload swaps
	// them; a call takes the set at each prompt). Required.
	Prompts func() *prompts.Set
	// Guard limits the guessing of room PINs. Required.
	Guard Limiter
	// Keys map phone key sequences to in-call actions (ParseKeys); nil
	// means DefaultKeys.
	Keys map[string]Action
}

// Flow is the phone call flow of one edge: its prompts, its PIN guard and
// its keys. It is safe for concurrent use by any number of calls.
type Flow struct {
	opts Options
}

// New returns the flow of opts; it fails when a required option is
// missing.
func New(opts Options) (*Flow, error) {
	if opts.Prompts == nil {
		return nil, errors.New("ivr: no prompts")
	}
	if opts.Guard == nil {
		return nil, errors.New("ivr: no pin guard")
	}
	if opts.Keys == nil {
		opts.Keys = DefaultKeys()
	}
	return &Flow{opts: opts}, nil
}

// Line is one call as the flow drives it. Its methods are for the one
// goroutine that carries the call (they drive its media and read its
// digits), never for two at once.
type Line struct {
	flow *Flow
	c    Call
	log  *slog.Logger
	keys keypad
}

// Line returns the flow of call c, logging to log (which carries the
// call's ID and room).
func (f *Flow) Line(c Call, log *slog.Logger) *Line {
	return &Line{flow: f, c: c, log: log, keys: keypad{keys: f.opts.Keys}}
}

// sayID queues the prompts with the given IDs, from the set in use now.
func (l *Line) sayID(ids ...string) {
	set := l.flow.opts.Prompts()
	clips := make([]prompts.Clip, 0, len(ids))
	for _, id := range ids {
		if clip, ok := set.Get(id); ok {
			clips = append(clips, clip)
		}
	}
	if len(clips) > 0 {
		l.c.Say(clips...)
	}
}
