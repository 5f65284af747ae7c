package media

import "github.com/parleyhq/parley/media/resample"

// RateConverter is the inbound stage that brings a leg's frames from the
// codec's sample rate to the room's. The resampler is made on first use
// and again only when the room's rate changes; at equal rates the frame is
// copied. It is not safe for concurrent use.
type RateConverter struct {
	in int // the codec's sample rate
	rs *resample.Resampler
}

// NewRateConverter returns the stage for frames at inRate Hz.
func NewRateConverter(inRate int) *RateConverter { return &RateConverter{in: inRate} }

// Convert writes pcm, one 20 ms frame at the input rate, into frame, one
// 20 ms frame at rate Hz (len(frame) is rate/FramesPerSecond). fresh says
// pcm follows a silence: the old stream's tail is not smeared into it.
// Convert reports false, with frame untouched, if no resampler joins the
// two rates. It does not allocate in steady state.
func (c *RateConverter) Convert(pcm, frame []int16, rate int, fresh bool) bool {
	if rate == c.in { // kept apart from resample so that callers inline it
		copy(frame, pcm)
		return true
	}
	return c.resample(pcm, frame, rate, fresh)
}

// resample is Convert between different rates.
func (c *RateConverter) resample(pcm, frame []int16, rate int, fresh bool) bool {
	if c.rs == nil || c.rs.OutRate() != rate {
		rs, err := resample.New(c.in, rate)
		if err != nil {
			return false
		}
		c.rs = rs
	} else if fresh {
		c.rs.Reset()
	}
	if out := c.rs.Process(pcm, frame[:0]); len(out) != len(frame) || &out[0] != &frame[0] {
		// Not expected for whole-ratio rates; keep the frame full.
		m := copy(frame, out)
		clear(frame[m:])
	}
	return true
}
