package media

import (
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"

	"github.com/parleyhq/parley/media/dtmf"
	"github.com/parleyhq/parley/media/jitter"
)

// ErrStreamConfig is returned, wrapped, by NewStream for a configuration it
// cannot use.
var ErrStreamConfig = errors.New("media: invalid stream config")

// StreamConfig is the media one SDP offer/answer negotiated for a leg.
type StreamConfig struct {
	// Format is the audio encoding, the same in both directions.
	Format Format
	// PayloadType is Format's RTP payload type (RFC 3551 §6 for the static
	// ones, a=rtpmap for the dynamic ones).
	PayloadType uint8
	// EventPayloadType is the payload type of telephone-event (RFC 4733
	// §7.1.1); 0 means none was negotiated.
	EventPayloadType uint8
	// InbandDTMF turns on the in-band DTMF detector (dtmf.Detector), for
	// phones that send digits only as audio tones; the SIP layer sets it
	// when the SDP negotiated no telephone-event. It runs in ReadAudio on
	// every frame decoded from a received packet, at the codec's rate
	// before resampling (8 kHz for G.711, 48 kHz for Opus); concealed
	// frames are not analysed. If the phone sends telephone events after
	// all, the first one turns in-band detection off for good, so that a
	// phone sending both does not report each digit twice.
	InbandDTMF bool
	// OnDigit, if not nil, is called once per DTMF key press with the digit
	// ('0'-'9', '*', '#', 'A'-'D'). Digits from RFC 4733 telephone events
	// arrive on the session's reader goroutine; in-band digits
	// (InbandDTMF) arrive on the goroutine that calls ReadAudio, the
	// mixer's tick goroutine or, before the leg joins a room, the IVR loop
	// that plays the PIN prompt. OnDigit may therefore be called from
	// either, even concurrently, and must be safe for that: it must return
	// quickly, must not block (hand the digit to a buffered channel, say)
	// and must not call Close or ReadAudio.
	OnDigit func(digit rune)
	// Jitter tunes the jitter buffer; the zero value takes its defaults.
	Jitter jitter.Options
}

// StreamStats are a Stream's counters.
type StreamStats struct {
	// Session are the RTP session's counters.
	Session SessionStats
	// Jitter are the jitter buffer's counters.
	Jitter jitter.Stats
	// Digits counts the DTMF digits received, by either route.
	Digits uint64
	// InbandDigits counts the digits of Digits that the in-band detector
	// found.
	InbandDigits uint64
	// OtherPayloadTypes counts the packets whose payload type was neither
	// the audio's nor telephone-event's.
	OtherPayloadTypes uint64
	// BadEvents counts the telephone-event packets that did not parse.
	BadEvents uint64
	// DecodeErrors counts the payloads the decoder rejected (each frame is
	// concealed instead).
	DecodeErrors uint64
	// WriteErrors counts the payloads WriteAudio could not send (those
	// withheld for want of a verified address are counted in
	// Session.Withheld instead).
	WriteErrors uint64
}

// Stream is the audio of one RTP/UDP leg (SIP, and H.323 to come), as the
// mixer sees it: the assembly of the pipeline stages around an RTP
// Session. Inbound, the session's audio packets go through the Inbound
// chain (jitter buffer, decoder with loss concealment, in-band DTMF tap,
// resampler) and telephone events (RFC 4733) to a DTMF receiver;
// outbound, payloads go through a Packetizer to the session. It
// implements the mixer's Participant contract (ReadAudio, Format,
// WriteAudio), which the mixer calls on its tick goroutine. A leg that is
// not in a room yet (during the PIN prompt) has its ReadAudio called by the
// IVR loop instead, so in-band digits are detected there too; nothing
// else needs to read it.
//
// The session's reader goroutine sorts the packets it accepts by payload
// type: the negotiated audio goes into the jitter buffer, telephone events
// (RFC 4733) to the DTMF receiver, anything else is counted and dropped.
// Telephone events share the audio's sequence numbers, so while a key is
// held the jitter buffer sees a gap: it conceals briefly, then goes quiet.
type Stream struct {
	sess    *Session
	format  Format
	pt      uint8
	eventPT uint8
	onDigit func(rune)
	in      *Inbound

	// Owned by the session's reader goroutine.
	dtmf     dtmf.Receiver
	dtmfSSRC uint32

	// Owned by the tick goroutine (WriteAudio).
	out *Packetizer

	digits, inbandDigits, otherPT, badEvents, decodeErrors, writeErrors atomic.Uint64
}

// NewStream returns a stream on conn (which it owns from then on, and
// closes in Close) whose media comes from and goes to peer (see NewSession
// and Latch). It starts nothing; call Start. If NewStream
// fails, conn stays open and the caller's to close.
func NewStream(conn UDPConn, peer Peer, cfg StreamConfig) (*Stream, error) {
	if cfg.PayloadType > 127 || cfg.EventPayloadType > 127 {
		return nil, fmt.Errorf("%w: payload types %d and %d", ErrStreamConfig, cfg.PayloadType, cfg.EventPayloadType)
	}
	if cfg.EventPayloadType != 0 && cfg.EventPayloadType == cfg.PayloadType {
		return nil, fmt.Errorf("%w: audio and telephone-event share payload type %d", ErrStreamConfig, cfg.PayloadType)
	}
	s := &Stream{
		format:  cfg.Format,
		pt:      cfg.PayloadType,
		eventPT: cfg.EventPayloadType,
		onDigit: cfg.OnDigit,
	}
	icfg := InboundConfig{Format: cfg.Format, Jitter: cfg.Jitter, Counters: DecodeCounters{Errors: &s.decodeErrors}}
	if cfg.InbandDTMF {
		icfg.OnInbandDigit = s.inbandDigit
	}
	in, err := NewInbound(icfg)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrStreamConfig, err)
	}
	s.in = in
	s.sess, err = NewSession(conn, peer, s.handle)
	if err != nil {
		return nil, err
	}
	s.out = NewPacketizer(s.sess, cfg.PayloadType, cfg.Format)
	return s, nil
}

// Start starts receiving (see Session.Start).
func (s *Stream) Start() error { return s.sess.Start() }

// Close closes the session and waits for its reader goroutine (see
// Session.Close). It is idempotent.
func (s *Stream) Close() error { return s.sess.Close() }

// Session returns the RTP session, for its address, latching and counters.
func (s *Stream) Session() *Session { return s.sess }

// LastReceived returns when the last RTP packet arrived (see
// Session.LastReceived).
func (s *Stream) LastReceived() time.Time { return s.sess.LastReceived() }

// Stats returns a snapshot of the counters.
func (s *Stream) Stats() StreamStats {
	return StreamStats{
		Session:           s.sess.Stats(),
		Jitter:            s.in.JitterStats(),
		Digits:            s.digits.Load(),
		InbandDigits:      s.inbandDigits.Load(),
		OtherPayloadTypes: s.otherPT.Load(),
		BadEvents:         s.badEvents.Load(),
		DecodeErrors:      s.decodeErrors.Load(),
		WriteErrors:       s.writeErrors.Load(),
	}
}

// Format returns the encoding the leg receives, which WriteAudio's payloads
// must be in.
func (s *Stream) Format() Format { return s.format }

// ReadAudio fills frame with the leg's next 20 ms at rate Hz (len(frame)
// must be rate/50) and reports whether it holds audio, through the
// Inbound chain. It pops the jitter buffer: a packet is decoded, a lost packet concealed (with the next
// packet's payload, when buffered, for Opus FEC), and nothing (before the
// first packet, or after a long silence) returns false with frame
// untouched. With InbandDTMF, each decoded (not concealed) frame goes
// through the in-band detector first, at the codec's rate, and its digits
// to OnDigit, on this goroutine; a silence resets the detector. The frame
// is then resampled from the codec's rate to rate; the resampler is made
// again only when rate changes. It is called on the mixer's tick
// goroutine, or by the IVR loop while the leg is not in a room, never
// concurrently with itself or WriteAudio, and does not block or, in steady
// state, allocate.
func (s *Stream) ReadAudio(frame []int16, rate int) bool { return s.in.ReadAudio(frame, rate) }

// inbandDigit counts and reports a digit of the in-band tap; it runs on
// ReadAudio's goroutine.
func (s *Stream) inbandDigit(d rune) {
	s.digits.Add(1)
	s.inbandDigits.Add(1)
	if s.onDigit != nil {
		s.onDigit(d)
	}
}

// WriteAudio sends one encoded 20 ms payload of Format() to the leg
// through its Packetizer, with the marker bit on the first packet (RFC
// 3551 §4.1). It is called on the mixer's tick goroutine and does not
// block: a payload the socket refuses is counted in WriteErrors and
// dropped.
func (s *Stream) WriteAudio(payload []byte) {
	if err := s.out.WritePayload(payload); err != nil && !errors.Is(err, ErrNoRemote) { // withheld: counted by the session
		s.writeErrors.Add(1)
	}
}

// handle sorts one received packet; it runs on the session's reader
// goroutine.
func (s *Stream) handle(pkt *rtp.Packet) {
	switch {
	case pkt.PayloadType == s.pt:
		s.in.Push(pkt)
	case s.eventPT != 0 && pkt.PayloadType == s.eventPT:
		if pkt.SSRC != s.dtmfSSRC {
			s.dtmf.Reset()
			s.dtmfSSRC = pkt.SSRC
		}
		digit, ok, err := s.dtmf.Receive(pkt.Timestamp, pkt.Marker, pkt.Payload)
		if err != nil {
			s.badEvents.Add(1)
			return
		}
		s.in.StopInband()
		if ok {
			s.digits.Add(1)
			if s.onDigit != nil {
				s.onDigit(digit)
			}
		}
	default:
		s.otherPT.Add(1)
	}
}
