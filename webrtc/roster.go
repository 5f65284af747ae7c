package webrtc

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/parleyhq/parley/bridge"
)

// rosterInterval is the least time between two "roster" messages to one
// guest: the changes that come within it (a burst of talking events, a
// moderator's "mute all") go out together, in one message.
const rosterInterval = 100 * time.Millisecond

// eventSource is what the roster needs of Options.Bridge besides Rooms:
// *bridge.Bridge has it.
type eventSource interface {
	// Subscribe returns a subscription to every room's events.
	Subscribe() *bridge.Subscription
}

// roster keeps a joined guest's page up to date with the participants of
// its room. It follows the bridge's events for that room on its own
// goroutine (run) and sends the whole list as a "roster" message, at most
// once per rosterInterval, never more than the call's signalling queue can
// spare (sendIfRoom): it never blocks the call's loop, and a roster
// message that could not go out is replaced by the next one.
type roster struct {
	out  *signalQueue // the call's
	room *bridge.Room
	self string               // the guest's own participant ID
	sub  *bridge.Subscription // nil when the bridge publishes no events

	stop     chan struct{} // closed by close
	stopOnce sync.Once
	done     chan struct{} // closed when run has returned

	// Owned by run, once started; startRoster fills them before.
	entries map[string]RosterEntry // by participant ID
	dropped int                    // sub.Dropped() when entries was last reloaded
}

// startRoster starts the roster of the guest joined as participant self,
// on the call's loop, once c.room has admitted it. It subscribes to the
// bridge's events before it reads the room's participants, so that no
// change falls in between; the first roster goes out at once. A bridge
// without events (no Subscribe method) gets that first roster only. The
// call stops the roster with close when it ends.
func (c *call) startRoster(self string) *roster {
	r := &roster{out: c.sig, room: c.room, self: self, stop: make(chan struct{}), done: make(chan struct{})}
	if src, ok := c.s.rooms.(eventSource); ok {
		r.sub = src.Subscribe()
	}
	r.reload()
	go r.run()
	return r
}

// close stops the roster's goroutine, waits for it and ends its
// subscription. It is idempotent, and does nothing on a nil roster (a call
// that never joined).
func (r *roster) close() {
	if r == nil {
		return
	}
	r.stopOnce.Do(func() { close(r.stop) })
	<-r.done
	if r.sub != nil {
		r.sub.Close()
	}
}

// run applies the room's events to the list and sends it when it changed,
// until close.
func (r *roster) run() {
	defer close(r.done)
	var events <-chan bridge.Event
	if r.sub != nil {
		events = r.sub.C
	}
	timer := time.NewTimer(0) // the first roster goes out at once
	defer timer.Stop()
	flush := timer.C // non-nil while a change waits to go out
	for {
		select {
		case <-r.stop:
			return
		case ev, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			changed := ev.Room == r.room.Number() && r.apply(ev)
			if n := r.sub.Dropped(); n != r.dropped { // events were lost: read the room again
				r.reload()
				changed = true
			}
			if changed && flush == nil {
				timer.Reset(rosterInterval)
				flush = timer.C
			}
		case <-flush:
			if r.out.sendIfRoom(r.message()) {
				flush = nil
			} else {
				timer.Reset(rosterInterval)
			}
		}
	}
}

// reload reads the list afresh from the room.
func (r *roster) reload() {
	if r.sub != nil {
		r.dropped = r.sub.Dropped()
	}
	r.entries = make(map[string]RosterEntry)
	for _, p := range r.room.Participants() {
		r.entries[p.ID] = r.entryOf(p)
	}
}

// apply changes the list by one of its room's events, and reports whether
// it changed. A newcomer is read from the room, so that its mute and talk
// state are right even when its talking event came before its joined
// event; events of participants the list does not hold are ignored.
func (r *roster) apply(ev bridge.Event) bool {
	e, known := r.entries[ev.Participant]
	switch ev.Type {
	case bridge.EventJoined:
		p, err := r.room.Participant(ev.Participant)
		if err != nil {
			return false // gone already: its left event follows
		}
		r.entries[p.ID] = r.entryOf(p)
		return true
	case bridge.EventLeft:
		delete(r.entries, ev.Participant)
		return known
	case bridge.EventTalking:
		if !known || ev.Talking == nil || e.Talking == *ev.Talking {
			return false
		}
		e.Talking = *ev.Talking
	case bridge.EventMuted:
		if !known || ev.Muted == nil || e.Muted == *ev.Muted {
			return false
		}
		e.Muted = *ev.Muted
	case bridge.EventRole:
		if !known || e.Role == string(ev.Role) {
			return false
		}
		e.Role = string(ev.Role)
	default: // dial, locked, ended: not in the list
		return false
	}
	r.entries[ev.Participant] = e
	return true
}

// entryOf is p as the guest may see it.
func (r *roster) entryOf(p *bridge.Participant) RosterEntry {
	return RosterEntry{ID: p.ID, Name: publicName(p.Name, p.Via), Role: string(p.Role()), Via: p.Via,
		Muted: p.Muted(), Talking: p.Talking(), Self: p.ID == r.self}
}

// message is the list as a "roster" message, in the order participants
// joined (their numeric IDs).
func (r *roster) message() Message {
	list := make([]RosterEntry, 0, len(r.entries))
	for _, e := range r.entries {
		list = append(list, e)
	}
	slices.SortFunc(list, func(a, b RosterEntry) int {
		x, _ := strconv.Atoi(a.ID)
		y, _ := strconv.Atoi(b.ID)
		return cmp.Or(cmp.Compare(x, y), strings.Compare(a.ID, b.ID))
	})
	return Message{Type: TypeRoster, Roster: list}
}

// publicName is the name guests see of a participant: a browser guest's
// name as it typed it, and a phone's display name unless that is only a
// number or an address (a caller without a display name is named by the
// user part of its From, a call out by its target), which guests do not
// get: the page shows such a participant as a phone.
func publicName(name, via string) string {
	if via == "webrtc" || !isAddress(name) {
		return name
	}
	return ""
}

// isAddress reports whether s is a phone number or extension (digits, with
// + - ( ) . and spaces), a dial target (#sip:, #h323:), a URI (sip:, sips:,
// tel:) or anything with an @ in it.
func isAddress(s string) bool {
	s = strings.TrimSpace(s)
	lower := strings.ToLower(s)
	if strings.Contains(s, "@") || strings.HasPrefix(s, "#") ||
		strings.HasPrefix(lower, "sip:") || strings.HasPrefix(lower, "sips:") || strings.HasPrefix(lower, "tel:") {
		return true
	}
	digits := 0
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case !strings.ContainsRune("+-(). ", c):
			return false
		}
	}
	return digits > 0
}
