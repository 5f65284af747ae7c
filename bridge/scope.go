package bridge

import (
	"strconv"
	"strings"
)

// This file makes participant IDs unique over the nodes of a room that
// spans several (a cluster cascade): the node that cascades a room to its
// owner gives its participants IDs that end in "@NODE", so that the
// room's owner can list every node's callers and send an action on one to
// the node that holds it. A room that is not cascaded keeps plain IDs.
// The quota counts the room's active participants on every node: the
// other nodes' through SetElsewhere; SetOnEnd and SetOnMuteAll carry the
// end of the conference and a mute all to the other nodes.

// ViaCascade is the Via of a link leg: another node of the room, joined
// as one participant, not a caller.
const ViaCascade = "cascade"

// SetIDSuffix makes the IDs of the participants and calls out that come
// into the room from now on end in suffix ("@node2"); "" gives plain IDs
// again. The numbers keep counting either way.
func (r *Room) SetIDSuffix(suffix string) {
	r.mu.Lock()
	r.idSuffix = suffix
	r.mu.Unlock()
}

// idNumber is the number an ID starts with (7 for "7" and "7@node2"),
// which orders IDs as they were handed out.
func idNumber(id string) int {
	n, _ := strconv.Atoi(strings.SplitN(id, "@", 2)[0])
	return n
}

// SetElsewhere makes the quota count, with a room's own active
// participants, those f reports the room has on other nodes. f is called
// at each admission that the quota could turn into a spectator (a room
// with a quota, a newcomer who is not a moderator nor a spectator
// already), without the room's lock held; it must return promptly. nil
// counts this node's participants only.
func (b *Bridge) SetElsewhere(f func(room string) int) {
	if f == nil {
		b.elsewhere.Store(nil)
		return
	}
	b.elsewhere.Store(&f)
}

// ActiveElsewhere returns how many active participants the room has on
// other nodes (SetElsewhere's count; 0 on a single node), for a quota
// counted over the whole room. It may ask other nodes: call it without
// holding up a call.
func (r *Room) ActiveElsewhere() int {
	if f := r.bridge.elsewhere.Load(); f != nil {
		return (*f)(r.number)
	}
	return 0
}

// activeElsewhere is ActiveElsewhere, asked only when the quota could
// make o a spectator.
func (r *Room) activeElsewhere(o JoinOptions) int {
	if r.bridge.elsewhere.Load() == nil {
		return 0
	}
	r.mu.Lock()
	role, _ := r.roleFor(o)
	counts := r.settings.Quota > 0 && !role.Moderates() && role != RoleSpectator
	r.mu.Unlock()
	if !counts {
		return 0
	}
	return r.ActiveElsewhere()
}

// SetOnMuteAll makes every MuteAllExcept (a moderator's phone key) call
// f with the room's number and the ID kept unmuted, so that the callers
// on the other nodes the room spans are muted too. f must not block.
func (b *Bridge) SetOnMuteAll(f func(room, keep string)) {
	if f == nil {
		b.onMuteAll.Store(nil)
		return
	}
	b.onMuteAll.Store(&f)
}

// SetOnEnd makes every End (a moderator's key, a scheduled end) call f
// with the room's number first, before anyone is hung up, so that the
// conference can end on the other nodes it spans too. f must not block.
func (b *Bridge) SetOnEnd(f func(room string)) {
	if f == nil {
		b.onEnd.Store(nil)
		return
	}
	b.onEnd.Store(&f)
}
