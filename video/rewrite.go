package video

import (
	"time"

	"github.com/pion/rtp"
)

// Rewriter turns the packets of a succession of sources (the tracks of
// the speakers a receiver is shown in turn, or the simulcast layers of one
// publisher) into one continuous RTP stream for one receiver, so that its
// jitter buffer and decoder see no restart (RFC 7667 §3.6.2, the
// media-switching mixer):
//
//   - SSRC and payload type are the receiver's, fixed at NewRewriter.
//   - Sequence numbers are the source's plus an offset, set when a source
//     starts so that its first packet follows the last one sent by 1.
//     Reordering within a source is kept; a packet of a source older than
//     the first one forwarded from it is dropped, as is a packet of
//     another SSRC than the current source's (a straggler of the last).
//   - Timestamps are the source's plus an offset, set when a source starts
//     so that its first timestamp is the last one sent plus the wall-clock
//     time since that packet was sent, in clock-rate units, and at least 1.
//   - VP8 (RFC 7741 §4.2): the picture ID, TL0PICIDX and KEYIDX, where the
//     source sends them, are rewritten the same way, so that the first
//     picture of a source follows the last one sent by 1 in each. A
//     picture ID keeps its width (7 bits, or 15 with the M bit) because
//     the payload is not moved; counting is in 15 bits, so a 7-bit ID
//     carries the low bits of the count. Other formats' payloads are
//     forwarded as they are (the VP9 descriptor is not rewritten).
//
// The first source's packets keep their sequence numbers, timestamps and
// VP8 fields. The caller calls Switch before the first packet of each new
// source and switches only at a keyframe of it (IsKeyframe); the Rewriter
// does not check.
//
// A Rewriter is used by one goroutine at a time (the one that forwards to
// its receiver); it allocates nothing per packet once its payload buffer
// has grown to the largest VP8 packet.
type Rewriter struct {
	ssrc        uint32
	payloadType uint8
	clockRate   uint32
	vp8         bool
	now         func() time.Time

	// The stream sent so far; meaningful once sent is true. The last
	// packet is the one with the highest sequence number.
	sent     bool
	lastSeq  uint16
	lastTS   uint32
	lastTime time.Time // when Rewrite last let a packet through
	pic      vp8Counter
	tl0      vp8Counter
	keyIdx   vp8Counter

	// The current source; switching says the next packet starts a new one.
	switching bool
	src       uint32 // SSRC
	first     int64  // extended sequence number of its first packet
	highest   int64  // extended sequence number of its latest packet
	seqOffset uint16
	tsOffset  uint32

	buf []byte // the rewritten VP8 payload
}

// NewRewriter returns a Rewriter that sends as SSRC ssrc with payload
// type payloadType; clockRate is the RTP clock rate (90000 for video) and
// mimeType the payload format ("video/VP8" turns on the VP8 rewriting).
// now tells the time; nil means time.Now.
func NewRewriter(ssrc uint32, payloadType uint8, clockRate uint32, mimeType string, now func() time.Time) *Rewriter {
	if now == nil {
		now = time.Now
	}
	return &Rewriter{
		ssrc:        ssrc,
		payloadType: payloadType,
		clockRate:   clockRate,
		vp8:         formatOf(mimeType) == formatVP8,
		now:         now,
		switching:   true,
	}
}

// Switch says that the next packet given to Rewrite is the first of a new
// source, which should be a keyframe. A new Rewriter needs no Switch
// before its first source.
func (r *Rewriter) Switch() { r.switching = true }

// Rewrite rewrites pkt for the receiver and reports whether to send it;
// false means drop it. It changes pkt's header fields but never the bytes
// pkt.Payload points to, which other receivers may share: when the VP8
// descriptor changes, pkt.Payload is set to a copy owned by the Rewriter,
// valid until the next call to Rewrite.
func (r *Rewriter) Rewrite(pkt *rtp.Packet) bool {
	now := r.now()
	if r.switching {
		r.start(pkt, now)
	} else if pkt.SSRC != r.src {
		return false
	}
	// The extended sequence number, by the distance from the latest.
	ext := r.highest + int64(int16(pkt.SequenceNumber-uint16(r.highest)))
	if ext < r.first {
		return false
	}
	latest := ext >= r.highest
	if latest {
		r.highest = ext
	}

	pkt.SSRC = r.ssrc
	pkt.PayloadType = r.payloadType
	pkt.SequenceNumber += r.seqOffset
	pkt.Timestamp += r.tsOffset
	if r.vp8 {
		r.rewriteVP8(pkt, latest)
	}
	if latest {
		r.lastSeq = pkt.SequenceNumber
		r.lastTS = pkt.Timestamp
	}
	r.sent = true
	r.lastTime = now
	return true
}

// start makes pkt the first packet of a new source, with offsets that
// continue the stream sent so far.
func (r *Rewriter) start(pkt *rtp.Packet, now time.Time) {
	r.switching = false
	r.src = pkt.SSRC
	r.first = int64(pkt.SequenceNumber)
	r.highest = r.first
	r.seqOffset, r.tsOffset = 0, 0
	if r.sent {
		r.seqOffset = r.lastSeq + 1 - pkt.SequenceNumber
		r.tsOffset = r.lastTS + r.ticks(now.Sub(r.lastTime)) - pkt.Timestamp
	}
	r.pic.started, r.tl0.started, r.keyIdx.started = false, false, false
}

// ticks converts d to units of the clock rate (modulo 2^32, as RTP
// timestamps count), at least 1.
func (r *Rewriter) ticks(d time.Duration) uint32 {
	if d <= 0 {
		return 1
	}
	rate := uint64(r.clockRate)
	t := uint64(d/time.Second)*rate + uint64(d%time.Second)*rate/uint64(time.Second)
	return max(uint32(t), 1)
}

// rewriteVP8 rewrites the running counters of pkt's VP8 payload
// descriptor; latest says pkt is the latest packet of the stream. A
// payload whose descriptor does not parse is left alone.
func (r *Rewriter) rewriteVP8(pkt *rtp.Packet, latest bool) {
	p := pkt.Payload
	d, ok := parseVP8(p)
	if !ok {
		return
	}
	var pic, tl0, keyIdx uint16
	changed := false
	if d.picID >= 0 {
		in := uint16(p[d.picID] & 0x7f)
		mask := uint16(0x7f)
		if d.longPID {
			in = in<<8 | uint16(p[d.picID+1])
			mask = 0x7fff
		}
		pic = r.pic.out(in) & 0x7fff
		changed = changed || pic&mask != in
	}
	if d.tl0 >= 0 {
		in := uint16(p[d.tl0])
		tl0 = r.tl0.out(in) & 0xff
		changed = changed || tl0 != in
	}
	if d.keyIdx >= 0 {
		in := uint16(p[d.keyIdx] & 0x1f)
		keyIdx = r.keyIdx.out(in) & 0x1f
		changed = changed || keyIdx != in
	}
	if latest {
		r.pic.record(d.picID >= 0, pic)
		r.tl0.record(d.tl0 >= 0, tl0)
		r.keyIdx.record(d.keyIdx >= 0, keyIdx)
	}
	if !changed {
		return
	}
	r.buf = append(r.buf[:0], p...)
	p = r.buf
	if d.picID >= 0 {
		if d.longPID {
			p[d.picID] = 0x80 | byte(pic>>8)
			p[d.picID+1] = byte(pic)
		} else {
			p[d.picID] = byte(pic) & 0x7f
		}
	}
	if d.tl0 >= 0 {
		p[d.tl0] = byte(tl0)
	}
	if d.keyIdx >= 0 {
		p[d.keyIdx] = p[d.keyIdx]&^0x1f | byte(keyIdx)
	}
	pkt.Payload = p
}

// vp8Counter rewrites one of the VP8 descriptor's running counters.
type vp8Counter struct {
	last    uint16 // the value in the last packet sent, when have
	have    bool   // a packet sent so far carried the field
	offset  uint16 // added by the current source
	started bool   // offset is set for the current source
}

// out returns the output value for the current source's value v; the
// source's first value sets its offset, so that it follows the last value
// sent by 1.
func (c *vp8Counter) out(v uint16) uint16 {
	if !c.started {
		c.started = true
		c.offset = 0
		if c.have {
			c.offset = c.last + 1 - v
		}
	}
	return v + c.offset
}

// record notes the value v of the latest packet sent, if it carried the
// field.
func (c *vp8Counter) record(present bool, v uint16) {
	if present {
		c.last, c.have = v, true
	}
}
