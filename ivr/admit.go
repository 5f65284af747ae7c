package ivr

import (
	"crypto/subtle"
	"errors"
	"net/netip"
	"slices"
	"time"

	"github.com/parleyhq/parley/bridge"
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

// DialIn carries a call in from its answer into room: it asks for the
// room's PIN if it has one (admit), joins the room as who with the role
// the PIN gave, and tells the caller who is there (or that they are the
// first). A room that refuses the caller (full, locked) says why and
// hangs up. DialIn reports whether the caller is in the room; false means
// the call has ended or been hung up.
func (l *Line) DialIn(room *bridge.Room, who Caller) bool {
	select {
	case <-l.c.Done():
		return false
	default:
	}
	role, ok := l.admit(room, who)
	if !ok {
		return false
	}
	join := who.Join
	join.Role = role
	p, err := room.Join(l.c, join)
	if err != nil {
		l.log.Info("call refused", "reason", err.Error())
		id := prompts.RoomLocked
		if errors.Is(err, bridge.ErrFull) {
			id = prompts.RoomFull
		}
		l.Play(0, id)
		l.c.Hangup(err.Error())
		return false
	}
	l.log.Info("call joined", "participant", p.ID, "role", string(p.Role()), "guest", p.Guest, "over_quota", p.OverQuota)
	l.sayCount(room)
	return true
}

// sayCount tells the caller how many are in room, or that they are the
// first.
func (l *Line) sayCount(room *bridge.Room) {
	if n := room.Len(); n <= 1 {
		l.sayID(prompts.FirstParticipant)
	} else {
		l.c.Say(l.flow.opts.Prompts().Count(n)...)
	}
}

// admit asks for the room's PIN, if it has one, and returns the role the
// caller joins with: moderator for the moderator PIN. A room with only a
// moderator PIN needs none from the others: its prompt asks moderators for
// theirs and everyone else to press the hash key, which (or saying nothing
// for optionalPINTimeout) joins them as the room decides, without the
// guard. Three wrong PINs and the caller hears goodbye and is hung up.
// Every try is counted by the PIN guard under the caller's address and the
// room: before a PIN is checked, the call is held for as long as the guard
// says (holdOff), and a wrong PIN costs at least pinPenalty.
func (l *Line) admit(room *bridge.Room, who Caller) (bridge.Role, bool) {
	set := room.Settings()
	if set.PIN == "" && set.ModeratorPIN == "" {
		return "", true // the room decides: owner, member, guest
	}
	if ext := who.Join.Extension; ext != "" && (ext == set.Owner || slices.Contains(set.Members, ext)) {
		return "", true // the owner and members need no PIN
	}
	l.c.Prompts().Clear()
	prompt, idle := prompts.EnterPIN, pinTimeout
	if set.PIN == "" {
		prompt, idle = prompts.EnterModeratorPIN, optionalPINTimeout
	}
	src, key := who.Addr, room.Number()
	lim := l.flow.opts.Guard
	var notBefore time.Time // pinPenalty after the last wrong PIN
	for try := 1; try <= pinTries; try++ {
		l.sayID(prompt) // after the wrong-PIN prompt of the last try, if any
		pin, ok := l.collect(idle)
		if !ok {
			return "", false
		}
		if set.PIN == "" && pin == "" {
			return "", true // not a moderator: nothing to check, nothing to guess
		}
		// The guard is asked between the PIN and its check, not before the
		// prompt: so that 50 calls typing at once cannot all pass one early
		// check.
		if d := time.Until(notBefore); d > 0 && !l.wait(d) {
			return "", false
		}
		if !l.holdOff(lim, src, key) {
			return "", false
		}
		switch {
		case set.ModeratorPIN != "" && equal(pin, set.ModeratorPIN):
			lim.Succeed(src, key)
			l.sayID(prompts.Moderator)
			return bridge.RoleModerator, true
		case set.PIN != "" && equal(pin, set.PIN):
			lim.Succeed(src, key)
			return "", true
		}
		lim.Fail(src, key)
		notBefore = time.Now().Add(pinPenalty)
		l.log.Info("wrong pin", "try", try)
		l.sayID(prompts.WrongPIN)
	}
	l.log.Info("call refused", "reason", "wrong PIN three times")
	l.Play(0, prompts.Goodbye)
	l.c.Hangup("wrong PIN three times")
	return "", false
}

// holdOff waits, driving the media, for as long as lim says a try by src
// on room key must wait. A banned caller, or one told to wait more than
// maxPINWait, hears the wrong-PIN prompt and goodbye and is hung up; it
// reports false then, or when the call ends.
func (l *Line) holdOff(lim Limiter, src netip.Addr, key string) bool {
	for {
		wait, banned := lim.Check(src, key)
		if !banned && wait == 0 {
			return true
		}
		if banned || wait > maxPINWait {
			l.log.Info("call refused", "reason", "too many wrong PINs", "banned", banned, "wait", wait.Round(time.Second).String())
			l.Play(0, prompts.WrongPIN, prompts.Goodbye)
			l.c.Hangup("too many wrong PINs")
			return false
		}
		if !l.wait(wait) {
			return false
		}
	}
}

func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// collect drives the call's media while it gathers digits up to '#'. The
// prompt may be interrupted by the first digit. It gives up idle after the
// prompt ends if no digit came, pinTimeout after the last digit otherwise,
// and reports false when the call ends first.
func (l *Line) collect(idle time.Duration) (string, bool) {
	var pin []rune
	var deadline time.Time
	player := l.c.Prompts()
	ok := l.pump(func(now time.Time, d rune) bool {
		if d != 0 {
			player.Clear() // typing over the prompt stops it
			if d == '#' {
				return true
			}
			if len(pin) < rules.MaxPINLen {
				pin = append(pin, d)
			}
			deadline = now.Add(pinTimeout)
			return false
		}
		if player.Idle() && deadline.IsZero() {
			deadline = now.Add(idle)
		}
		return !deadline.IsZero() && now.After(deadline)
	})
	return string(pin), ok
}
