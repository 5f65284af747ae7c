package prompts

import (
	"sync"

	"github.com/parleyhq/parley/media/resample"
)

// conversions holds a clip's samples converted to each rate it has been
// played at, made on first use and shared by every copy of the clip, so
// that a prompt heard by a thousand callers is resampled once, not once a
// frame per caller.
type conversions struct {
	at [len(rates)]struct {
		once    sync.Once
		samples []int16
	}
}

// rates are the rates a clip may be played at, in the order of
// conversions.at.
var rates = [...]int{8000, 16000, 48000}

// samplesAt returns c's samples at rate, one of rates: c.Samples itself at
// c's own rate, else the whole clip resampled, made once per rate. The
// resampler's delay is taken out, so sample i*rate/c.Rate of the result is
// the instant of c's sample i; the result runs on to the end of the clip's
// last 20 ms frame, where the filter's ringing fades. c.conv must not be
// nil.
func (c Clip) samplesAt(rate int) []int16 {
	if rate == c.Rate {
		return c.Samples
	}
	for i, r := range rates {
		if r == rate {
			slot := &c.conv.at[i]
			slot.once.Do(func() { slot.samples = resampled(c, rate) })
			return slot.samples
		}
	}
	return nil
}

// resampled is c at rate, the filter's delay taken out: the clip, padded
// with silence to a whole number of 20 ms frames and then by the delay's
// worth, goes through a fresh resampler, and the first Delay() output
// samples are dropped.
func resampled(c Clip, rate int) []int16 {
	// Both rates are among rates, so New cannot fail.
	rs, _ := resample.New(c.Rate, rate)
	frame := c.Rate / 50
	frames := (len(c.Samples) + frame - 1) / frame
	delayIn := rs.Delay() * c.Rate / rate // a whole number of samples at both rates
	in := make([]int16, frames*frame+delayIn)
	copy(in, c.Samples)
	return rs.Process(in, nil)[rs.Delay():]
}
