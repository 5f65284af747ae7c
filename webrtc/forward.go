package webrtc

import (
	"strconv"
	"sync"

	pion "github.com/pion/webrtc/v4"
)

// videoHub knows, for every room, which guests are in it and which video
// tracks they publish, and tells each guest's call which forwarded tracks
// it should receive: every active publisher's but its own. A publisher is
// active once its guest is in the room (joined the bridge's room): a
// guest the room refuses never shows its camera to anyone.
//
// Its methods may be called from any goroutine; they never block on the
// network: a call learns its new set through setWant and renegotiates on
// its own loop.
type videoHub struct {
	mu    sync.Mutex
	rooms map[string]*videoRoom // guarded by mu; a room with nobody in it is deleted
}

// videoRoom is one room's guests and publishers, guarded by videoHub.mu.
type videoRoom struct {
	members map[*call]string      // guest in the room → participant ID
	pubs    map[*publisher]string // every publisher of the room's calls → its track ID
	next    int                   // numbers the track IDs
}

func newVideoHub() *videoHub { return &videoHub{rooms: make(map[string]*videoRoom)} }

// room returns the room numbered n, making it if need be; mu is held.
func (h *videoHub) room(n string) *videoRoom {
	r := h.rooms[n]
	if r == nil {
		r = &videoRoom{members: make(map[*call]string), pubs: make(map[*publisher]string)}
		h.rooms[n] = r
	}
	return r
}

// join puts a guest that joined the bridge's room as participant into its
// video room: it receives every active publisher's track and its own
// publishers become active.
func (h *videoHub) join(c *call, participant string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	r := h.room(c.join.Room)
	r.members[c] = participant
	for p := range r.pubs {
		if p.c == c {
			r.activate(p, c)
		}
	}
	r.sync()
}

// leave takes a guest out of its video room, with its publishers: the
// others' calls renegotiate to remove its tracks. It is idempotent.
func (h *videoHub) leave(c *call) {
	h.mu.Lock()
	defer h.mu.Unlock()
	r := h.rooms[c.join.Room]
	if r == nil {
		return
	}
	delete(r.members, c)
	for p := range r.pubs {
		if p.c == c {
			delete(r.pubs, p)
		}
	}
	c.leftVideo = true
	h.tidy(c.join.Room, r)
	r.sync()
}

// publish adds a video track c's guest sends; false means the guest has
// left and the track is not forwarded.
func (h *videoHub) publish(p *publisher) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if p.c.leftVideo {
		return false
	}
	r := h.room(p.c.join.Room)
	r.next++
	r.pubs[p] = "video" + strconv.Itoa(r.next)
	if _, in := r.members[p.c]; in {
		r.activate(p, p.c)
		r.sync()
	}
	return true
}

// unpublish removes a video track whose reader has stopped. It is
// idempotent.
func (h *videoHub) unpublish(p *publisher) {
	h.mu.Lock()
	defer h.mu.Unlock()
	r := h.rooms[p.c.join.Room]
	if r == nil {
		return
	}
	if _, ok := r.pubs[p]; !ok {
		return
	}
	delete(r.pubs, p)
	h.tidy(p.c.join.Room, r)
	r.sync()
}

// tidy forgets room n if nobody is in it; mu is held.
func (h *videoHub) tidy(n string, r *videoRoom) {
	if len(r.members) == 0 && len(r.pubs) == 0 {
		delete(h.rooms, n)
	}
}

// activate makes p's forwarded track, labelled with the publisher's
// participant ID as its stream ID (the join page shows whose video it
// is); the hub's lock is held. The codec is the publisher's: pion binds
// the track to each receiver with the payload type that receiver
// negotiated for it.
func (r *videoRoom) activate(p *publisher, c *call) {
	if p.local.Load() != nil {
		return
	}
	t, err := pion.NewTrackLocalStaticRTP(p.codec, r.pubs[p], r.members[c])
	if err != nil {
		c.log.Warn("video not forwarded", "err", err)
		return
	}
	p.local.Store(t)
}

// sync tells every guest in the room which tracks it should receive; the
// hub's lock is held.
func (r *videoRoom) sync() {
	for m := range r.members {
		var want []*publisher
		for p := range r.pubs {
			if p.c != m && p.local.Load() != nil {
				if _, in := r.members[p.c]; in {
					want = append(want, p)
				}
			}
		}
		m.setWant(want)
	}
}
