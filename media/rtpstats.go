package media

// Sequence-number limits of RFC 3550 Appendix A.1.
const (
	maxDropout  = 3000 // a jump ahead larger than this is a restart or a bad packet
	maxMisorder = 100  // a packet this far behind is late, not a restart
	seqMod      = 1 << 16
)

// receiveStats are the reception statistics of one RTP source, kept as
// RFC 3550 Appendix A.1 (sequence numbers, with wrap, reordering and
// restarts) and A.8 (interarrival jitter) describe them, for the report
// blocks of our RTCP and the leg's quality. It is a plain value, not safe
// for concurrent use: its owner guards it. update does not allocate.
type receiveStats struct {
	ssrc       uint32
	started    bool
	maxSeq     uint16 // highest sequence number seen
	cycles     uint32 // count of sequence number wraps, shifted left 16
	baseSeq    uint32 // first sequence number
	badSeq     uint32 // the sequence number a restart is expected at
	received   uint32 // packets received
	expPrior   uint32 // expected at the last report
	recvPrior  uint32 // received at the last report
	transit    int64  // relative transit time of the previous packet, in RTP units
	jitter     uint32 // interarrival jitter in RTP units, scaled by 16 (A.8)
	clockRate  int64
	havTransit bool
}

// reset starts the statistics over for a source whose first packet has
// sequence number seq.
func (r *receiveStats) reset(ssrc uint32, seq uint16) {
	*r = receiveStats{ssrc: ssrc, started: true, maxSeq: seq, baseSeq: uint32(seq), badSeq: seqMod + 1,
		clockRate: r.clockRate}
}

// update accounts for one packet of ssrc with sequence number seq and RTP
// timestamp ts that arrived at arrivalNS (Unix nanoseconds). A new SSRC
// starts the statistics over.
func (r *receiveStats) update(ssrc uint32, seq uint16, ts uint32, arrivalNS int64) {
	if !r.started || ssrc != r.ssrc {
		r.reset(ssrc, seq)
	} else {
		delta := seq - r.maxSeq
		switch {
		case delta < maxDropout:
			// In order, with a permissible gap.
			if seq < r.maxSeq {
				r.cycles += seqMod
			}
			r.maxSeq = seq
		case delta <= seqMod-maxMisorder:
			// A very large jump: two in a row mean the source restarted.
			if uint32(seq) != r.badSeq {
				r.badSeq = (uint32(seq) + 1) & (seqMod - 1)
				return
			}
			r.reset(ssrc, seq)
		default:
			// Duplicate or reordered: counted, max unchanged.
		}
	}
	r.received++
	if r.clockRate <= 0 {
		return
	}
	// A.8: arrival in RTP units; transit and jitter in those units.
	arrival := arrivalNS / 1000 * r.clockRate / 1_000_000
	transit := arrival - int64(ts)
	if r.havTransit {
		d := transit - r.transit
		if d < 0 {
			d = -d
		}
		if d > 1<<31 {
			// A timestamp jump (a new talk spurt after a long pause, a
			// wrap of the wall clock maths): not jitter.
			d = 0
		}
		r.jitter += uint32(d) - ((r.jitter + 8) >> 4)
	}
	r.transit, r.havTransit = transit, true
}

// extendedMax returns the extended highest sequence number received.
func (r *receiveStats) extendedMax() uint32 { return r.cycles + uint32(r.maxSeq) }

// expected returns how many packets were expected: from the first to the
// highest sequence number.
func (r *receiveStats) expected() uint32 {
	if !r.started {
		return 0
	}
	return r.extendedMax() - r.baseSeq + 1
}

// lost returns the cumulative number of packets lost (expected less
// received; negative with duplicates), clamped to the 24-bit signed field
// of a report block.
func (r *receiveStats) lost() int32 {
	l := int64(r.expected()) - int64(r.received)
	return int32(min(max(l, -0x800000), 0x7fffff))
}

// jitterRTP returns the interarrival jitter in RTP timestamp units.
func (r *receiveStats) jitterRTP() uint32 { return r.jitter >> 4 }

// interval returns the fraction lost since the previous call, as the 8-bit
// fixed point of a report block (A.3), and starts the next interval.
func (r *receiveStats) interval() uint8 {
	exp := r.expected()
	expInt := exp - r.expPrior
	recvInt := r.received - r.recvPrior
	r.expPrior, r.recvPrior = exp, r.received
	if expInt == 0 || recvInt >= expInt {
		return 0
	}
	return uint8((uint64(expInt-recvInt) << 8) / uint64(expInt))
}
