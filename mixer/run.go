package mixer

import "context"

// Run ticks the room every 20 ms, on the calling goroutine, until ctx ends;
// then it returns nil. It returns ErrRunning at once if the room is already
// ticked, by Run or by a Metronome.
//
// Run is a Metronome of one room, on Options.Clock: ticks are scheduled
// from the time Run starts and do not drift, and after a stall Run catches
// up and counts Stats.LateTicks and Stats.SkippedTicks as Metronome.Run
// does. A process with many rooms ticks them all from one Metronome instead.
func (r *Room) Run(ctx context.Context) error {
	m := NewMetronome(r.opts.Clock, 1)
	if err := m.Add(r); err != nil {
		return err
	}
	defer m.Remove(r)
	return m.Run(ctx)
}
