package video

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"
)

var (
	h264 = Codec{MimeType: "video/H264", ClockRate: 90000}
	vp8  = Codec{MimeType: "video/VP8", ClockRate: 90000}
)

// recorder is a Subscriber that keeps every set it is told, and a Sink
// that counts packets per track.
type recorder struct {
	mu      sync.Mutex
	sets    [][]*Track
	packets map[*Track]int
}

func (r *recorder) SetTracks(ts []*Track) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sets = append(r.sets, ts)
}

func (r *recorder) WriteRTP(t *Track, _ int, _ *rtp.Packet) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.packets == nil {
		r.packets = make(map[*Track]int)
	}
	r.packets[t]++
}

// last returns the IDs of the last set told, and how many sets were told.
func (r *recorder) last() ([]string, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.sets) == 0 {
		return nil, 0
	}
	var ids []string
	for _, t := range r.sets[len(r.sets)-1] {
		ids = append(ids, t.ID)
	}
	return ids, len(r.sets)
}

func wantSet(t *testing.T, r *recorder, want ...string) {
	t.Helper()
	got, _ := r.last()
	if !slices.Equal(got, want) {
		t.Fatalf("set %v, want %v", got, want)
	}
}

// TestEveryoneGetsTheOthers: a browser subscriber receives every track
// but its own, of the codecs it accepts, and loses a closed one.
func TestEveryoneGetsTheOthers(t *testing.T) {
	r := NewRoom(nil)
	a := r.Publish("1", vp8, 1, nil)
	b := r.Publish("2", h264, 1, nil)
	var s1, s2 recorder
	r.Subscribe(&s1, "1", Everyone, nil)
	r.Subscribe(&s2, "2", Everyone, func(c Codec) bool { return c.Is(h264) })
	wantSet(t, &s1, b.ID)
	wantSet(t, &s2) // VP8 refused, its own H.264 not sent back
	c := r.Publish("3", h264, 1, nil)
	wantSet(t, &s1, b.ID, c.ID)
	wantSet(t, &s2, c.ID)
	b.Close()
	b.Close()
	wantSet(t, &s1, c.ID)
	_, n := s2.last()
	if n != 2 {
		t.Fatalf("s2 told %d sets, want 2 (a change that does not concern it is not told)", n)
	}
	r.Unsubscribe(&s1)
	wantSet(t, &s1)
	a.Close()
	if _, n := s1.last(); n != 4 {
		t.Fatalf("an unsubscribed subscriber was told %d sets", n)
	}
}

// TestSpeakerSwitches: a room system shows the first publisher until
// someone speaks, then the latest speaker but itself, with a keyframe
// request on every switch; a speaker without video changes nothing.
func TestSpeakerSwitches(t *testing.T) {
	r := NewRoom(nil)
	var keyframes []string
	kf := func(id string) func(int) { return func(int) { keyframes = append(keyframes, id) } }
	room := r.Publish("room", h264, 1, kf("room"))
	a := r.Publish("a", h264, 1, kf("a"))
	b := r.Publish("b", h264, 1, kf("b"))
	var s recorder
	r.Subscribe(&s, "room", Speaker, nil)
	wantSet(t, &s, a.ID)
	r.Speaking("b")
	wantSet(t, &s, b.ID)
	r.Speaking("room") // its own video is never shown back
	wantSet(t, &s, b.ID)
	r.Speaking("audio-only")
	wantSet(t, &s, b.ID)
	r.Speaking("a")
	wantSet(t, &s, a.ID)
	_, n := s.last()
	if n != 3 {
		t.Fatalf("told %d sets, want 3", n)
	}
	// The keyframe requests go out on each track's next packet.
	for _, tr := range []*Track{room, a, b} {
		tr.Write(0, &rtp.Packet{})
	}
	if !slices.Equal(keyframes, []string{"a", "b"}) {
		// a was asked twice (first shown, then again); both requests
		// fall within one interval and give one keyframe.
		t.Fatalf("keyframe requests %v, want [a b]", keyframes)
	}
	a.Close()
	wantSet(t, &s, b.ID) // back to the previous speaker
}

// TestSinks: packets reach exactly the attached sinks.
func TestSinks(t *testing.T) {
	r := NewRoom(nil)
	tr := r.Publish("1", vp8, 1, nil)
	var x, y recorder
	tr.AddSink(&x)
	tr.AddSink(&x)
	tr.AddSink(&y)
	tr.Write(0, &rtp.Packet{})
	tr.RemoveSink(&y)
	tr.Write(0, &rtp.Packet{})
	tr.Write(1, &rtp.Packet{}) // no such layer
	if x.packets[tr] != 2 || y.packets[tr] != 1 {
		t.Fatalf("x got %d, y got %d; want 2 and 1", x.packets[tr], y.packets[tr])
	}
}

// TestConcurrentUse runs writers, subscribers and speakers at once under
// the race detector.
func TestConcurrentUse(t *testing.T) {
	r := NewRoom(nil)
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := string(rune('a' + i))
			tr := r.Publish(id, h264, 2, func(int) {})
			var s recorder
			r.Subscribe(&s, id, Mode(i%2), nil)
			for range 200 {
				tr.AddSink(&s)
				var layers sync.WaitGroup
				for l := range 2 {
					layers.Go(func() { tr.Write(l, &rtp.Packet{Payload: make([]byte, 100)}) })
				}
				layers.Wait()
				r.Speaking(id)
				tr.RequestKeyframe(1)
				_ = tr.Rates(nil)
				tr.RemoveSink(&s)
			}
			r.Unsubscribe(&s)
			tr.Close()
		}()
	}
	wg.Wait()
	if n := len(r.Tracks()); n != 0 {
		t.Fatalf("%d tracks left", n)
	}
}

// TestKeyframeRateLimit steps the limiter's clock: requests within the
// interval of the last PLI wait for it to pass, and are not lost.
func TestKeyframeRateLimit(t *testing.T) {
	now := time.Unix(1000, 0)
	k := keyframes{now: func() time.Time { return now }, interval: KeyframeInterval}
	if k.due() {
		t.Fatal("due without a request")
	}
	k.request()
	if !k.due() {
		t.Fatal("first request not due at once")
	}
	if k.due() {
		t.Fatal("one request, two PLIs")
	}
	now = now.Add(100 * time.Millisecond)
	k.request()
	k.request()
	if k.due() {
		t.Fatal("PLI 100 ms after the last")
	}
	now = now.Add(300 * time.Millisecond)
	if k.due() {
		t.Fatal("PLI 400 ms after the last")
	}
	now = now.Add(100 * time.Millisecond)
	if !k.due() {
		t.Fatal("held request not sent after the interval")
	}
	if k.due() {
		t.Fatal("two requests within the interval gave two PLIs")
	}
}

// TestLayers: a simulcast track measures each layer, sinks learn the
// layer of every packet, keyframe requests name their layer and are
// limited per layer, and a Speaker subscriber's switch asks for a
// keyframe of the highest layer that flows.
func TestLayers(t *testing.T) {
	clock := newFakeClock()
	r := NewRoom(clock.now)
	var asked []int
	tr := r.Publish("a", vp8, 3, func(l int) { asked = append(asked, l) })
	if tr.Layers() != 3 {
		t.Fatalf("%d layers, want 3", tr.Layers())
	}
	if top := tr.Top(); top != 2 {
		t.Fatalf("before any packet Top is %d, want the highest layer, 2", top)
	}
	var got layerSink
	tr.AddSink(&got)
	// 200 ms of the two lower layers: 20 and 80 packets of 1,012 bytes.
	for range 20 {
		tr.Write(0, &rtp.Packet{Payload: make([]byte, 1000)})
		for range 4 {
			tr.Write(1, &rtp.Packet{Payload: make([]byte, 1000)})
		}
		clock.advance(10 * time.Millisecond)
	}
	rates := tr.Rates(nil)
	if rates[0] != 809_600 || rates[1] != 4*809_600 || rates[2] != 0 {
		t.Fatalf("rates %v, want [809600 3238400 0]", rates)
	}
	if top := tr.Top(); top != 1 {
		t.Fatalf("Top %d, want 1, the highest that flows", top)
	}
	if got.n[0] != 20 || got.n[1] != 80 || got.n[2] != 0 {
		t.Fatalf("the sink got %v packets by layer, want [20 80 0]", got.n)
	}

	// A Speaker subscriber: the room asks for a keyframe of layer 1.
	var s recorder
	r.Subscribe(&s, "room", Speaker, nil)
	tr.Write(1, &rtp.Packet{})
	tr.Write(0, &rtp.Packet{})
	if !slices.Equal(asked, []int{1}) {
		t.Fatalf("keyframes asked %v, want [1]", asked)
	}
	// Per layer: layer 0 at once, layer 1 again only after the interval.
	tr.RequestKeyframe(0)
	tr.RequestKeyframe(1)
	tr.RequestKeyframe(7) // no such layer: ignored
	tr.Write(0, &rtp.Packet{})
	tr.Write(1, &rtp.Packet{})
	clock.advance(KeyframeInterval)
	tr.Write(1, &rtp.Packet{})
	if !slices.Equal(asked, []int{1, 0, 1}) {
		t.Fatalf("keyframes asked %v, want [1 0 1]", asked)
	}
	// A second later layer 1 has stopped and no longer counts.
	for range 100 {
		tr.Write(0, &rtp.Packet{Payload: make([]byte, 1000)})
		clock.advance(10 * time.Millisecond)
	}
	if top := tr.Top(); top != 0 {
		t.Fatalf("Top %d after layer 1 stopped, want 0", top)
	}
}

// layerSink counts packets by layer.
type layerSink struct{ n [3]int }

func (s *layerSink) WriteRTP(_ *Track, layer int, _ *rtp.Packet) { s.n[layer]++ }

// TestHidden: a hidden participant's track reaches nobody, browser or
// room system, and comes back when shown; hiding twice is harmless.
func TestHidden(t *testing.T) {
	r := NewRoom(nil)
	a := r.Publish("a", h264, 1, nil)
	b := r.Publish("b", h264, 1, nil)
	var browser, roomSystem recorder
	r.Subscribe(&browser, "c", Everyone, nil)
	r.Subscribe(&roomSystem, "d", Speaker, nil)
	r.Speaking("a")
	wantSet(t, &roomSystem, a.ID)
	r.SetHidden("a", true)
	r.SetHidden("a", true)
	wantSet(t, &browser, b.ID)
	wantSet(t, &roomSystem, b.ID)
	r.SetHidden("a", false)
	wantSet(t, &browser, a.ID, b.ID)
	wantSet(t, &roomSystem, a.ID)
}
