package ivr

import (
	"fmt"
	"strings"
	"time"

	"github.com/parleyhq/parley/prompts"
)

// Action is what a phone key sequence does in a conference.
type Action string

// The in-call actions. Lock, MuteAll and End are for moderators.
const (
	ActionMute    Action = "mute"     // mute or unmute yourself
	ActionCount   Action = "count"    // hear how many are in the conference
	ActionHelp    Action = "help"     // hear the keys
	ActionLock    Action = "lock"     // lock or unlock the room (moderators)
	ActionMuteAll Action = "mute_all" // mute everyone else (moderators)
	ActionEnd     Action = "end"      // end the conference for everyone (moderators)
)

// DefaultKeys are the phone keys of the README: *6 mute, *1 count, *0
// help; for moderators *2 lock, *3 mute all others, *9 end.
func DefaultKeys() map[string]Action {
	return map[string]Action{
		"*6": ActionMute, "*1": ActionCount, "*0": ActionHelp,
		"*2": ActionLock, "*3": ActionMuteAll, "*9": ActionEnd,
	}
}

// ParseKeys checks a key map from the config: every sequence is '*' or '#'
// followed by one digit, and every action is known.
func ParseKeys(m map[string]string) (map[string]Action, error) {
	out := make(map[string]Action, len(m))
	known := DefaultKeys()
	valid := map[Action]bool{}
	for _, a := range known {
		valid[a] = true
	}
	for seq, a := range m {
		if len(seq) != 2 || !strings.ContainsRune("*#", rune(seq[0])) || !strings.ContainsRune("0123456789", rune(seq[1])) {
			return nil, fmt.Errorf("key %q: want * or # followed by a digit", seq)
		}
		if !valid[Action(a)] {
			return nil, fmt.Errorf("key %s: unknown action %q (mute, count, help, lock, mute_all, end)", seq, a)
		}
		out[seq] = Action(a)
	}
	return out, nil
}

// keyWindow is how long the second key of a sequence may follow the first.
const keyWindow = 3 * time.Second

// keypad turns digits into actions: a prefix key ('*' or '#') then a digit.
type keypad struct {
	keys   map[string]Action
	prefix rune
	at     time.Time
}

// press takes one digit and returns the action it completes, if any.
func (k *keypad) press(d rune, now time.Time) (Action, bool) {
	if d == '*' || d == '#' {
		k.prefix, k.at = d, now
		return "", false
	}
	if k.prefix == 0 || now.Sub(k.at) > keyWindow {
		k.prefix = 0
		return "", false
	}
	seq := string(k.prefix) + string(d)
	k.prefix = 0
	a, ok := k.keys[seq]
	return a, ok
}

// Press takes one digit the caller typed during the call and carries out
// the action it completes, if any (the call's keys: Options.Keys). The
// edge's loop that waits for the call's end reads Call.Digits and hands
// each digit here.
func (l *Line) Press(d rune) {
	if a, ok := l.keys.press(d, time.Now()); ok {
		l.act(a)
	}
}

// act carries out an in-call action for the call's participant, with a
// spoken confirmation. Moderator actions by others just play the help.
func (l *Line) act(a Action) {
	p := l.c.Participant()
	if p == nil {
		return
	}
	room := p.Room()
	l.log.Info("phone key", "action", string(a), "participant", p.ID)
	if (a == ActionLock || a == ActionMuteAll || a == ActionEnd) && !p.Role().Moderates() {
		l.sayID(prompts.Help)
		return
	}
	l.c.Prompts().Clear()
	switch a {
	case ActionMute:
		muted := !p.Muted()
		p.SetMuted(muted)
		l.sayID(either(muted, prompts.Muted, prompts.Unmuted))
	case ActionCount:
		l.sayCount(room)
	case ActionHelp:
		l.sayID(prompts.Help)
	case ActionLock:
		locked := !room.Locked()
		room.SetLocked(locked)
		l.sayID(either(locked, prompts.Locked, prompts.Unlocked))
	case ActionMuteAll:
		room.MuteAllExcept(p.ID)
		l.sayID(prompts.AllMuted)
	case ActionEnd:
		clip, _ := l.flow.opts.Prompts().Get(prompts.ConferenceEnding)
		room.EndWithGoodbye(clip, "ended by a moderator's phone key")
	}
}

// either is on's prompt ID when on, else off's: the confirmation of a
// toggle.
func either(on bool, onID, offID string) string {
	if on {
		return onID
	}
	return offID
}
