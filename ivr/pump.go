package ivr

import "time"

// Play queues the prompts with the given IDs and drives the call's media
// until every prompt queued has been heard, or limit has passed (0: no
// limit). It is for a call in no room (a refusal's early media, the
// flow's own goodbye); it reports false if the call ends first.
func (l *Line) Play(limit time.Duration, ids ...string) bool {
	l.sayID(ids...)
	var until time.Time
	if limit > 0 {
		until = time.Now().Add(limit)
	}
	return l.pump(func(now time.Time, _ rune) bool {
		return l.c.Prompts().Idle() || (!until.IsZero() && !now.Before(until))
	})
}

// wait drives the call's media for d, dropping any digit typed meanwhile;
// false if the call ends first.
func (l *Line) wait(d time.Duration) bool {
	until := time.Now().Add(d)
	return l.pump(func(now time.Time, _ rune) bool { return !now.Before(until) })
}

// pump drives a call that is in no room: every 20 ms it reads the peer's
// audio (which keeps the jitter buffer moving and feeds in-band DTMF
// detection) and sends the next frame of prompt. done is asked after every
// digit and every tick (with digit 0); pump returns true once done says so,
// false if the call ends first.
func (l *Line) pump(done func(now time.Time, digit rune) bool) bool {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	buf := make([]int16, 960)
	for {
		select {
		case <-l.c.Done():
			return false
		case d := <-l.c.Digits():
			if done(time.Now(), d) {
				return true
			}
		case now := <-tick.C:
			rate := l.c.Format().SampleRate()
			l.c.ReadAudio(buf[:rate/50], rate)
			l.c.SendPrompt()
			if done(now, 0) {
				return true
			}
		}
	}
}
