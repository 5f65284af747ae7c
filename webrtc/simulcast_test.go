package webrtc

import (
	"bytes"
	"encoding/binary"
	"log/slog"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/parleyhq/parley/video"
)

// stepClock is a clock that a test moves by hand; the forwards, the
// track's meters and its keyframe limits all read it.
type stepClock struct {
	mu sync.Mutex
	t  time.Time
}

func newStepClock() *stepClock { return &stepClock{t: time.Unix(1_700_000_000, 0)} }

func (c *stepClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *stepClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// fakeEstimate is a receiver's bandwidth estimate that the test sets.
type fakeEstimate struct{ bps atomic.Int64 }

func (e *fakeEstimate) GetTargetBitrate() int { return int(e.bps.Load()) }

// sentPacket is what a forward sent: the header and a copy of the payload,
// and the layer the test's source tagged it with.
type sentPacket struct {
	rtp.Header
	payload []byte
	layer   int
	key     bool
}

// fakeReceiver keeps what a forward sends it.
type fakeReceiver struct {
	mu   sync.Mutex
	pkts []sentPacket
}

func (r *fakeReceiver) WriteRTP(p *rtp.Packet) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pkts = append(r.pkts, sentPacket{Header: p.Header, payload: bytes.Clone(p.Payload),
		layer: int(p.Payload[5]), key: video.IsKeyframe("video/VP8", p.Payload)})
	return nil
}

// layers returns the layer of every packet sent, one entry per run.
func (r *fakeReceiver) layers() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []int
	for _, p := range r.pkts {
		if len(out) == 0 || out[len(out)-1] != p.layer {
			out = append(out, p.layer)
		}
	}
	return out
}

// last returns the layer of the last packet sent, -1 if none.
func (r *fakeReceiver) last() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.pkts) == 0 {
		return -1
	}
	return r.pkts[len(r.pkts)-1].layer
}

// simulcastSource is a publisher of three VP8 layers, each its own
// stream (SSRC, sequence numbers, timestamps, 15-bit picture IDs), one
// packet per frame at 30 frames a second, sized for 150 kbit/s,
// 500 kbit/s and 1.5 Mbit/s. Each layer starts with a keyframe, and a
// keyframe request for a layer makes its frame keyDelay later one.
type simulcastSource struct {
	clock    *stepClock
	track    *video.Track
	keyDelay time.Duration
	seq      [3]uint16
	ts       [3]uint32
	pic      [3]uint16
	keyAt    [3]time.Time // when the next keyframe is due, zero if none
	asked    []int        // the keyframe requests, by layer
}

var layerRates = [3]int{150_000, 500_000, 1_500_000}

func newSimulcastSource(clock *stepClock, room *video.Room) *simulcastSource {
	s := &simulcastSource{clock: clock, keyDelay: 100 * time.Millisecond,
		seq: [3]uint16{100, 20000, 65000}, ts: [3]uint32{1000, 777777, 4_000_000_000}, pic: [3]uint16{5, 3000, 32760}}
	s.keyAt = [3]time.Time{clock.now(), clock.now(), clock.now()}
	s.track = room.Publish("ada", video.Codec{MimeType: "video/VP8", ClockRate: 90000}, 3, func(l int) {
		s.asked = append(s.asked, l)
		s.keyAt[l] = clock.now().Add(s.keyDelay)
	})
	return s
}

// frame advances the clock by a frame and writes a packet of each of
// layers (all three if none are named), checking that no sink changed
// the shared payload.
func (s *simulcastSource) frame(t *testing.T, layers ...int) {
	t.Helper()
	s.clock.advance(33 * time.Millisecond)
	if len(layers) == 0 {
		layers = []int{0, 1, 2}
	}
	for _, l := range layers {
		key := !s.keyAt[l].IsZero() && !s.clock.now().Before(s.keyAt[l])
		if key {
			s.keyAt[l] = time.Time{}
		}
		p := make([]byte, layerRates[l]/8/30-12)
		// VP8 descriptor (RFC 7741 §4.2): X and S; I; a 15-bit picture ID.
		p[0], p[1] = 0x90, 0x80
		binary.BigEndian.PutUint16(p[2:], 0x8000|s.pic[l])
		if !key {
			p[4] = 0x01 // P: an inter frame
		}
		p[5] = byte(l)
		in := bytes.Clone(p)
		s.track.Write(l, &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SSRC: uint32(10 + l),
			SequenceNumber: s.seq[l], Timestamp: s.ts[l], Marker: true}, Payload: p})
		if !bytes.Equal(p, in) {
			t.Fatalf("a sink changed the shared payload of layer %d", l)
		}
		s.seq[l]++
		s.ts[l] += 2970
		s.pic[l] = (s.pic[l] + 1) & 0x7fff
	}
}

// run writes frames of every layer for d.
func (s *simulcastSource) run(t *testing.T, d time.Duration) {
	t.Helper()
	for range int(d / (33 * time.Millisecond)) {
		s.frame(t)
	}
}

// TestForwardFollowsEstimate drives one receiver's forward of a three-layer
// track (150 kbit/s, 500 kbit/s, 1.5 Mbit/s) with an estimate that rises
// and falls. The forward must start on the highest layer the estimate
// fits with the 15 % margin; move up only with that margin (575 kbit/s
// for the middle layer, 1.725 Mbit/s for the top), stay while its layer
// fits without it, and move down as soon as its layer's rate exceeds the
// estimate; ask the publisher for a keyframe of
// the new layer and keep sending the old one until it comes; and send
// one continuous stream throughout: sequence numbers and VP8 picture IDs
// up by one a packet, timestamps never back, every change of layer on a
// keyframe.
func TestForwardFollowsEstimate(t *testing.T) {
	clock := newStepClock()
	room := video.NewRoom(clock.now)
	src := newSimulcastSource(clock, room)
	est := &fakeEstimate{}
	est.bps.Store(300_000)
	var rx fakeReceiver
	f := newForward(&rx, src.track.Codec, &downlink{bwe: est}, slog.New(slog.DiscardHandler), clock.now)
	f.down.forwards.Add(1)
	src.track.AddSink(f)

	step := func(name string, bps int64, d time.Duration, want []int) {
		t.Helper()
		est.bps.Store(bps)
		src.run(t, d)
		if got := rx.layers(); !slices.Equal(got, want) {
			t.Fatalf("%s: layers sent %v, want %v", name, got, want)
		}
	}
	step("300 kbit/s: the low layer", 300_000, time.Second, []int{0})
	f.keyframe(src.track) // the receiver's m-line is live
	step("560 kbit/s: not the margin over 500", 560_000, 2*time.Second, []int{0})
	if !slices.Equal(src.asked, []int{0}) {
		t.Fatalf("keyframes asked %v, want [0] (the m-line went live)", src.asked)
	}

	// Up: a keyframe of layer 1 is asked for at the next choice; layer 0
	// goes on until it comes, keyDelay later.
	est.bps.Store(600_000)
	rose := clock.now()
	for len(src.asked) < 2 {
		if clock.now().Sub(rose) > chooseInterval+33*time.Millisecond {
			t.Fatalf("no keyframe asked %v after the estimate rose: %v", clock.now().Sub(rose), src.asked)
		}
		src.frame(t)
	}
	if !slices.Equal(src.asked, []int{0, 1}) {
		t.Fatalf("keyframes asked %v, want [0 1]", src.asked)
	}
	asked := clock.now()
	for rx.last() != 1 {
		if clock.now().Sub(asked) > src.keyDelay+100*time.Millisecond {
			t.Fatalf("no switch to layer 1 %v after the keyframe request", clock.now().Sub(asked))
		}
		if rx.last() != 0 {
			t.Fatalf("sent layer %d while waiting for layer 1's keyframe", rx.last())
		}
		src.frame(t)
	}
	step("600 kbit/s: the middle layer", 600_000, time.Second, []int{0, 1})
	step("540 kbit/s: the middle layer still fits", 540_000, 2*time.Second, []int{0, 1})

	// Down at once: the next choice (within chooseInterval) asks for layer
	// 0, whose keyframe comes keyDelay later.
	est.bps.Store(450_000)
	dropped := clock.now()
	for rx.last() != 0 {
		if clock.now().Sub(dropped) > chooseInterval+src.keyDelay+100*time.Millisecond {
			t.Fatalf("still on layer %d %v after the estimate fell under its rate", rx.last(), clock.now().Sub(dropped))
		}
		src.frame(t)
	}
	t.Logf("down %v after the estimate fell", clock.now().Sub(dropped))
	step("450 kbit/s: back down", 450_000, time.Second, []int{0, 1, 0})
	step("560 kbit/s: still short of the margin", 560_000, 2*time.Second, []int{0, 1, 0})
	step("1.6 Mbit/s: the middle layer, the top needs 1.725", 1_600_000, 2*time.Second, []int{0, 1, 0, 1})
	step("2 Mbit/s: the top layer", 2_000_000, 2*time.Second, []int{0, 1, 0, 1, 2})
	step("1.6 Mbit/s: the top layer still fits", 1_600_000, 2*time.Second, []int{0, 1, 0, 1, 2})
	step("1.4 Mbit/s: the middle layer", 1_400_000, time.Second, []int{0, 1, 0, 1, 2, 1})
	step("100 kbit/s: the low layer, though it does not fit", 100_000, time.Second, []int{0, 1, 0, 1, 2, 1, 0})

	// One continuous stream.
	rx.mu.Lock()
	defer rx.mu.Unlock()
	for i, p := range rx.pkts {
		pic := binary.BigEndian.Uint16(p.payload[2:]) & 0x7fff
		if i == 0 {
			continue
		}
		prev := rx.pkts[i-1]
		if p.SequenceNumber != prev.SequenceNumber+1 {
			t.Fatalf("packet %d: sequence number %d after %d", i, p.SequenceNumber, prev.SequenceNumber)
		}
		if d := int32(p.Timestamp - prev.Timestamp); d <= 0 || d > 3000 {
			t.Fatalf("packet %d: timestamp %d after %d", i, p.Timestamp, prev.Timestamp)
		}
		if prevPic := binary.BigEndian.Uint16(prev.payload[2:]) & 0x7fff; pic != (prevPic+1)&0x7fff {
			t.Fatalf("packet %d: picture ID %d after %d", i, pic, prevPic)
		}
		if p.layer != prev.layer && !p.key {
			t.Fatalf("packet %d: switch from layer %d to %d on an inter frame", i, prev.layer, p.layer)
		}
	}
	t.Logf("%d packets sent, keyframes asked %v", len(rx.pkts), src.asked)
}

// TestForwardLayerStops: when the layer sent stops flowing (the publisher's
// uplink shrank and its browser dropped it), the forward moves to one that
// flows; without an estimate it takes the top layer that flows.
func TestForwardLayerStops(t *testing.T) {
	clock := newStepClock()
	room := video.NewRoom(clock.now)
	src := newSimulcastSource(clock, room)
	var rx fakeReceiver
	f := newForward(&rx, src.track.Codec, &downlink{}, slog.New(slog.DiscardHandler), clock.now)
	src.run(t, time.Second) // the layers flow before the receiver comes
	src.track.AddSink(f)
	src.run(t, time.Second)
	if got := rx.layers(); !slices.Equal(got, []int{2}) {
		t.Fatalf("without an estimate: layers %v, want [2]", got)
	}
	for range 60 { // only layers 0 and 1 go on
		src.frame(t, 0, 1)
	}
	if got := rx.layers(); !slices.Equal(got, []int{2, 1}) {
		t.Fatalf("after the top layer stopped: layers %v, want [2 1]", got)
	}
}

// TestForwardConcurrentLayers writes the three layers from three
// goroutines, as pion does, with a receiver's PLIs and estimate changes
// coming in, under the race detector.
func TestForwardConcurrentLayers(t *testing.T) {
	clock := newStepClock()
	room := video.NewRoom(clock.now)
	tr := room.Publish("ada", video.Codec{MimeType: "video/VP8", ClockRate: 90000}, 3, func(int) {})
	est := &fakeEstimate{}
	var rx fakeReceiver
	f := newForward(&rx, tr.Codec, &downlink{bwe: est}, slog.New(slog.DiscardHandler), clock.now)
	tr.AddSink(f)
	var wg sync.WaitGroup
	for l := range 3 {
		wg.Go(func() {
			for i := range 300 {
				clock.advance(time.Millisecond)
				p := make([]byte, 50*(l+1))
				p[0], p[1], p[2], p[3], p[5] = 0x90, 0x80, 0x80, byte(i), byte(l)
				tr.Write(l, &rtp.Packet{Header: rtp.Header{SSRC: uint32(l), SequenceNumber: uint16(i)}, Payload: p})
			}
		})
	}
	wg.Go(func() {
		for i := range 300 {
			est.bps.Store(int64(i%3) * 100_000)
			f.keyframe(tr)
		}
	})
	wg.Wait()
	if len(rx.pkts) == 0 {
		t.Fatal("nothing sent")
	}
}

func TestDownlinkShare(t *testing.T) {
	var none *downlink
	if s := none.share(); s != math.MaxUint64 {
		t.Errorf("no downlink: share %d, want unlimited", s)
	}
	if s := (&downlink{}).share(); s != math.MaxUint64 {
		t.Errorf("no estimate: share %d, want unlimited", s)
	}
	est := &fakeEstimate{}
	est.bps.Store(1_200_000)
	d := &downlink{bwe: est}
	if s := d.share(); s != 1_200_000 {
		t.Errorf("no forward yet: share %d, want the whole estimate", s)
	}
	d.forwards.Add(3)
	if s := d.share(); s != 400_000 {
		t.Errorf("3 forwards: share %d, want 400000", s)
	}
	var e estimators
	e.add("pc-1", nil)
	if got := e.take("pc-1"); got != nil || len(e.m) != 0 {
		t.Errorf("take: %v, %d left", got, len(e.m))
	}
}

// BenchmarkForward measures forwarding with layer choice, per packet
// per receiver: one packet of a three-layer VP8 track written to the
// track with receivers attached, each of which sends the packet (its
// layer is the receiver's: choice, rewriting, the write to a writer that
// keeps nothing) or drops it (another layer). The clock is time.Now, the
// estimate fixed; the layers' meters count every packet.
func BenchmarkForward(b *testing.B) {
	const receivers = 10
	for _, tc := range []struct {
		name  string
		layer int // of the packets written; the receivers get layer 2
	}{{"sent", 2}, {"dropped", 0}} {
		b.Run(tc.name, func(b *testing.B) {
			room := video.NewRoom(nil)
			tr := room.Publish("ada", video.Codec{MimeType: "video/VP8", ClockRate: 90000}, 3, func(int) {})
			// Room for any layer.
			est := &fakeEstimate{}
			est.bps.Store(math.MaxInt64)
			payload := make([]byte, 1100)
			payload[0], payload[1], payload[2] = 0x90, 0x80, 0x80
			write := func(l, seq int) {
				tr.Write(l, &rtp.Packet{Header: rtp.Header{SSRC: uint32(l), SequenceNumber: uint16(seq)}, Payload: payload})
			}
			// The layers flow for 150 ms (a Meter needs 100); then the
			// receivers come and settle on the top layer with its next
			// packet.
			for i := range 15 {
				for l := range 3 {
					write(l, i)
				}
				time.Sleep(10 * time.Millisecond)
			}
			var fwds []*forward
			for range receivers {
				f := newForward(discard{}, tr.Codec, &downlink{bwe: est}, slog.New(slog.DiscardHandler), nil)
				tr.AddSink(f)
				fwds = append(fwds, f)
			}
			write(2, 15)
			payload[4] = 0x01 // inter frames from now on: no forward switches
			pkt := &rtp.Packet{Header: rtp.Header{SSRC: uint32(tc.layer), Timestamp: 90000}, Payload: payload}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				pkt.SequenceNumber = uint16(16 + i)
				binary.BigEndian.PutUint16(payload[2:], 0x8000|uint16(i)&0x7fff)
				tr.Write(tc.layer, pkt)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/receivers, "ns/receiver")
			for _, f := range fwds {
				if f.layer != 2 {
					b.Fatalf("a receiver is on layer %d, want 2", f.layer)
				}
			}
		})
	}
}

// discard is a writer that keeps nothing.
type discard struct{}

func (discard) WriteRTP(*rtp.Packet) error { return nil }
