package main

import (
	"encoding/binary"
	"errors"
	"math"
	"net"
	"sync"
	"time"
)

// A leg's media: one UDP socket that sends 50 PCMU packets a second to the
// bridge and receives the bridge's, with the receiver's statistics.

// lateAfter is how much later than the leg's quickest packet a packet may
// arrive and still be on time: a packet later than this would miss a 60 ms
// jitter buffer, so it counts as late.
const lateAfter = 60 * time.Millisecond

// recordSamples is how much a probe leg keeps of what it hears for the
// tone check: the last 4 s of the window.
const recordSamples = 4 * sampleRate

// leg is one participant's media end.
type leg struct {
	conn   *net.UDPConn
	remote *net.UDPAddr // where the bridge receives this leg's RTP
	frames [][]byte     // one second of payloads, looped; one frame for silence
	probe  bool         // keeps what it hears for the tone check
	// lat, when set, is told of this leg's marker onsets sent (marker) or
	// hears the frames for them (probe).
	lat    *latencyProbe
	marker bool
	// browser makes the leg a WebRTC browser guest: frames are Opus, each
	// with its RFC 6464 level in levels, and rtc is its media once joined.
	browser bool
	levels  []byte
	rtc     *rtcMedia
	ssrc    uint32
	seq     uint16 // of the next packet sent; the sender's goroutine only
	ts      uint32 // of the next packet sent; the sender's goroutine only
	sent    int    // packets sent; the sender's goroutine only

	done chan struct{} // closed when the receiver returns

	mu sync.Mutex
	rx rxStats // guarded by mu
}

// rxStats is what a leg's receiver measured since the window began.
type rxStats struct {
	counting   bool
	received   int
	late       int
	base, high uint32 // extended sequence numbers of the first and highest packet
	cycles     uint32
	lastSeq    uint16
	minTransit time.Duration
	lastTS     uint32  // RTP timestamp of the last packet, in its clock
	extTS      int64   // the same, unwrapped: counted from the first packet's
	transit    float64 // last relative transit, in seconds
	jitter     float64 // RFC 3550 §6.4.1 interarrival jitter, seconds
	maxJitter  float64
	epoch      time.Time
	record     []byte // µ-law heard, probe legs only
}

// newLeg opens the leg's socket on 127.0.0.1 and starts its receiver. A
// probe keeps what it hears; lat, if not nil, is told of a marker's onsets
// sent or of the frames a probe hears.
func newLeg(ssrc uint32, frames [][]byte, probe bool, lat *latencyProbe, marker bool) (*leg, error) {
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, err
	}
	_ = conn.SetReadBuffer(256 << 10)
	l := &leg{conn: conn, frames: frames, probe: probe, lat: lat, marker: marker, ssrc: ssrc, done: make(chan struct{})}
	go l.receive()
	return l, nil
}

// newBrowserLeg is a leg that joins as a browser guest, sending freq Hz
// (0: silence) in Opus; see newLeg.
func newBrowserLeg(audio *opusAudio, ssrc uint32, freq float64, probe bool, lat *latencyProbe, marker bool) (*leg, error) {
	s, err := audio.stream(freq, marker)
	if err != nil {
		return nil, err
	}
	return &leg{frames: s.frames, levels: s.levels, browser: true, probe: probe, lat: lat, marker: marker, ssrc: ssrc}, nil
}

// port is the leg's RTP port, offered in SDP.
func (l *leg) port() int { return l.conn.LocalAddr().(*net.UDPAddr).Port }

// close closes the socket (a browser leg: its PeerConnection) and waits
// for the receiver.
func (l *leg) close() {
	if l.browser {
		if l.rtc != nil {
			l.rtc.close()
		}
		return
	}
	l.conn.Close()
	<-l.done
}

// next builds the leg's next packet in buf and returns it, and whether it
// carries the marker's onset; the sender's goroutine calls it every 20 ms.
// It returns nil while the leg has nowhere to send.
func (l *leg) next(buf []byte) (pkt []byte, onset bool) {
	if l.rtc != nil {
		return l.rtc.next(l, buf)
	}
	if l.remote == nil {
		return nil, false
	}
	p := l.frames[l.sent%len(l.frames)]
	buf = buf[:12+len(p)]
	buf[0], buf[1] = 0x80, 0 // V=2, PT 0 (PCMU)
	if l.sent == 0 {
		buf[1] |= 0x80 // marker on the first packet of the talk spurt
	}
	binary.BigEndian.PutUint16(buf[2:], l.seq)
	binary.BigEndian.PutUint32(buf[4:], l.ts)
	binary.BigEndian.PutUint32(buf[8:], l.ssrc)
	copy(buf[12:], p)
	onset = l.marker && l.sent%framesPerSec == markerGap
	l.seq++
	l.ts += frameSamples
	l.sent++
	return buf, onset
}

// write sends a packet next built: over the leg's UDP socket, or, for a
// browser leg, through its PeerConnection (SRTP).
func (l *leg) write(pkt []byte) error {
	if l.rtc != nil {
		_, err := l.rtc.track.Write(pkt)
		return err
	}
	_, err := l.conn.WriteToUDP(pkt, l.remote)
	return err
}

// receive reads the bridge's packets until the socket closes.
func (l *leg) receive() {
	defer close(l.done)
	buf := make([]byte, 1500)
	for {
		n, _, err := l.conn.ReadFromUDP(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		now := time.Now()
		seq, ts, payload, ok := parseRTP(buf[:n])
		if !ok {
			continue
		}
		l.heard(now, seq, ts, sampleRate, payload)
	}
}

// heard counts a packet received at now, with its sequence number, its
// RTP timestamp in a clock of rate Hz and (a probe's) its audio as 20 ms
// of µ-law at 8 kHz.
func (l *leg) heard(now time.Time, seq uint16, ts uint32, rate int, ulaw []byte) {
	l.mu.Lock()
	l.rx.add(now, seq, ts, rate, ulaw, l.probe)
	l.mu.Unlock()
	if l.probe && l.lat != nil {
		l.lat.frameHeard(now, ulaw)
	}
}

// parseRTP returns a PCMU packet's sequence number, timestamp and payload.
func parseRTP(b []byte) (seq uint16, ts uint32, payload []byte, ok bool) {
	if len(b) < 12 || b[0]>>6 != 2 || b[1]&0x7F != 0 {
		return 0, 0, nil, false
	}
	off := 12 + 4*int(b[0]&0x0F)
	if b[0]&0x10 != 0 { // header extension
		if len(b) < off+4 {
			return 0, 0, nil, false
		}
		off += 4 + 4*int(binary.BigEndian.Uint16(b[off+2:]))
	}
	end := len(b)
	if b[0]&0x20 != 0 && end > off { // padding
		end -= int(b[end-1])
	}
	if end < off {
		return 0, 0, nil, false
	}
	return binary.BigEndian.Uint16(b[2:]), binary.BigEndian.Uint32(b[4:]), b[off:end], true
}

// add counts one packet received at now, if the window is open; ts is
// its RTP timestamp in a clock of rate Hz. Timestamps are unwrapped by
// their signed 32-bit difference from the previous packet's (RFC 3550
// §A.8 leaves the wrap to the receiver), so a stream whose timestamp
// passes 2^32 in the window keeps its transit, not one 2^32 units off.
func (s *rxStats) add(now time.Time, seq uint16, ts uint32, rate int, payload []byte, probe bool) {
	if !s.counting {
		return
	}
	if s.received == 0 {
		s.base, s.high, s.lastSeq, s.epoch = uint32(seq), uint32(seq), seq, now
		s.lastTS, s.extTS = ts, 0
	} else {
		if d := seq - s.lastSeq; d < 0x8000 && d != 0 { // in order: advance
			if seq < s.lastSeq {
				s.cycles += 1 << 16
			}
			s.lastSeq = seq
			s.high = s.cycles | uint32(seq)
		}
		s.extTS += int64(int32(ts - s.lastTS))
		s.lastTS = ts
	}
	s.received++
	// Transit relative to the first packet's arrival and timestamp.
	transit := now.Sub(s.epoch).Seconds() - float64(s.extTS)/float64(rate)
	if s.received > 1 {
		d := math.Abs(transit - s.transit)
		s.jitter += (d - s.jitter) / 16
		s.maxJitter = max(s.maxJitter, s.jitter)
	}
	s.transit = transit
	t := time.Duration(transit * float64(time.Second))
	if s.received == 1 || t < s.minTransit {
		s.minTransit = t
	}
	if t-s.minTransit > lateAfter {
		s.late++
	}
	if probe {
		s.record = append(s.record, payload...)
		if len(s.record) > 2*recordSamples {
			s.record = append(s.record[:0], s.record[len(s.record)-recordSamples:]...)
		}
	}
}

// startWindow clears the receiver's statistics and starts counting.
func (l *leg) startWindow() {
	l.mu.Lock()
	l.rx = rxStats{counting: true}
	l.mu.Unlock()
}

// legResult is a leg's receiver statistics over the window.
type legResult struct {
	received, expected, lost, late int
	jitterMS, maxJitterMS          float64
	record                         []byte
}

// endWindow stops counting and returns what the window measured.
func (l *leg) endWindow() legResult {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := &l.rx
	s.counting = false
	r := legResult{received: s.received, late: s.late,
		jitterMS: s.jitter * 1000, maxJitterMS: s.maxJitter * 1000}
	if s.received > 0 {
		r.expected = int(s.high-s.base) + 1
		r.lost = max(r.expected-s.received, 0)
	}
	if len(s.record) > recordSamples {
		r.record = s.record[len(s.record)-recordSamples:]
	} else {
		r.record = s.record
	}
	return r
}
