package h245

import (
	"errors"
	"net/netip"
	"time"
)

// Errors a Session reports, in Failed events or from its methods.
var (
	// ErrTimeout: a procedure's timer (T101, T103 or T106) expired
	// without a response.
	ErrTimeout = errors.New("h245: no response in time")
	// ErrRejected: the peer rejected or released our capability set,
	// master/slave determination or logical channel.
	ErrRejected = errors.New("h245: rejected by the peer")
	// ErrNoCodec: the peer can receive none of our codecs, or offered
	// none in fast start.
	ErrNoCodec = errors.New("h245: no common codec")
	// ErrState: the method does not fit the session's state, e.g.
	// accepting a fast-start answer without having offered.
	ErrState = errors.New("h245: not in a state for that")
)

// Media is what an established audio call sends and receives: the codec we
// send and the codec the peer sends (they may differ), and where the peer
// wants our RTP and RTCP.
type Media struct {
	Send, Receive         Codec
	RemoteRTP, RemoteRTCP netip.AddrPort
}

// Event is something a Session reports to its endpoint: MediaReady, Digit,
// ChannelClosed, Ended or Failed.
type Event interface{ event() }

// MediaReady reports that logical channels are open both ways (after slow
// start; fast start returns its Media directly), or that they changed.
type MediaReady struct{ Media }

// Digit is one DTMF key received in a UserInputIndication: one of
// "0123456789*#ABCD", with its duration when the peer gave one.
type Digit struct {
	Key      rune
	Duration time.Duration
}

// ChannelClosed reports that the audio channel in Direction closed: Receive
// when the peer closed its channel to us, Transmit when ours closed at the
// peer's request.
type ChannelClosed struct{ Direction Direction }

// Ended reports that the peer sent EndSessionCommand: the call is ending
// (H.323 §8.5), and the Session has answered with its own if it had not
// sent one.
type Ended struct{}

// Failed reports that a procedure failed (Err wraps ErrTimeout,
// ErrRejected or ErrNoCodec): the call cannot carry audio as negotiated
// and the endpoint should end it.
type Failed struct{ Err error }

func (MediaReady) event()    {}
func (Digit) event()         {}
func (ChannelClosed) event() {}
func (Ended) event()         {}
func (Failed) event()        {}
