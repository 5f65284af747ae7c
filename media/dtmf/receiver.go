package dtmf

// recentEvents is how many event timestamps a Receiver remembers, so that
// a retransmission arriving after a later event has begun is still
// recognised.
const recentEvents = 8

// Receiver turns the telephone-event packets of one RTP stream into DTMF
// digits, reporting each key press once (RFC 4733 §2.5.2).
//
// A sender reports one event in many packets that all carry the RTP
// timestamp of the event's start: updates while the key is held, with a
// growing duration (§2.5.1.2), then the final report, with the E bit, sent
// three times (§2.5.1.4). The Receiver therefore keys events by RTP
// timestamp and reports a digit on the first packet of a new timestamp,
// whichever of them arrives first. An event longer than the duration field
// can hold is sent as segments with new timestamps but no marker bit
// (§2.5.1.3); these continue the current event and are not reported again.
// Of a payload that packs several reports (§2.5.1.5) only the first is
// read. Event codes that are not DTMF digits (above 15) are remembered but
// not reported.
//
// The zero value is ready to use. A Receiver is not safe for concurrent
// use; it is meant to be fed by the goroutine that reads the stream.
type Receiver struct {
	recent  [recentEvents]uint32 // timestamps of recent events, a ring
	nrecent int                  // how many of recent are valid
	pos     int                  // where the next timestamp goes in recent

	cur struct {
		valid bool
		ts    uint32
		code  uint8
		ended bool
	}
}

// Receive handles one telephone-event packet: its RTP timestamp, its
// marker bit (set on the first packet of an event, RFC 4733 §2.5.1.2) and
// its payload. It returns the digit and true the first time it sees a DTMF
// event, and false for every other packet of that event. A payload
// ParseEvent rejects is returned as its error, and changes nothing.
func (r *Receiver) Receive(timestamp uint32, marker bool, payload []byte) (digit rune, ok bool, err error) {
	ev, err := ParseEvent(payload)
	if err != nil {
		return 0, false, err
	}
	if r.seen(timestamp) {
		if r.cur.valid && timestamp == r.cur.ts && ev.End {
			r.cur.ended = true
		}
		return 0, false, nil
	}
	r.remember(timestamp)
	if r.cur.valid && !r.cur.ended && !marker && ev.Code == r.cur.code {
		if d := timestamp - r.cur.ts; d != 0 && d <= 0x10000 {
			// The next segment of a long event (§2.5.1.3).
			r.cur.ts, r.cur.ended = timestamp, ev.End
			return 0, false, nil
		}
	}
	r.cur.valid, r.cur.ts, r.cur.code, r.cur.ended = true, timestamp, ev.Code, ev.End
	digit, ok = Digit(ev.Code)
	return digit, ok, nil
}

// Reset forgets every event seen, for a new stream (an SSRC change).
func (r *Receiver) Reset() { *r = Receiver{} }

func (r *Receiver) seen(ts uint32) bool {
	for i := 0; i < r.nrecent; i++ {
		if r.recent[i] == ts {
			return true
		}
	}
	return false
}

func (r *Receiver) remember(ts uint32) {
	r.recent[r.pos] = ts
	r.pos = (r.pos + 1) % recentEvents
	r.nrecent = min(r.nrecent+1, recentEvents)
}
