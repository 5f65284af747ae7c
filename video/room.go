package video

import (
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
)

// KeyframeInterval is the least time between two keyframe requests to one
// publisher: every receiver's PLI and FIR, every new receiver and every
// speaker switch asks for a keyframe, and a publisher that encoded one for
// each would spend its bandwidth on keyframes.
const KeyframeInterval = 500 * time.Millisecond

// Codec is what a track carries, as SDP names it.
type Codec struct {
	// MimeType is "video/H264", "video/VP8", ...
	MimeType string
	// ClockRate is the RTP clock rate, 90000 for video.
	ClockRate uint32
	// Fmtp is the publisher's format parameters (RFC 8866 §6.15), e.g.
	// "packetization-mode=1;profile-level-id=42e01f"; may be empty.
	Fmtp string
}

// Is reports whether c and o are the same codec (by MIME type; format
// parameters are the edges' business).
func (c Codec) Is(o Codec) bool { return strings.EqualFold(c.MimeType, o.MimeType) }

// Mode says which of a room's tracks a subscriber receives.
type Mode int

const (
	// Everyone receives every other participant's track: a browser, which
	// shows a tile per publisher.
	Everyone Mode = iota
	// Speaker receives one track, the active speaker's: a room system that
	// shows one picture. When the subscriber is itself the speaker it keeps
	// the previous speaker; before anyone has spoken it gets the first
	// track published.
	Speaker
)

// Subscriber is an edge's receiver of forwarded video: a browser's
// PeerConnection, a SIP room system's video stream.
type Subscriber interface {
	// SetTracks tells the subscriber the tracks it should receive now; it
	// is called whenever that set changes. The subscriber attaches a Sink
	// to each new track (Track.AddSink) and detaches it from the tracks no
	// longer in the set. SetTracks is called with the room's lock held:
	// it must not block, nor call the Room.
	SetTracks(tracks []*Track)
}

// Sink takes the packets of the tracks it is attached to.
type Sink interface {
	// WriteRTP forwards one packet of t. It runs on the publisher's reader
	// goroutine, so it must not block, and it must not change pkt (other
	// sinks get the same packet): a sink that rewrites copies the header.
	WriteRTP(t *Track, pkt *rtp.Packet)
}

// Room routes the video of one conference: who publishes which track and
// which tracks each subscriber receives. The bridge makes one per room and
// tells it who speaks; the edges publish and subscribe. It is safe for
// concurrent use.
type Room struct {
	mu       sync.Mutex
	tracks   []*Track                     // guarded by mu; in order of publishing
	subs     map[Subscriber]*subscription // guarded by mu
	speakers []string                     // guarded by mu; participant IDs, latest speaker first
	next     int                          // guarded by mu; numbers the track IDs
}

// subscription is one subscriber's terms and what it was last told.
type subscription struct {
	participant string
	mode        Mode
	accepts     func(Codec) bool
	tracks      []*Track // the set it was last told
	told        bool     // it was told a set at all
}

// NewRoom returns an empty room.
func NewRoom() *Room { return &Room{subs: make(map[Subscriber]*subscription)} }

// Publish adds a track that participant sends, and offers it to the
// subscribers. keyframe asks the publisher for a keyframe (a PLI or FIR
// on its edge); it is called on the goroutine that calls Track.Write, at
// most once per KeyframeInterval. Close the track when it ends.
func (r *Room) Publish(participant string, codec Codec, keyframe func()) *Track {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.next++
	t := &Track{
		ID: "video" + strconv.Itoa(r.next), Participant: participant, Codec: codec,
		room: r, keyframe: keyframe,
		kf: keyframes{now: time.Now, interval: KeyframeInterval},
	}
	t.sinks.Store(&[]Sink{})
	r.tracks = append(r.tracks, t)
	r.sync()
	return t
}

// Subscribe makes s receive the room's video: every track but
// participant's own (Everyone) or the active speaker's (Speaker), of the
// codecs accepts takes (nil takes all). s is told its first set at once.
func (r *Room) Subscribe(s Subscriber, participant string, mode Mode, accepts func(Codec) bool) {
	if accepts == nil {
		accepts = func(Codec) bool { return true }
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.subs[s] = &subscription{participant: participant, mode: mode, accepts: accepts}
	r.sync()
}

// Unsubscribe stops s receiving anything more; it is told an empty set,
// so that it detaches its sinks. It is idempotent.
func (r *Room) Unsubscribe(s Subscriber) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.subs[s]; !ok {
		return
	}
	delete(r.subs, s)
	s.SetTracks(nil)
}

// Speaking tells the room that participant started talking: Speaker
// subscribers switch to its track, if it publishes one they accept.
func (r *Room) Speaking(participant string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.speakers) > 0 && r.speakers[0] == participant {
		return
	}
	r.speakers = slices.DeleteFunc(r.speakers, func(p string) bool { return p == participant })
	r.speakers = slices.Insert(r.speakers, 0, participant)
	r.sync()
}

// Left forgets participant as a speaker, once it has left the room.
func (r *Room) Left(participant string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.speakers = slices.DeleteFunc(r.speakers, func(p string) bool { return p == participant })
}

// Tracks returns the tracks published now, in order of publishing.
func (r *Room) Tracks() []*Track {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.tracks)
}

// unpublish removes t; r.mu is not held.
func (r *Room) unpublish(t *Track) {
	r.mu.Lock()
	defer r.mu.Unlock()
	i := slices.Index(r.tracks, t)
	if i < 0 {
		return
	}
	r.tracks = slices.Delete(r.tracks, i, i+1)
	r.sync()
}

// sync works out every subscriber's set and tells those whose set
// changed; a Speaker subscriber's new speaker is asked for a keyframe, so
// that the switch shows a picture at once. r.mu is held.
func (r *Room) sync() {
	for s, sub := range r.subs {
		var want []*Track
		switch sub.mode {
		case Everyone:
			for _, t := range r.tracks {
				if t.Participant != sub.participant && sub.accepts(t.Codec) {
					want = append(want, t)
				}
			}
		case Speaker:
			if t := r.speakerFor(sub); t != nil {
				want = []*Track{t}
			}
		}
		if sub.told && slices.Equal(want, sub.tracks) {
			continue
		}
		sub.tracks, sub.told = want, true
		s.SetTracks(slices.Clone(want))
		if sub.mode == Speaker {
			for _, t := range want {
				t.RequestKeyframe()
			}
		}
	}
}

// speakerFor returns the track a Speaker subscriber shows: the latest
// speaker's (not its own) that it accepts; else the track it shows now,
// if still published; else the first it accepts. r.mu is held.
func (r *Room) speakerFor(sub *subscription) *Track {
	other := func(t *Track) bool { return t.Participant != sub.participant && sub.accepts(t.Codec) }
	for _, p := range r.speakers {
		for _, t := range r.tracks {
			if t.Participant == p && other(t) {
				return t
			}
		}
	}
	for _, t := range sub.tracks {
		if slices.Contains(r.tracks, t) {
			return t
		}
	}
	for _, t := range r.tracks {
		if other(t) {
			return t
		}
	}
	return nil
}

// Track is one video stream a participant publishes. Its publisher's
// reader goroutine hands it every packet (Write), which goes to every
// attached Sink unchanged.
type Track struct {
	// ID names the track in the room ("video3"); browsers see it as the
	// track ID.
	ID string
	// Participant is the publisher's participant ID.
	Participant string
	// Codec is what the track carries.
	Codec Codec

	room     *Room
	keyframe func()
	kf       keyframes
	sinkMu   sync.Mutex             // serialises changes of sinks
	sinks    atomic.Pointer[[]Sink] // read on every packet without a lock
	closed   atomic.Bool
}

// Write forwards one packet to every sink, then asks the publisher for a
// keyframe if one was requested and the interval allows. Only the
// publisher's reader goroutine calls it.
func (t *Track) Write(pkt *rtp.Packet) {
	for _, s := range *t.sinks.Load() {
		s.WriteRTP(t, pkt)
	}
	if t.kf.due() && t.keyframe != nil {
		t.keyframe()
	}
}

// RequestKeyframe asks for a keyframe from the publisher, sent on the
// next Write once KeyframeInterval has passed since the last one. Any
// goroutine may call it; a request is never lost.
func (t *Track) RequestKeyframe() { t.kf.request() }

// AddSink attaches s: it gets every packet from now on. Adding a sink
// twice has no effect.
func (t *Track) AddSink(s Sink) {
	t.sinkMu.Lock()
	defer t.sinkMu.Unlock()
	old := *t.sinks.Load()
	if slices.Contains(old, s) {
		return
	}
	next := append(slices.Clone(old), s)
	t.sinks.Store(&next)
}

// RemoveSink detaches s; it may still get a packet that is being
// forwarded as it returns.
func (t *Track) RemoveSink(s Sink) {
	t.sinkMu.Lock()
	defer t.sinkMu.Unlock()
	next := slices.DeleteFunc(slices.Clone(*t.sinks.Load()), func(x Sink) bool { return x == s })
	t.sinks.Store(&next)
}

// Close unpublishes the track: subscribers drop it. It is idempotent.
func (t *Track) Close() {
	if t.closed.Swap(true) {
		return
	}
	t.room.unpublish(t)
}

// keyframes rate-limits the keyframe requests for one track: any
// goroutine may ask (request); the reader goroutine checks due on every
// packet and sends the request when due says so. A request that comes
// too soon after the last is not dropped but sent once the interval has
// passed, so a new receiver always gets its keyframe.
type keyframes struct {
	now      func() time.Time
	interval time.Duration

	wanted atomic.Bool
	last   time.Time // owned by the reader goroutine (due)
}

// request asks for a keyframe. It may be called from any goroutine.
func (k *keyframes) request() { k.wanted.Store(true) }

// due reports whether a keyframe request should go out now, and if so
// counts it as sent. Only the reader goroutine calls it.
func (k *keyframes) due() bool {
	if !k.wanted.Load() {
		return false
	}
	now := k.now()
	if !k.last.IsZero() && now.Sub(k.last) < k.interval {
		return false
	}
	if !k.wanted.CompareAndSwap(true, false) {
		return false
	}
	k.last = now
	return true
}
