package mixer

import "context"

// maxCatchUp is the most ticks Run runs back to back after a stall; older
// ones are skipped, so a long stall does not turn into a burst of audio.
const maxCatchUp = 5

// Run ticks the room every 20 ms, on the calling goroutine, until ctx ends;
// then it returns nil. It returns ErrRunning at once if Run is already
// running on this room.
//
// Ticks are scheduled from the time Run starts, not from the previous tick,
// so they do not drift: the k-th tick is due k×20 ms after the start. After
// a stall Run catches up by running up to maxCatchUp overdue ticks back to
// back, counting them in Stats.LateTicks, and skips older ones, counting
// them in Stats.SkippedTicks. Run uses Options.Clock.
func (r *Room) Run(ctx context.Context) error {
	if !r.running.CompareAndSwap(false, true) {
		return ErrRunning
	}
	defer r.running.Store(false)

	clock := r.opts.Clock
	start := clock.Now() // before the ticker, so no tick fires before it is due
	c, stop := clock.NewTicker(tickPeriod)
	defer stop()
	var done int64 // ticks run or skipped
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-c:
		}
		due := int64(clock.Now().Sub(start) / tickPeriod)
		if due <= done {
			continue
		}
		var skipped, late uint64
		if behind := due - done; behind > maxCatchUp {
			skipped = uint64(behind - maxCatchUp)
			done += behind - maxCatchUp
		}
		for done < due && ctx.Err() == nil {
			done++
			isLate := done < due // tick done+1 was due already: this one is late
			if isLate {
				late++
			}
			r.tick(isLate)
		}
		if skipped > 0 || late > 0 {
			r.statsMu.Lock()
			r.stats.SkippedTicks += skipped
			r.stats.LateTicks += late
			r.statsMu.Unlock()
		}
	}
}
