package webrtc

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	pion "github.com/pion/webrtc/v4"

	"github.com/parleyhq/parley/video"
)

// ErrBadAnswer means the browser's answer to a renegotiation offer from
// the server could not be applied.
var ErrBadAnswer = errors.New("webrtc: answer not accepted")

// ErrNoAnswer means the browser did not answer a renegotiation offer in
// answerTimeout. pion cannot roll its offer back, so the call would never
// change its video again: it ends, and the guest can join anew.
var ErrNoAnswer = errors.New("webrtc: no answer to the server's offer")

// answerTimeout is how long the browser has to answer a server offer.
const answerTimeout = 15 * time.Second

// Renegotiation (JSEP, RFC 8829): the browser makes the first offer
// and the server answers it; after that, only the server offers, to add a
// forwarded video track when another guest starts publishing and to
// remove it when they stop. The server offers only from the stable state,
// one offer at a time: changes that come while an offer is out wait for
// its answer and go out in the next offer.
//
// Glare: the server is the impolite peer of the WebRTC "perfect
// negotiation" pattern. pion cannot roll back a local offer, so an offer
// from the browser that crosses the server's is ignored; the browser, the
// polite peer, rolls its own back (setRemoteDescription of the server's
// offer does that in every current browser), answers the server's, and
// offers again once stable if it still needs to. The join page offers
// after its first offer only to change the codec it sends (SendCodec): it
// turns its camera on and off with RTCRtpSender.replaceTrack on the video
// transceiver of that offer.

// sdpPeer is what negotiation needs of the call's PeerConnection:
// *pion.PeerConnection.
type sdpPeer interface {
	// SignalingState is the JSEP state (RFC 8829 §3.2).
	SignalingState() pion.SignalingState
	// SetRemoteDescription applies the page's offer or answer.
	SetRemoteDescription(pion.SessionDescription) error
	// SetLocalDescription applies the server's offer or answer.
	SetLocalDescription(pion.SessionDescription) error
	// CreateOffer makes an offer for the PeerConnection as it is now.
	CreateOffer(*pion.OfferOptions) (pion.SessionDescription, error)
	// CreateAnswer answers the remote offer.
	CreateAnswer(*pion.AnswerOptions) (pion.SessionDescription, error)
}

// outbox is where negotiation sends its messages: the call's signalQueue.
type outbox interface {
	// send queues a message for the page without blocking.
	send(Message)
	// sendAnswer queues an answer, releasing the candidates held for it.
	sendAnswer(Message)
}

// trackSync is what negotiation needs of the forwarded tracks on the
// PeerConnection: the call's forwards.
type trackSync interface {
	// sync puts on the PeerConnection the tracks of want that are not on
	// it and takes off those not in want; it reports whether it changed
	// anything.
	sync(want []*video.Track) bool
	// live says the offer carrying the changes made so far was answered:
	// the tracks it added now reach the browser.
	live()
}

// negotiation is a call's offer/answer exchange with the join page, as
// the comment above describes: it answers the page's offers (ignoring one
// that crosses the server's), offers the page every change of the
// forwarded tracks the room wants it to receive, one offer at a time,
// within answerTimeout each, and passes on the codec the room wants the
// page to send.
//
// Contract: setTracks and setCodec may be called from any goroutine and
// never block (the room calls them under its lock); their values are
// guarded by their own latest. Every other method, and every field below
// "Owned by the loop", belongs to the call's loop goroutine alone, so
// negotiation holds no lock of its own across pion's calls. After close,
// offers and answers from the page are ignored and the server offers no
// more.
type negotiation struct {
	out     outbox
	log     *slog.Logger
	timeout time.Duration           // for the page to answer an offer
	tracks  *latest[[]*video.Track] // the forwarded tracks the room wants the guest to receive
	codec   *latest[string]         // the MIME type the room wants the guest to send; "" until it says

	// Owned by the loop.
	pc       sdpPeer          // set by attach
	fwd      trackSync        // set by attach
	open     bool             // the guest is in the room: the server may offer
	offering bool             // the server's offer is out, awaiting the answer
	due      <-chan time.Time // fires when the page is too slow to answer; nil when no offer is out
	dirty    bool             // tracks changed since the last offer
	asked    string           // the codec the page was last asked to send (answer or "codec")
	closed   bool
}

// newNegotiation returns a negotiation that sends to out and gives the page
// timeout to answer each offer; attach gives it its PeerConnection.
func newNegotiation(out outbox, timeout time.Duration, log *slog.Logger) *negotiation {
	return &negotiation{out: out, log: log, timeout: timeout,
		tracks: newLatest[[]*video.Track](), codec: newLatest[string]()}
}

// attach gives the negotiation the PeerConnection it negotiates and the
// forwarded tracks on it, before the page's first offer.
func (n *negotiation) attach(pc sdpPeer, fwd trackSync) { n.pc, n.fwd = pc, fwd }

// setTracks hands over the forwarded tracks the guest should receive now;
// the loop offers them when woken by tracksChanged. Any goroutine.
func (n *negotiation) setTracks(tracks []*video.Track) { n.tracks.set(tracks) }

// setCodec hands over the MIME type the guest should send its camera in;
// the loop asks the page when woken by codecChanged. Any goroutine.
func (n *negotiation) setCodec(mime string) { n.codec.set(mime) }

// tracksChanged receives after setTracks: the loop then calls
// renegotiate.
func (n *negotiation) tracksChanged() <-chan struct{} { return n.tracks.C() }

// codecChanged receives after setCodec: the loop then calls askCodec.
func (n *negotiation) codecChanged() <-chan struct{} { return n.codec.C() }

// answerDue fires when the page has not answered the server's offer in
// time (the call then ends with ErrNoAnswer); nil while no offer is out.
func (n *negotiation) answerDue() <-chan time.Time { return n.due }

// start says the guest is in the room: from now on the server offers the
// changes of its tracks and passes on codec changes.
func (n *negotiation) start() { n.open = true }

// close ends the negotiation: nothing more is offered, answered or
// applied. It is idempotent.
func (n *negotiation) close() { n.closed, n.offering, n.due = true, false, nil }

// onOffer answers the page's offer (the first, or one to change its
// codec), unless it crosses the server's (glare: ignored) or the
// negotiation is closed. Between setting the offer and creating the
// answer, prepare readies the PeerConnection: it gets the codec the room
// asked the page to send ("" if none yet) and returns the codec the answer
// puts first. The answer goes out with sendAnswer, then the forwarded
// tracks are offered if they changed meanwhile. An error wraps
// ErrBadOffer; the call ends with it.
func (n *negotiation) onOffer(sdp string, prepare func(codec string) (string, error)) error {
	if n.closed {
		return nil
	}
	if n.offering {
		n.log.Debug("browser offer crossing the server's ignored")
		return nil
	}
	if err := n.answer(sdp, prepare); err != nil {
		return fmt.Errorf("%w: %w", ErrBadOffer, err)
	}
	n.renegotiate()
	return nil
}

// answer sets the page's offer and sends it the answer.
func (n *negotiation) answer(offer string, prepare func(codec string) (string, error)) error {
	if err := n.pc.SetRemoteDescription(withOpusDTX(pion.SessionDescription{Type: pion.SDPTypeOffer, SDP: offer})); err != nil {
		return err
	}
	codec, err := prepare(n.codec.get())
	if err != nil {
		return err
	}
	n.asked = codec
	ans, err := n.pc.CreateAnswer(nil)
	if err != nil {
		return err
	}
	if err := n.pc.SetLocalDescription(ans); err != nil {
		return err
	}
	n.out.sendAnswer(Message{Type: TypeAnswer, SDP: ans.SDP})
	return nil
}

// onAnswer applies the page's answer to the server's offer; once the new
// tracks are live, fwd.live asks their publishers for a keyframe, so that
// the page decodes a picture at once. Changes that waited for the answer
// are offered next. An answer without an offer out, or after close, is
// ignored; one that cannot be applied returns an error wrapping
// ErrBadAnswer, and the call ends with it.
func (n *negotiation) onAnswer(sdp string) error {
	if !n.offering {
		n.log.Debug("answer without an offer ignored")
		return nil
	}
	if err := n.pc.SetRemoteDescription(pion.SessionDescription{Type: pion.SDPTypeAnswer, SDP: sdp}); err != nil {
		return fmt.Errorf("%w: %w", ErrBadAnswer, err)
	}
	n.offering, n.due = false, nil
	n.fwd.live()
	n.renegotiate()
	return nil
}

// renegotiate brings the PeerConnection's forwarded tracks in line with
// the wanted set and offers the change to the page, unless the guest is
// not in the room yet, an offer is out, the negotiation is closed or
// nothing changed. An error is logged: the guest keeps its audio and the
// tracks are offered again with the next change.
func (n *negotiation) renegotiate() {
	if !n.open || n.offering || n.closed || n.pc.SignalingState() != pion.SignalingStateStable {
		return
	}
	if n.fwd.sync(n.tracks.get()) {
		n.dirty = true
	}
	if !n.dirty {
		return
	}
	if err := n.offer(); err != nil {
		n.log.Warn("renegotiation offer failed", "err", err)
		return
	}
	n.dirty = false
}

// offer sends the page an offer for the PeerConnection as it is now and
// starts the clock for its answer.
func (n *negotiation) offer() error {
	o, err := n.pc.CreateOffer(nil)
	if err != nil {
		return err
	}
	if err := n.pc.SetLocalDescription(o); err != nil {
		return err
	}
	n.offering = true
	n.due = time.After(n.timeout)
	n.out.send(Message{Type: TypeOffer, SDP: o.SDP})
	return nil
}

// askCodec sends the page a "codec" message when the room wants another
// codec than the page was last asked for, once the guest is in the room.
func (n *negotiation) askCodec() {
	if mime := n.codec.get(); mime != "" && n.open && !n.closed && mime != n.asked {
		n.asked = mime
		n.out.send(Message{Type: TypeCodec, Codec: mime})
	}
}
