package bridge

import (
	"fmt"
	"time"

	"github.com/parleyhq/parley/dialplan"
	"github.com/parleyhq/parley/prompts"
)

// What a config reload changes while calls go on. Each method is safe for
// concurrent use with calls in progress: a call that has started keeps
// what it already took (its route, the clip it is playing), and the next
// one takes the new value.

// SetRouter makes r route the calls out placed from now on (trunks,
// extensions, dialout.direct_allow); nil routes only direct SIP targets.
func (b *Bridge) SetRouter(r *dialplan.Router) {
	if r == nil {
		r = &dialplan.Router{}
	}
	b.router.Store(r)
}

// SetPrompts makes rooms speak with set from the next prompt on; nil is
// ignored.
func (b *Bridge) SetPrompts(set *prompts.Set) {
	if set != nil {
		b.prompts.Store(set)
	}
}

// SetAnnounceJoinLeave turns the join and leave announcements on or off
// from the next join or leave on.
func (b *Bridge) SetAnnounceJoinLeave(on bool) { b.announceJoinLeave.Store(on) }

// voice returns the prompts in use now.
func (b *Bridge) voice() *prompts.Set { return b.prompts.Load() }

// RetireRoom stops serving the room at once (new calls find no such room)
// and ends its conference politely: everyone hears clip, then is hung up
// and the room is released. It returns at once; the bridge owns the wait
// and cuts it short on Close.
func (b *Bridge) RetireRoom(number string, clip prompts.Clip) error {
	b.mu.Lock()
	r, ok := b.rooms[number]
	delete(b.rooms, number)
	b.mu.Unlock()
	if !ok {
		return fmt.Errorf("%w %q", ErrUnknownRoom, number)
	}
	if r.Len() == 0 {
		r.close()
		return nil
	}
	r.Announce(clip)
	b.dialWG.Add(1)
	go func() {
		defer b.dialWG.Done()
		select {
		case <-time.After(clip.Duration() + 300*time.Millisecond):
		case <-b.ctx.Done():
		}
		r.End("room removed from the config")
		r.close()
	}()
	return nil
}

// PublishReload tells the event subscribers (the events stream, the
// webhooks) that the config was reloaded, with changes saying what
// changed ("rooms +1000 -2000, trunks ~pstn").
func (b *Bridge) PublishReload(changes string) {
	b.events.publish(Event{Type: EventReloaded, Changes: changes})
}
