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
	// shows one picture, of the track's highest layer that flows
	// (Track.Top). When the subscriber is itself the speaker it keeps the
	// previous speaker; before anyone has spoken it gets the first track
	// published.
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
	// WriteRTP forwards one packet of t's simulcast layer layer (0 is the
	// lowest; a track without simulcast has layer 0 only). It runs on the
	// goroutine that reads that layer from the publisher, so calls for
	// different layers may run at once; it must not block, and it must not
	// change pkt (other sinks get the same packet): a sink that rewrites
	// copies the header.
	WriteRTP(t *Track, layer int, pkt *rtp.Packet)
}

// Room routes the video of one conference: who publishes which track and
// which tracks each subscriber receives. The bridge makes one per room and
// tells it who speaks; the edges publish and subscribe. It is safe for
// concurrent use.
type Room struct {
	now func() time.Time // the clock of the tracks' meters and keyframe limits

	mu       sync.Mutex
	tracks   []*Track                     // guarded by mu; in order of publishing
	subs     map[Subscriber]*subscription // guarded by mu
	speakers []string                     // guarded by mu; participant IDs, latest speaker first
	hidden   map[string]bool              // guarded by mu; participants whose video nobody gets
	next     int                          // guarded by mu; numbers the track IDs
}

// subscription is one subscriber's terms and what it was last told.
type subscription struct {
	participant string
	mode        Mode
	accepts     func(Codec) bool
	tracks      []*Track // the set it was last told
	sendCodec   Codec    // the codec it was last told to send (a CodecChooser)
	told        bool     // it was told a set at all
}

// NewRoom returns an empty room; now tells the time (nil means time.Now).
func NewRoom(now func() time.Time) *Room {
	if now == nil {
		now = time.Now
	}
	return &Room{now: now, subs: make(map[Subscriber]*subscription), hidden: make(map[string]bool)}
}

// Publish adds a track that participant sends, and offers it to the
// subscribers. The track has layers simulcast layers (RFC 8853), lowest
// first; a stream without simulcast is one layer (layers < 1 counts as
// 1). keyframe asks the publisher for a keyframe of one layer (a PLI or
// FIR for that layer's SSRC on its edge); it is called on the goroutine
// that calls Track.Write for that layer, at most once per
// KeyframeInterval per layer. Close the track when it ends.
func (r *Room) Publish(participant string, codec Codec, layers int, keyframe func(layer int)) *Track {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.next++
	t := &Track{
		ID: "video" + strconv.Itoa(r.next), Participant: participant, Codec: codec,
		room: r, keyframe: keyframe, layers: make([]layer, max(layers, 1)),
	}
	for i := range t.layers {
		t.layers[i].meter = NewMeter(r.now)
		t.layers[i].kf = keyframes{now: r.now, interval: KeyframeInterval}
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
	r.chooseCodec() // the one who left may have held the choice back
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
	delete(r.hidden, participant)
}

// SetHidden hides participant's video from everyone, or shows it again:
// the bridge hides a spectator's camera as it keeps their voice out of the
// mix. Its tracks stay published, so that showing is immediate.
func (r *Room) SetHidden(participant string, hidden bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.hidden[participant] == hidden {
		return
	}
	if hidden {
		r.hidden[participant] = true
	} else {
		delete(r.hidden, participant)
	}
	r.sync()
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
// changed; a Speaker subscriber's new speaker is asked for a keyframe of
// its top layer, so that the switch shows a picture at once. r.mu is held.
func (r *Room) sync() {
	for s, sub := range r.subs {
		var want []*Track
		switch sub.mode {
		case Everyone:
			for _, t := range r.tracks {
				if t.Participant != sub.participant && sub.accepts(t.Codec) && !r.hidden[t.Participant] {
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
				t.RequestKeyframe(t.Top())
			}
		}
	}
	r.chooseCodec()
}

// speakerFor returns the track a Speaker subscriber shows, never a hidden
// one: the latest speaker's (not its own) that it accepts; else the track
// it shows now, if still published; else the first it accepts. r.mu is
// held.
func (r *Room) speakerFor(sub *subscription) *Track {
	other := func(t *Track) bool {
		return t.Participant != sub.participant && sub.accepts(t.Codec) && !r.hidden[t.Participant]
	}
	for _, p := range r.speakers {
		for _, t := range r.tracks {
			if t.Participant == p && other(t) {
				return t
			}
		}
	}
	for _, t := range sub.tracks {
		if slices.Contains(r.tracks, t) && !r.hidden[t.Participant] {
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

// Track is one video stream a participant publishes, in one or more
// simulcast layers. Its publisher's reader goroutines (one per layer)
// hand it every packet (Write), which goes to every attached Sink
// unchanged; each layer's bitrate is measured as it passes.
type Track struct {
	// ID names the track in the room ("video3"); browsers see it as the
	// track ID.
	ID string
	// Participant is the publisher's participant ID.
	Participant string
	// Codec is what the track carries.
	Codec Codec

	room     *Room
	keyframe func(layer int)
	layers   []layer                // fixed at Publish
	sinkMu   sync.Mutex             // serialises changes of sinks
	sinks    atomic.Pointer[[]Sink] // read on every packet without a lock
	closed   atomic.Bool
}

// layer is one simulcast layer of a track.
type layer struct {
	meter *Meter    // its bitrate
	kf    keyframes // its keyframe requests
}

// Layers returns the number of simulcast layers; 1 without simulcast.
func (t *Track) Layers() int { return len(t.layers) }

// Write forwards one packet of layer to every sink, then asks the
// publisher for a keyframe of that layer if one was requested and the
// interval allows. For each layer only one goroutine, the one that reads
// the layer from the publisher, calls it; a packet of a layer the track
// does not have is dropped. The layer's Meter counts the packet's size
// (header and payload).
func (t *Track) Write(layer int, pkt *rtp.Packet) {
	if layer < 0 || layer >= len(t.layers) {
		return
	}
	l := &t.layers[layer]
	l.meter.Add(pkt.MarshalSize())
	for _, s := range *t.sinks.Load() {
		s.WriteRTP(t, layer, pkt)
	}
	if l.kf.due() && t.keyframe != nil {
		t.keyframe(layer)
	}
}

// RequestKeyframe asks the publisher for a keyframe of layer, sent on
// that layer's next Write once KeyframeInterval has passed since its last
// one. Any goroutine may call it; a request is never lost. A layer the
// track does not have is ignored.
func (t *Track) RequestKeyframe(layer int) {
	if layer >= 0 && layer < len(t.layers) {
		t.layers[layer].kf.request()
	}
}

// Rates appends to dst[:0] the bitrate, in bit/s over the last
// MeterWindow, of each layer, lowest first, and returns it: the rates
// Choose takes, 0 for a layer that does not flow. Any goroutine may call
// it.
func (t *Track) Rates(dst []uint64) []uint64 {
	dst = dst[:0]
	for i := range t.layers {
		dst = append(dst, t.layers[i].meter.Rate())
	}
	return dst
}

// Top returns the highest layer that flows (a non-zero rate over the last
// MeterWindow), or, while none does, the highest layer: what a receiver
// with no bandwidth limit (a room system) is shown.
func (t *Track) Top() int {
	for i := len(t.layers) - 1; i >= 0; i-- {
		if t.layers[i].meter.Rate() > 0 {
			return i
		}
	}
	return len(t.layers) - 1
}

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

// keyframes rate-limits the keyframe requests for one layer of a track:
// any goroutine may ask (request); the layer's reader goroutine checks due
// on every packet and sends the request when due says so. A request that comes
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
