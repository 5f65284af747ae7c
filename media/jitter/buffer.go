// Package jitter buffers one RTP stream of 20 ms audio frames between the
// socket reader, which pushes packets as they arrive, and the mixer, which
// pulls one frame per 20 ms tick.
//
// # Playout model
//
// The buffer is driven by the mixer's clock, not by wall time: every Pop is
// one 20 ms tick and plays the next sequence number. When a stream starts
// (first packet, SSRC change, sequence or timestamp jump, or the first packet
// after a long underrun) Pop returns None for as many ticks as the playout
// delay so that packets arriving up to that much late relative to the first
// one are still in time, unless that much is queued already: then playout
// starts at once. A new stream starts with InitialDelay (60 ms, three
// frames, by default), since nothing is known yet of how its packets arrive;
// if more than that is queued before its first Pop (packets that waited for
// a leg to join the mixer), only the last InitialDelay's worth is kept. A
// stream that resumes after an underrun starts with the delay learned.
//
// # Adaptive delay
//
// The target delay follows the jitter observed, as NetEq's does, measured in
// ticks since the buffer has no clock of its own: a packet pushed a frames
// before its slot is played (a < 0: late) needed delay−a frames of delay,
// delay being the one realised. The target grows at once to any packet's
// need (up to MaxDelay); a late packet is dropped and counted. The buffer
// realises a larger target at the next missing packet by holding playout for
// one tick (the caller conceals that tick, as it would have anyway) instead
// of skipping the packet. Every ShrinkAfter window (2 s), if no packet of
// that window or the one before needed the whole target, the target shrinks
// by one frame, down to MinDelay (20 ms), and the buffer realises it by
// discarding one frame when two are queued. So the delay settles on the
// largest need of the last 2–4 s: one frame (the margin for a packet that
// arrives just after a tick) without jitter, two with 30 ms of jitter. If
// every packet of those windows had more slack than the whole realised delay
// (ticks that never popped: the mixer skips those older than its catch-up
// after a stall; or a burst that restarted playout), the stream is later
// than the buffer accounted for: the realised delay is corrected and the
// surplus discarded the same way, so that a stall does not leave the leg
// late for good.
//
// A missing packet is reported as Lost so that the caller conceals it; if the
// packet after it is buffered its payload comes along for Opus FEC. When the
// buffer stays empty for MaxConceal the stream is considered paused (the
// sender stopped, or uses silence suppression) and Pop returns None until
// packets arrive again, which restarts playout with the learned delay.
//
// A packet without payload (padding only, RFC 3550 §5.1: Chromium sends one
// after its first audio packet, and bursts of them to probe bandwidth)
// carries no audio and no playout time: its sequence number is skipped
// without a frame, so it is neither played (as an undecodable frame) nor
// reported Lost, and it neither starts a stream nor grows the delay.
//
// Sequence numbers are compared modulo 2^16 (RFC 3550 §5.1). A packet far
// outside the window around the playout point is only trusted, and the
// buffer resynchronised to it, when the packet after it confirms the jump,
// as RFC 3550 Appendix A.1 does for sequence number validation.
package jitter

import (
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/pion/rtp"
)

// Defaults for the zero fields of Options.
const (
	// DefaultInitialDelay is the playout delay a stream starts with,
	// before the buffer has seen how its packets arrive.
	DefaultInitialDelay = 60 * time.Millisecond
	// DefaultMinDelay is the smallest playout delay the buffer shrinks to:
	// one frame, the margin for a packet that arrives just after a tick.
	DefaultMinDelay = 20 * time.Millisecond
	// DefaultMaxDelay is the largest playout delay the buffer grows to.
	DefaultMaxDelay = 200 * time.Millisecond
	// DefaultMaxConceal is how long an empty buffer is reported as Lost
	// before Pop returns None.
	DefaultMaxConceal = 100 * time.Millisecond
	// DefaultShrinkAfter is the length of the window over which the
	// buffer observes how late packets arrive; the delay shrinks by one
	// frame at the end of a window when neither it nor the window before
	// had a packet that needed the current delay.
	DefaultShrinkAfter = 2 * time.Second
)

// frameDuration is the length of one frame and one Pop.
const frameDuration = 20 * time.Millisecond

// maxTimestampJump is how far, in seconds, a packet's timestamp may stray
// from the one predicted from its sequence number before the buffer
// resynchronises.
const maxTimestampJump = 1

// ErrInvalidOptions is returned by New for a clock rate or delays it cannot
// work with.
var ErrInvalidOptions = errors.New("jitter: invalid options")

// Options tunes a Buffer. Durations are rounded up to whole 20 ms frames; a
// zero field takes its default.
type Options struct {
	// InitialDelay is the playout delay a stream starts with, before the
	// buffer has observed its jitter; it is raised to MinDelay if below.
	InitialDelay time.Duration
	// MinDelay is the floor the delay shrinks back to when packets arrive
	// evenly. It must be at least 20 ms.
	MinDelay time.Duration
	// MaxDelay is the largest playout delay the buffer grows to when packets
	// arrive late. It must be at least InitialDelay and MinDelay.
	MaxDelay time.Duration
	// MaxConceal is how long an empty buffer is reported as Lost before Pop
	// returns None, so that the mixer hears silence rather than endless
	// concealment when a sender pauses.
	MaxConceal time.Duration
	// ShrinkAfter is the window over which the buffer observes the delay
	// its packets need: the delay shrinks by one frame when no packet of
	// this window or the one before needed all of it.
	ShrinkAfter time.Duration
}

// Stats are the buffer's counters since New.
type Stats struct {
	// Received counts the packets pushed.
	Received uint64
	// Lost counts the frames Pop returned as Lost, each of which the caller
	// conceals.
	Lost uint64
	// Late counts the packets dropped because their slot had already been
	// played or concealed.
	Late uint64
	// Duplicates counts the packets dropped because the same sequence
	// number was already buffered or played.
	Duplicates uint64
	// Dropped counts the buffered packets discarded to shrink the delay or
	// to cap it after a burst.
	Dropped uint64
	// Resyncs counts the restarts on an SSRC change or a sequence or
	// timestamp jump.
	Resyncs uint64
	// Delay is the current playout delay.
	Delay time.Duration
}

type slotState uint8

const (
	slotEmpty    slotState = iota
	slotBuffered           // holds a packet waiting for its slot
	slotPlayed             // its packet was played (a copy is a duplicate)
	slotMissed             // reported lost (the packet is late if it comes)
	slotSkip               // a padding-only packet: no audio, no playout time
)

type slot struct {
	state   slotState
	seq     uint16
	ts      uint32
	payload []byte
}

type playState uint8

const (
	stateIdle    playState = iota // nothing to play: before the first packet or after an underrun
	statePlaying                  // filling up (prefill > 0) or playing
)

// Buffer is a jitter buffer for one RTP stream of 20 ms frames. Push and Pop
// may be called from different goroutines; each holds the buffer's lock only
// to copy one payload.
type Buffer struct {
	spf         uint32 // RTP timestamp units per frame
	clockRate   int
	minFrames   int
	startFrames int
	maxFrames   int
	maxConceal  int
	shrinkAfter int
	half        int // half the ring: the window either side of next

	mu         sync.Mutex
	slots      []slot // guarded by mu; indexed by seq & mask
	mask       uint16
	state      playState // guarded by mu
	started    bool      // a stream (ssrc) has been seen
	ssrc       uint32
	next       uint16 // sequence number the next Pop plays
	nextTS     uint32 // timestamp predicted for next
	lastPlayed uint16
	havePlayed bool
	prefill    int    // Pops that still return None before playout starts
	delay      int    // realised playout delay, in frames
	target     int    // wanted playout delay, in frames
	count      int    // buffered packets, all at or after next
	highest    uint16 // highest buffered sequence number, when count > 0
	empty      int    // consecutive Pops that found the buffer empty
	window     int    // Pops in the current shrink window
	need       int    // most delay, in frames, a packet of the window needed
	prevNeed   int    // the same for the window before
	haveBad    bool   // cand holds a packet far outside the window
	cand       slot   // that packet, kept until the next one confirms the jump
	stats      Stats
}

// New returns an empty buffer for a stream whose RTP clock runs at
// clockRate Hz (8000 for PCMU, 48000 for Opus).
func New(clockRate int, opts Options) (*Buffer, error) {
	if clockRate <= 0 || clockRate%50 != 0 {
		return nil, fmt.Errorf("%w: clock rate %d Hz is not a whole number of samples per 20 ms", ErrInvalidOptions, clockRate)
	}
	frames := func(d, def time.Duration) int {
		if d == 0 {
			d = def
		}
		return int((d + frameDuration - 1) / frameDuration)
	}
	if opts.InitialDelay < 0 || opts.MinDelay < 0 || opts.MaxDelay < 0 || opts.MaxConceal < 0 || opts.ShrinkAfter < 0 {
		return nil, fmt.Errorf("%w: negative duration", ErrInvalidOptions)
	}
	b := &Buffer{
		spf:         uint32(clockRate / 50),
		clockRate:   clockRate,
		minFrames:   frames(opts.MinDelay, DefaultMinDelay),
		startFrames: frames(opts.InitialDelay, DefaultInitialDelay),
		maxFrames:   frames(opts.MaxDelay, DefaultMaxDelay),
		maxConceal:  frames(opts.MaxConceal, DefaultMaxConceal),
		shrinkAfter: frames(opts.ShrinkAfter, DefaultShrinkAfter),
	}
	b.startFrames = max(b.startFrames, b.minFrames)
	if b.maxFrames < b.startFrames {
		return nil, fmt.Errorf("%w: max delay %v below initial delay %v or min delay %v", ErrInvalidOptions, opts.MaxDelay, opts.InitialDelay, opts.MinDelay)
	}
	if b.maxFrames > 1000 {
		return nil, fmt.Errorf("%w: max delay %v above 20 s", ErrInvalidOptions, opts.MaxDelay)
	}
	// The ring holds the window either side of the playout point: wide
	// enough for a burst of several times the largest delay.
	size := 128
	for size < 8*b.maxFrames {
		size *= 2
	}
	b.slots = make([]slot, size)
	b.mask = uint16(size - 1)
	b.half = size / 2
	b.target = b.startFrames
	b.delay = b.startFrames
	b.need, b.prevNeed = math.MinInt, math.MinInt
	return b, nil
}

// Stats returns a snapshot of the counters.
func (b *Buffer) Stats() Stats {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.stats
	s.Delay = time.Duration(b.delay) * frameDuration
	return s
}

// Push adds one received packet. The payload is copied; pkt is not retained.
// Push is safe to call concurrently with Pop.
func (b *Buffer) Push(pkt *rtp.Packet) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.stats.Received++
	seq := pkt.SequenceNumber

	if len(pkt.Payload) == 0 {
		b.skip(pkt)
		return
	}
	if !b.started || pkt.SSRC != b.ssrc {
		b.resync(seq, pkt.Timestamp, pkt.SSRC, pkt.Payload)
		return
	}
	d := int(int16(seq - b.next))
	if d < -b.half || d >= b.half {
		// Far outside the window: trust the jump only once the next
		// packet confirms it (RFC 3550 Appendix A.1).
		if b.haveBad && seq == b.cand.seq+1 {
			c := &b.cand
			b.resync(c.seq, c.ts, pkt.SSRC, c.payload)
			b.store(&b.slots[seq&b.mask], seq, pkt.Timestamp, pkt.Payload)
			b.observe(1)
			return
		}
		b.haveBad = true
		b.cand.seq, b.cand.ts = seq, pkt.Timestamp
		b.cand.payload = append(b.cand.payload[:0], pkt.Payload...)
		return
	}
	b.haveBad = false

	if d < 0 {
		s := &b.slots[seq&b.mask]
		if s.seq == seq && (s.state == slotPlayed || s.state == slotBuffered) {
			b.stats.Duplicates++
			return
		}
		if b.state == stateIdle {
			// Late for a stream that has since gone quiet: nothing to
			// learn from it.
			b.stats.Late++
			return
		}
		b.stats.Late++
		b.observe(d)
		return
	}

	if b.state == stateIdle {
		// The first packet after an underrun restarts playout with the
		// delay learned so far.
		b.restart(seq, pkt.Timestamp)
		d = 0
	} else if diff := int64(int32(pkt.Timestamp - (b.nextTS + uint32(d)*b.spf))); diff > maxTimestampJump*int64(b.clockRate) || diff < -maxTimestampJump*int64(b.clockRate) {
		b.resync(seq, pkt.Timestamp, pkt.SSRC, pkt.Payload)
		return
	}

	s := &b.slots[seq&b.mask]
	if s.state == slotBuffered && s.seq == seq {
		b.stats.Duplicates++
		return
	}
	b.store(s, seq, pkt.Timestamp, pkt.Payload)
	b.observe(d)
}

// observe records the arrival of a packet d frames after the playout
// point (negative: late): it needed a playout delay of delay-d-prefill
// frames. The target grows at once to any need above it, and the window
// keeps the largest need for adapt.
func (b *Buffer) observe(d int) {
	need := b.delay - d - b.prefill
	b.need = max(b.need, need)
	if need > b.target {
		b.target = min(b.maxFrames, need)
	}
}

// skip marks the sequence number of a padding-only packet of the stream
// being played, so that Pop passes over it without spending a tick.
func (b *Buffer) skip(pkt *rtp.Packet) {
	if !b.started || pkt.SSRC != b.ssrc || b.state != statePlaying {
		return
	}
	seq := pkt.SequenceNumber
	if d := int(int16(seq - b.next)); d < 0 || d >= b.half {
		return
	}
	if s := &b.slots[seq&b.mask]; s.state != slotBuffered || s.seq != seq {
		s.state, s.seq = slotSkip, seq
	}
}

// store puts a packet in s and updates the count and highest sequence
// number.
func (b *Buffer) store(s *slot, seq uint16, ts uint32, payload []byte) {
	s.state = slotBuffered
	s.seq = seq
	s.ts = ts
	s.payload = append(s.payload[:0], payload...)
	if b.count == 0 || int16(s.seq-b.highest) > 0 {
		b.highest = s.seq
	}
	b.count++
}

// resync forgets everything buffered and starts a new stream, with the
// initial delay, at the packet given.
func (b *Buffer) resync(seq uint16, ts, ssrc uint32, payload []byte) {
	if b.started {
		b.stats.Resyncs++
	}
	for i := range b.slots {
		b.slots[i].state = slotEmpty
	}
	b.count = 0
	b.started = true
	b.ssrc = ssrc
	b.havePlayed = false
	b.haveBad = false
	b.target = b.startFrames
	b.need, b.prevNeed = math.MinInt, math.MinInt
	b.restart(seq, ts)
	b.store(&b.slots[seq&b.mask], seq, ts, payload)
}

// restart begins playout at seq after the target delay.
func (b *Buffer) restart(seq uint16, ts uint32) {
	b.state = statePlaying
	b.next = seq
	b.nextTS = ts
	b.delay = b.target
	b.prefill = b.target
	b.empty = 0
	b.window = 0
}

// Pop returns the frame for the next 20 ms slot. Payloads are copied into
// buf, which should have a capacity of at least the largest payload (1500
// bytes is plenty) to avoid an allocation; the returned slices alias it.
// Pop is safe to call concurrently with Push.
func (b *Buffer) Pop(buf []byte) Frame {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.state == stateIdle {
		return Frame{}
	}
	if b.prefill > 0 {
		if b.count == 0 || b.queued() <= b.delay {
			b.prefill--
			return Frame{}
		}
		// More than a playout delay's worth queued: waiting would only
		// add silence. A burst after a stall is jitter: its frames are
		// played, not dropped (capLatency bounds a long one). But at the
		// start of a stream, nothing of it played yet, the backlog is
		// packets that waited for the first read (the leg joined after
		// its sender started): playing them all would keep the stream
		// that much late for good, so only the last delay's worth is
		// kept.
		b.prefill = 0
		if !b.havePlayed {
			b.trim(b.delay)
		}
	}
	b.adapt()
	b.capLatency()

	s := &b.slots[b.next&b.mask]
	for s.state == slotSkip && s.seq == b.next {
		// Padding: the next packet's timestamp is still nextTS.
		s.state = slotPlayed
		b.next++
		s = &b.slots[b.next&b.mask]
	}
	if s.state == slotBuffered && s.seq == b.next {
		if b.delay > b.target {
			// Shrink: discard this frame if the following one is here.
			n := &b.slots[(b.next+1)&b.mask]
			if n.state == slotBuffered && n.seq == b.next+1 {
				b.consume(s)
				b.stats.Dropped++
				b.delay--
				s = n
			}
		}
		b.empty = 0
		f := Frame{Kind: Packet, Seq: s.seq, Timestamp: s.ts, Payload: append(buf[:0], s.payload...)}
		b.lastPlayed, b.havePlayed = s.seq, true
		b.consume(s)
		return f
	}

	if b.count == 0 {
		b.empty++
		if b.empty > b.maxConceal {
			// A long underrun: the sender paused. Go quiet, and let a
			// contiguous packet resume the stream.
			b.state = stateIdle
			if b.havePlayed {
				b.next = b.lastPlayed + 1
			}
			return Frame{}
		}
	}
	b.stats.Lost++
	if b.delay < b.target {
		// Grow: hold playout for one tick and give the missing packet
		// one more chance.
		b.delay++
		return Frame{Kind: Lost, Seq: b.next, Timestamp: b.nextTS}
	}
	f := Frame{Kind: Lost, Seq: b.next, Timestamp: b.nextTS}
	s.state, s.seq = slotMissed, b.next
	b.next++
	b.nextTS += b.spf
	if n := &b.slots[b.next&b.mask]; n.state == slotBuffered && n.seq == b.next {
		f.Next = append(buf[:0], n.payload...)
	}
	return f
}

// consume marks the buffered slot s, which is at next, as played and
// advances next past it.
func (b *Buffer) consume(s *slot) {
	s.state = slotPlayed
	b.count--
	b.next = s.seq + 1
	b.nextTS = s.ts + b.spf
}

// adapt closes a shrink window: if no packet of it or of the window
// before needed the whole target delay (and packets came), the target
// drops by one frame, not below the floor. If every one of them had more
// slack than the whole realised delay, the stream is later than the
// buffer accounted for (ticks the mixer skipped after a stall did not pop,
// or a burst restarted playout): the realised delay is corrected, and Pop
// gives the surplus back.
func (b *Buffer) adapt() {
	b.window++
	if b.window < b.shrinkAfter {
		return
	}
	if need := max(b.need, b.prevNeed); b.need != math.MinInt {
		if need < 0 {
			b.delay -= need
		}
		if need < b.target && b.target > b.minFrames {
			b.target--
		}
	}
	b.prevNeed, b.need = b.need, math.MinInt
	b.window = 0
}

// queued is the number of frames from next to the highest buffered packet,
// missing ones included and padding excluded; count must be above 0.
func (b *Buffer) queued() int {
	frames := 0
	for q := b.next; q != b.highest+1; q++ {
		if !b.skipped(q) {
			frames++
		}
	}
	return frames
}

// skipped reports whether seq is a padding-only packet's.
func (b *Buffer) skipped(seq uint16) bool {
	s := &b.slots[seq&b.mask]
	return s.state == slotSkip && s.seq == seq
}

// capLatency skips ahead when a burst has queued far more than the largest
// delay, so that the participant is not heard seconds late.
func (b *Buffer) capLatency() {
	if b.count == 0 || int(int16(b.highest-b.next)) < 2*b.maxFrames {
		return
	}
	if b.queued() <= 2*b.maxFrames {
		return
	}
	b.trim(b.target)
}

// trim discards the buffered frames but the last keep (count must be above
// 0), and makes keep the realised delay.
func (b *Buffer) trim(keep int) {
	to := b.highest // keep the last frames, to..highest
	for kept := 1; kept < keep; {
		to--
		if !b.skipped(to) {
			kept++
		}
	}
	for b.next != to {
		s := &b.slots[b.next&b.mask]
		if s.state == slotBuffered && s.seq == b.next {
			s.state = slotPlayed
			b.count--
			b.stats.Dropped++
		} else {
			s.state, s.seq = slotMissed, b.next
		}
		b.next++
		b.nextTS += b.spf
	}
	if s := &b.slots[b.next&b.mask]; s.state == slotBuffered && s.seq == b.next {
		b.nextTS = s.ts
	}
	b.delay = keep
}
