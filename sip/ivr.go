package sip

import (
	"crypto/subtle"
	"errors"
	"slices"
	"time"

	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/prompts"
)

// pinTries is how many PINs a caller may get wrong before goodbye.
const pinTries = 3

// pinTimeout is how long the PIN prompt waits for the caller after it has
// finished speaking.
const pinTimeout = 15 * time.Second

// run carries the call from answer to hang-up on its own goroutine. A call
// in first gives its PIN (if the room has one) and joins the room; a call
// out was joined by the bridge. Then it serves the phone keys, the session
// timer and the RTP timeout until the call ends.
func (c *call) run(room *bridge.Room) {
	started := time.Now()
	if room != nil {
		select {
		case <-c.ended:
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
			c.say(c.server.prompts.Count(room.Len())...)
		}
	}
	c.serve(started)
}

// admit asks for the room's PIN, if it has one, and returns the role the
// caller joins with: moderator for the moderator PIN. Three wrong PINs and
// the caller hears goodbye and is hung up.
func (c *call) admit(room *bridge.Room) (bridge.Role, bool) {
	set := room.Settings()
	if set.PIN == "" && set.ModeratorPIN == "" {
		return "", true // the room decides: owner, member, guest
	}
	if c.callerExt != "" && (c.callerExt == set.Owner || slices.Contains(set.Members, c.callerExt)) {
		return "", true // the owner and members need no PIN
	}
	c.prompt.Clear()
	for try := 1; try <= pinTries; try++ {
		c.sayID(prompts.EnterPIN) // after the wrong-PIN prompt of the last try, if any
		pin, ok := c.collect()
		if !ok {
			return "", false
		}
		switch {
		case set.ModeratorPIN != "" && equal(pin, set.ModeratorPIN):
			c.sayID(prompts.Moderator)
			return bridge.RoleModerator, true
		case set.PIN != "" && equal(pin, set.PIN), set.PIN == "" && pin == "":
			return "", true
		}
		c.log.Info("wrong pin", "try", try)
		c.sayID(prompts.WrongPIN)
	}
	c.log.Info("call refused", "reason", "wrong PIN three times")
	c.sayID(prompts.Goodbye)
	c.playOut()
	c.Hangup("wrong PIN three times")
	return "", false
}

func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// collect drives the call's media while it gathers digits up to '#'. The
// prompt may be interrupted by the first digit. It gives up pinTimeout
// after the prompt ends, and reports false when the call ends first.
func (c *call) collect() (string, bool) {
	var pin []rune
	var deadline time.Time
	ok := c.pump(func(now time.Time, d rune) bool {
		if d != 0 {
			c.prompt.Clear() // typing over the prompt stops it
			if d == '#' {
				return true
			}
			if len(pin) < 32 {
				pin = append(pin, d)
			}
			deadline = now.Add(pinTimeout)
			return false
		}
		if c.prompt.Idle() && deadline.IsZero() {
			deadline = now.Add(pinTimeout)
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
		case <-c.ended:
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
	var refresh, expire <-chan time.Time
	var refreshTimer, expireTimer *time.Timer
	if c.timer != nil {
		if c.timer.weRefresh {
			refreshTimer = time.NewTimer(c.timer.refreshEvery())
			refresh = refreshTimer.C
			defer refreshTimer.Stop()
		} else {
			expireTimer = time.NewTimer(c.timer.expiresAfter())
			expire = expireTimer.C
			defer expireTimer.Stop()
		}
	}
	keys := newKeypad(c.server.keys)
	for {
		select {
		case <-c.ended:
			return
		case d := <-c.digits:
			if action, ok := keys.press(d, time.Now()); ok {
				c.act(action)
			}
		case <-c.refreshed:
			if expireTimer != nil {
				expireTimer.Reset(c.timer.expiresAfter())
			}
		case <-refresh:
			go c.refreshSession()
			refreshTimer.Reset(c.timer.refreshEvery())
		case <-expire:
			c.Hangup("session timer expired without refresh")
		case now := <-check.C:
			if c.timedOut(now, started) {
				c.Hangup("rtp timeout")
			}
		}
	}
}
