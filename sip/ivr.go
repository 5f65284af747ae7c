package sip

import (
	"crypto/subtle"
	"errors"
	"net/netip"
	"slices"
	"time"

	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/guard"
	"github.com/parleyhq/parley/prompts"
	"github.com/parleyhq/parley/rules"
)

// pinTries is how many PINs a caller may get wrong before goodbye.
const pinTries = 3

// pinPenalty is the least a wrong PIN costs: the next PIN of the call is
// not checked sooner after it, so that typing over the prompts does not
// make guessing fast (the digits themselves are kept).
const pinPenalty = 2 * time.Second

// maxPINWait is the longest the prompt holds a caller while the PIN guard
// slows its source or the room; a longer wait, or a ban, ends the call the
// way three wrong PINs do.
const maxPINWait = 30 * time.Second

// pinTimeout is how long the PIN prompt waits for the caller after it has
// finished speaking, and between digits.
const pinTimeout = 15 * time.Second

// optionalPINTimeout is how long the prompt of a room with only a
// moderator PIN waits after it has finished speaking for a first digit;
// then the caller joins as an attendee, as if they had pressed the hash
// key.
const optionalPINTimeout = 3 * time.Second

// run carries the call from answer to hang-up on its own goroutine. A call
// in first gives its PIN (if the room has one) and joins the room; a call
// out was joined by the bridge. Then it serves the phone keys, the session
// timer and the RTP timeout until the call ends.
func (c *call) run(room *bridge.Room) {
	started := time.Now()
	if room != nil {
		select {
		case <-c.Done():
			return
		default:
		}
		role, ok := c.admit(room)
		if !ok {
			return
		}
		from := c.uas.InviteRequest.From().Address.User
		join := bridge.JoinOptions{Name: callerName(c.uas.InviteRequest), Role: role, Via: "sip",
			Extension: c.callerExt, Source: "dial_in", Address: from}
		if c.callerExt != "" {
			join.Source = "extension"
			if name := c.server.registrar.Name(c.callerExt); name != "" {
				join.Name = name // the configured name, not whatever the phone puts in From
			}
		}
		p, err := room.Join(c, join)
		if err != nil {
			c.log.Info("call refused", "reason", err.Error())
			if errors.Is(err, bridge.ErrFull) {
				c.sayID(prompts.RoomFull)
			} else {
				c.sayID(prompts.RoomLocked)
			}
			c.playOut()
			c.Hangup(err.Error())
			return
		}
		c.log.Info("call joined", "participant", p.ID, "role", string(p.Role()), "guest", p.Guest, "over_quota", p.OverQuota)
		if room.Len() <= 1 {
			c.sayID(prompts.FirstParticipant)
		} else {
			c.say(c.server.voice().Count(room.Len())...)
		}
	}
	c.serve(started)
}

// admit asks for the room's PIN, if it has one, and returns the role the
// caller joins with: moderator for the moderator PIN. A room with only a
// moderator PIN needs none from the others: its prompt asks moderators for
// theirs and everyone else to press the hash key, which (or saying nothing
// for optionalPINTimeout) joins them as the room decides, without the
// guard. Three wrong PINs and the caller hears goodbye and is hung up. Every try is counted by the PIN
// guard under the caller's IP and the room: before a PIN is checked, the
// call is held for as long as the guard says (holdOff), and a wrong PIN
// costs at least pinPenalty.
func (c *call) admit(room *bridge.Room) (bridge.Role, bool) {
	set := room.Settings()
	if set.PIN == "" && set.ModeratorPIN == "" {
		return "", true // the room decides: owner, member, guest
	}
	if c.callerExt != "" && (c.callerExt == set.Owner || slices.Contains(set.Members, c.callerExt)) {
		return "", true // the owner and members need no PIN
	}
	c.prompt.Clear()
	prompt, idle := prompts.EnterPIN, pinTimeout
	if set.PIN == "" {
		prompt, idle = prompts.EnterModeratorPIN, optionalPINTimeout
	}
	src, key := guard.SourceOf(c.uas.InviteRequest.Source()), room.Number()
	lim := c.server.opts.PINGuard
	var notBefore time.Time // pinPenalty after the last wrong PIN
	for try := 1; try <= pinTries; try++ {
		c.sayID(prompt) // after the wrong-PIN prompt of the last try, if any
		pin, ok := c.collect(idle)
		if !ok {
			return "", false
		}
		if set.PIN == "" && pin == "" {
			return "", true // not a moderator: nothing to check, nothing to guess
		}
		// The guard is asked between the PIN and its check, not before the
		// prompt: so that 50 calls typing at once cannot all pass one early
		// check.
		if d := time.Until(notBefore); d > 0 && !c.wait(d) {
			return "", false
		}
		if !c.holdOff(lim, src, key) {
			return "", false
		}
		switch {
		case set.ModeratorPIN != "" && equal(pin, set.ModeratorPIN):
			lim.Succeed(src, key)
			c.sayID(prompts.Moderator)
			return bridge.RoleModerator, true
		case set.PIN != "" && equal(pin, set.PIN):
			lim.Succeed(src, key)
			return "", true
		}
		lim.Fail(src, key)
		notBefore = time.Now().Add(pinPenalty)
		c.log.Info("wrong pin", "try", try)
		c.sayID(prompts.WrongPIN)
	}
	c.log.Info("call refused", "reason", "wrong PIN three times")
	c.sayID(prompts.Goodbye)
	c.playOut()
	c.Hangup("wrong PIN three times")
	return "", false
}

// holdOff waits, driving the media, for as long as lim says a try by src
// on room key must wait. A banned caller, or one told to wait more than
// maxPINWait, hears the wrong-PIN prompt and goodbye and is hung up; it
// reports false then, or when the call ends.
func (c *call) holdOff(lim Limiter, src netip.Addr, key string) bool {
	for {
		wait, banned := lim.Check(src, key)
		if !banned && wait == 0 {
			return true
		}
		if banned || wait > maxPINWait {
			c.log.Info("call refused", "reason", "too many wrong PINs", "banned", banned, "wait", wait.Round(time.Second).String())
			c.sayID(prompts.WrongPIN)
			c.sayID(prompts.Goodbye)
			c.playOut()
			c.Hangup("too many wrong PINs")
			return false
		}
		if !c.wait(wait) {
			return false
		}
	}
}

// wait drives the call's media for d, dropping any digit typed meanwhile;
// false if the call ends first.
func (c *call) wait(d time.Duration) bool {
	until := time.Now().Add(d)
	return c.pump(func(now time.Time, _ rune) bool { return !now.Before(until) })
}

func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// collect drives the call's media while it gathers digits up to '#'. The
// prompt may be interrupted by the first digit. It gives up idle after the
// prompt ends if no digit came, pinTimeout after the last digit otherwise,
// and reports false when the call ends first.
func (c *call) collect(idle time.Duration) (string, bool) {
	var pin []rune
	var deadline time.Time
	ok := c.pump(func(now time.Time, d rune) bool {
		if d != 0 {
			c.prompt.Clear() // typing over the prompt stops it
			if d == '#' {
				return true
			}
			if len(pin) < rules.MaxPINLen {
				pin = append(pin, d)
			}
			deadline = now.Add(pinTimeout)
			return false
		}
		if c.prompt.Idle() && deadline.IsZero() {
			deadline = now.Add(idle)
		}
		return !deadline.IsZero() && now.After(deadline)
	})
	return string(pin), ok
}

// playOut drives the call's media until its prompts have been heard.
func (c *call) playOut() {
	c.pump(func(time.Time, rune) bool { return c.prompt.Idle() })
}

// pump drives a call that is in no room: every 20 ms it reads the peer's
// audio (which keeps the jitter buffer moving and feeds in-band DTMF
// detection) and sends the next frame of prompt. done is asked after every
// digit and every tick (with digit 0); pump returns true once done says so,
// false if the call ends first.
func (c *call) pump(done func(now time.Time, digit rune) bool) bool {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	buf := make([]int16, 960)
	for {
		select {
		case <-c.Done():
			return false
		case d := <-c.digits:
			if done(time.Now(), d) {
				return true
			}
		case now := <-tick.C:
			m := c.media.Load()
			rate := m.Format().SampleRate()
			m.ReadAudio(buf[:rate/50], rate)
			c.sendPrompt()
			if done(now, 0) {
				return true
			}
		}
	}
}

// serve waits for the end of the call while it acts on phone keys, keeps
// the session timer and watches for the RTP timeout.
func (c *call) serve(started time.Time) {
	check := time.NewTicker(250 * time.Millisecond)
	defer check.Stop()
	var due <-chan time.Time // the session timer's deadline (RFC 4028)
	var dueTimer *time.Timer
	if wait, ok := c.dlg.startTimer(time.Now()); ok {
		dueTimer = time.NewTimer(wait)
		due = dueTimer.C
		defer dueTimer.Stop()
	}
	keys := newKeypad(c.server.keys)
	for {
		select {
		case <-c.Done():
			return
		case d := <-c.digits:
			if action, ok := keys.press(d, time.Now()); ok {
				c.act(action)
			}
		case now := <-due:
			switch c.dlg.sessionDue(now) {
			case sessionRefresh:
				go c.refreshSession()
			case sessionExpired:
				c.Hangup("session timer expired without refresh")
			}
			if wait, ok := c.dlg.untilDue(now); ok { // a refresh moved it, or the next one of ours
				dueTimer.Reset(wait)
			}
		case now := <-check.C:
			if c.dlg.rtpTimedOut(now, started, c.media.Load().LastReceived(), c.server.opts.RTPTimeout) {
				c.Hangup("rtp timeout")
			}
		}
	}
}
