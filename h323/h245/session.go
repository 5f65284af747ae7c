// Package h245 holds typed ITU-T H.245 messages over the
// MULTIMEDIA-SYSTEM-CONTROL module of per.H323(), and the control
// procedures of one H.323 call (fast connect per H.323 §8.1.7, capability
// exchange, master/slave determination, logical channels, end of session,
// round-trip delay and user input), sans-I/O: a Session takes PDUs and the
// time and returns the PDUs to send and the events for its endpoint, which
// owns the transport (tunnelled in H.225.0 h245Control, or TPKT-framed on
// its own TCP connection), the goroutines and the timers.
package h245

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// Config is the local side of a Session.
type Config struct {
	// TerminalType is our master/slave determination terminalType (H.323
	// terminal types): 50 for a terminal (the default, when 0), 190 for an MCU.
	TerminalType int
	// Codecs are the codecs we can send and receive, in our order of
	// preference; default PCMA then PCMU.
	Codecs []Codec
	// Frames is the audio per packet we send and ask for, in milliseconds
	// (G.711 frames); default 20.
	Frames int
	// RTP and RTCP are where we receive RTP and RTCP (required).
	RTP, RTCP netip.AddrPort
	// Timeout is how long each procedure waits for its response (the
	// timers T101, T103, T106 and T108); default 30 s.
	Timeout time.Duration
	// Random returns a random number for statusDeterminationNumber (its
	// low 24 bits count); default crypto/rand.
	Random func() uint32
}

// n100 is how many times an indeterminate master/slave determination is
// retried (H.245's N100).
const n100 = 3

// Session is the H.245 side of one call. Its methods are not safe for
// concurrent use: the endpoint calls them from the call's one goroutine or
// under the call's lock. No method panics or blocks; each returns the
// PDUs to send, in order, and on error changes nothing.
type Session struct {
	cfg Config

	started   bool
	sentEnd   bool // we sent EndSessionCommand
	peerEnded bool // the peer sent EndSessionCommand

	// Capability exchange: our last TerminalCapabilitySet and the peer's.
	tcsSeq      int
	tcsPending  bool
	tcsAcked    bool
	tcsDeadline time.Time
	peerTCS     bool
	peerAudio   []Audio // what the peer can receive, its preference first

	msd msd

	tx       txChannel
	rx       rxChannel
	next     int     // our next logical channel number
	offer    []offer // our fast-start proposals
	fast     bool    // media came from fast start
	reported Media   // the last Media reported or returned
	noCodec  bool    // ErrNoCodec reported
}

// NewSession returns a Session for cfg with defaults filled in; it sends
// nothing until Start, OfferFastStart or AnswerFastStart.
func NewSession(cfg Config) (*Session, error) {
	if cfg.TerminalType == 0 {
		cfg.TerminalType = 50
	}
	if cfg.TerminalType < 0 || cfg.TerminalType > 255 {
		return nil, fmt.Errorf("h245: terminal type %d out of range 0..255", cfg.TerminalType)
	}
	if len(cfg.Codecs) == 0 {
		cfg.Codecs = []Codec{PCMA, PCMU}
	}
	for i, c := range cfg.Codecs {
		if c.capName() == "" || slices.Index(cfg.Codecs, c) != i {
			return nil, fmt.Errorf("h245: codecs %v: unknown or repeated %v", cfg.Codecs, c)
		}
	}
	cfg.Codecs = slices.Clone(cfg.Codecs)
	if cfg.Frames == 0 {
		cfg.Frames = 20
	}
	if cfg.Frames < 1 || cfg.Frames > 256 {
		return nil, fmt.Errorf("h245: frames %d out of range 1..256", cfg.Frames)
	}
	for _, a := range []netip.AddrPort{cfg.RTP, cfg.RTCP} {
		if !a.IsValid() || a.Addr().IsUnspecified() || a.Port() == 0 {
			return nil, fmt.Errorf("h245: RTP %v and RTCP %v must both be a specific address and port", cfg.RTP, cfg.RTCP)
		}
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("h245: negative timeout %v", cfg.Timeout)
	}
	if cfg.Random == nil {
		cfg.Random = func() uint32 {
			var b [4]byte
			_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24)
			return binary.BigEndian.Uint32(b[:])
		}
	}
	return &Session{cfg: cfg, next: 1}, nil
}

// Start begins slow start once the H.245 channel is up: it returns our
// TerminalCapabilitySet and MasterSlaveDetermination (H.245's master/slave determination and capability exchange),
// and starts T101 and T106. The determination is left out when the peer's
// has already begun or decided it. Calling Start again returns nothing.
func (s *Session) Start(now time.Time) ([][]byte, error) {
	if s.started || s.sentEnd || s.peerEnded {
		return nil, nil
	}
	out, _, err := s.atomically(func(o *output) {
		s.started = true
		s.sendTCS(now, o)
		if s.msd.state == msdIdle {
			s.msd.start(now, s, o)
		}
	})
	return out, err
}

// Handle processes one received H.245 PDU (a MultimediaSystemControlMessage
// without TPKT header). It returns the PDUs to send in answer and the
// events; a PDU that does not decode is an error wrapping ErrMalformed and
// changes nothing. After the session has ended (Ended, or End) every PDU
// but the peer's first EndSessionCommand is ignored.
func (s *Session) Handle(now time.Time, pdu []byte) ([][]byte, []Event, error) {
	m, err := Decode(pdu)
	if err != nil {
		return nil, nil, err
	}
	return s.atomically(func(o *output) { s.dispatch(now, m, o) })
}

// Tick expires the timers due at now: T101 (capability set: release and
// Failed), T106 (master/slave determination: release and Failed), T103
// (our channel: close and Failed) and T108 (our channel's close:
// forgotten). Call it at Deadline. After the session has ended no timer
// runs.
func (s *Session) Tick(now time.Time) ([][]byte, []Event, error) {
	if s.sentEnd || s.peerEnded {
		return nil, nil, nil
	}
	return s.atomically(func(o *output) {
		if s.tcsPending && !now.Before(s.tcsDeadline) {
			s.tcsPending = false
			o.send(TerminalCapabilitySetRelease{})
			o.fail(fmt.Errorf("terminal capability set (T101): %w", ErrTimeout))
		}
		s.msd.tick(now, o)
		s.tx.tick(now, o)
	})
}

// Deadline returns when Tick must next be called, false when no timer runs.
func (s *Session) Deadline() (time.Time, bool) {
	var d time.Time
	if s.sentEnd || s.peerEnded {
		return d, false
	}
	for _, t := range []struct {
		on bool
		at time.Time
	}{{s.tcsPending, s.tcsDeadline}, {s.msd.waiting(), s.msd.deadline}, {s.tx.waiting(), s.tx.deadline}} {
		if t.on && (d.IsZero() || t.at.Before(d)) {
			d = t.at
		}
	}
	return d, !d.IsZero()
}

// End returns our EndSessionCommand (H.323 §8.5), once; afterwards the
// session ignores everything but the peer's EndSessionCommand.
func (s *Session) End() ([][]byte, error) {
	if s.sentEnd {
		return nil, nil
	}
	out, _, err := s.atomically(func(o *output) {
		s.sentEnd = true
		o.send(EndSessionCommand{})
	})
	return out, err
}

// Digits returns one UserInputIndication (alphanumeric) per key of keys,
// which must all be of "0123456789*#ABCD".
func (s *Session) Digits(keys string) ([][]byte, error) {
	out, _, err := s.atomically(func(o *output) {
		for i := 0; i < len(keys); i++ {
			if !isDigit(keys[i]) {
				o.err = fmt.Errorf("h245: key %q not a DTMF key", keys[i])
				return
			}
			o.send(UserInput{Alphanumeric: keys[i : i+1]})
		}
	})
	return out, err
}

// Media returns the media of the channels open both ways, false while
// either direction is not open.
func (s *Session) Media() (Media, bool) {
	return s.reported, s.reported.Send != 0
}

// output collects what one step of the session sends and reports.
type output struct {
	msgs   []Message
	events []Event
	err    error
}

func (o *output) send(m Message) { o.msgs = append(o.msgs, m) }
func (o *output) emit(e Event)   { o.events = append(o.events, e) }
func (o *output) fail(err error) { o.emit(Failed{Err: err}) }

// atomically runs step and encodes what it sends; if step sets an error or
// a message fails to encode, the session is restored as it was and nothing
// is returned but the error.
func (s *Session) atomically(step func(o *output)) ([][]byte, []Event, error) {
	saved := *s
	var o output
	step(&o)
	if o.err != nil {
		*s = saved
		return nil, nil, o.err
	}
	out := make([][]byte, 0, len(o.msgs))
	for _, m := range o.msgs {
		b, err := Encode(m)
		if err != nil {
			*s = saved
			return nil, nil, err
		}
		out = append(out, b)
	}
	return out, o.events, nil
}

// dispatch runs the procedure a received message belongs to.
func (s *Session) dispatch(now time.Time, m Message, o *output) {
	if _, ok := m.(EndSessionCommand); ok {
		if !s.peerEnded {
			s.peerEnded = true
			if !s.sentEnd {
				s.sentEnd = true
				o.send(EndSessionCommand{})
			}
			o.emit(Ended{})
		}
		return
	}
	if s.sentEnd || s.peerEnded {
		return
	}
	switch m := m.(type) {
	case TerminalCapabilitySet:
		s.onTCS(now, m, o)
	case TerminalCapabilitySetAck:
		if s.tcsPending && m.Sequence == s.tcsSeq {
			s.tcsPending, s.tcsAcked = false, true
			s.maybeOpen(now, o)
		}
	case TerminalCapabilitySetReject:
		if s.tcsPending && m.Sequence == s.tcsSeq {
			s.tcsPending = false
			o.fail(fmt.Errorf("terminal capability set (%s): %w", m.Cause, ErrRejected))
		}
	case SendTerminalCapabilitySet:
		s.sendTCS(now, o)
	case MasterSlaveDetermination, MasterSlaveDeterminationAck, MasterSlaveDeterminationReject, MasterSlaveDeterminationRelease:
		if s.msd.handle(now, m, s, o) {
			s.maybeOpen(now, o)
		}
	case OpenLogicalChannel:
		s.onOLC(m, o)
	case OpenLogicalChannelAck:
		s.onOLCAck(m, o)
	case OpenLogicalChannelReject:
		s.onOLCReject(now, m, o)
	case CloseLogicalChannel:
		o.send(CloseLogicalChannelAck{Number: m.Number})
		if s.rx.open && s.rx.number == m.Number {
			s.rx, s.reported = rxChannel{}, Media{}
			o.emit(ChannelClosed{Direction: Receive})
		}
	case CloseLogicalChannelAck:
		if s.tx.state == txClosing && s.tx.number == m.Number {
			s.tx = txChannel{}
		}
	case RequestChannelClose:
		s.onRequestClose(now, m, o)
	case RoundTripDelayRequest:
		o.send(RoundTripDelayResponse{Sequence: m.Sequence})
	case UserInput:
		for _, k := range m.keys() {
			o.emit(Digit{Key: k, Duration: m.Duration})
		}
	case Other:
		// A request we do not handle is returned as not understood
		// (H.245), if it re-encodes; other messages are ignored.
		if f, ok := notUnderstood(m); ok && m.raw.Name == "request" {
			if _, err := Encode(f); err == nil {
				o.send(f)
			}
		}
	}
}

// sendTCS sends our TerminalCapabilitySet with the next sequence number and
// starts T101.
func (s *Session) sendTCS(now time.Time, o *output) {
	s.tcsSeq = (s.tcsSeq + 1) % 256
	s.tcsPending, s.tcsAcked = true, false
	s.tcsDeadline = now.Add(s.cfg.Timeout)
	o.send(s.capabilities())
}

// capabilities is our TerminalCapabilitySet: each codec as a receive audio
// capability, then the user input we take (basicString, dtmf, hookflash),
// in one descriptor: one of the codecs, with one of the user inputs.
func (s *Session) capabilities() TerminalCapabilitySet {
	m := TerminalCapabilitySet{Sequence: s.tcsSeq}
	var audio, input []int
	for _, c := range s.cfg.Codecs {
		n := len(m.Table) + 1
		m.Table = append(m.Table, Capability{Number: n, Direction: Receive, Audio: &Audio{Codec: c, Frames: s.cfg.Frames}})
		audio = append(audio, n)
	}
	for _, u := range []string{"basicString", "dtmf", "hookflash"} {
		n := len(m.Table) + 1
		m.Table = append(m.Table, Capability{Number: n, Direction: Receive, UserInput: u})
		input = append(input, n)
	}
	m.Descriptors = []Descriptor{{Number: 0, Simultaneous: [][]int{audio, input}}}
	return m
}

// onTCS acknowledges the peer's capability set, or rejects one whose
// descriptors name entries its table lacks, and opens our channel when it
// can.
func (s *Session) onTCS(now time.Time, m TerminalCapabilitySet, o *output) {
	entries := map[int]bool{}
	for _, c := range m.Table {
		entries[c.Number] = true
	}
	for _, d := range m.Descriptors {
		for _, alt := range d.Simultaneous {
			for _, n := range alt {
				if !entries[n] {
					o.send(TerminalCapabilitySetReject{Sequence: m.Sequence, Cause: "undefinedTableEntryUsed"})
					return
				}
			}
		}
	}
	o.send(TerminalCapabilitySetAck{Sequence: m.Sequence})
	if len(m.Table) == 0 {
		return // the empty capability set (H.245) pauses; nothing to open
	}
	s.peerTCS = true
	s.peerAudio = m.receivable()
	s.maybeOpen(now, o)
}

// isDigit reports whether c is a DTMF key.
func isDigit(c byte) bool { return strings.IndexByte(digits, c) >= 0 }
