package bridge

import (
	"errors"
	"time"

	"github.com/parleyhq/parley/prompts"
)

// ErrDraining means the process is stopping: the calls in progress go on
// for a while, and new calls, dial-outs and browser joins are refused.
var ErrDraining = errors.New("service is restarting")

// DrainRetryAfter is how long a caller refused while the bridge drains is
// asked to wait before trying again (SIP and HTTP Retry-After): what the
// restarting prompt says, "please call again in a minute".
const DrainRetryAfter = time.Minute

// Drain makes the bridge refuse what would start a call: Dial fails with
// ErrDraining, scheduled conferences wait for the next process, and the
// edges refuse new calls when Draining says so. The calls in progress go
// on; everyone in a room hears the restarting prompt, and so does a call
// that joins later (one answered before the drain, that was still at its
// PIN prompt). It returns how many rooms were told; only the first call
// does anything, later ones return 0.
func (b *Bridge) Drain() int {
	if !b.draining.CompareAndSwap(false, true) {
		return 0
	}
	clip, ok := b.voice().Get(prompts.Restarting)
	told := 0
	for _, r := range b.Rooms() {
		if ok && r.Len() > 0 {
			r.Announce(clip)
			told++
		}
	}
	return told
}

// Draining reports whether Drain was called: new calls are to be refused
// with ErrDraining.
func (b *Bridge) Draining() bool { return b.draining.Load() }

// tellDraining plays the restarting prompt to a leg that joins while the
// bridge drains, if it can play prompts to its caller alone.
func (r *Room) tellDraining(leg Leg) {
	if !r.bridge.Draining() {
		return
	}
	if s, ok := leg.(sayer); ok {
		if clip, ok := r.bridge.voice().Get(prompts.Restarting); ok {
			s.Say(clip)
		}
	}
}
