package webrtc

import (
	"errors"
	"fmt"
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

// SendCodec implements video.CodecChooser: the room asks the guest to
// send its camera in c. The loop passes it on to the page ("codec"),
// which offers again with c first (the one case where the page offers
// after its first offer); the answer puts c first (preferCodec). It never
// blocks.
func (c *call) SendCodec(codec video.Codec) {
	c.codec.Store(codec.MimeType)
	select {
	case c.codecNote <- struct{}{}:
	default: // the loop has a note pending and reads the latest codec
	}
}

// SetTracks implements video.Subscriber: it hands the call the forwarded
// tracks it should receive now and wakes its loop to renegotiate. The
// room's video calls it, under its lock, from any goroutine; it never
// blocks.
func (c *call) SetTracks(tracks []*video.Track) {
	c.vmu.Lock()
	c.want = tracks
	c.vmu.Unlock()
	select {
	case c.negNote <- struct{}{}:
	default: // the loop has a note pending and reads the latest set
	}
}

// renegotiate brings the PeerConnection's forwarded tracks in line with
// the wanted set and offers the change to the browser, unless the first
// negotiation is not over, an offer is out, or nothing changed. It runs
// on the loop. An error is logged: the guest keeps its audio and the
// tracks are retried with the next change.
func (c *call) renegotiate() {
	if !c.joined || c.offering || c.pc.SignalingState() != pion.SignalingStateStable {
		return
	}
	c.vmu.Lock()
	want := c.want
	c.vmu.Unlock()
	keep := make(map[*video.Track]bool, len(want))
	for _, t := range want {
		keep[t] = true
	}
	for t, f := range c.sending {
		if keep[t] {
			continue
		}
		t.RemoveSink(f)
		delete(c.sending, t)
		c.down.forwards.Add(-1)
		c.dirty = true
		if err := c.pc.RemoveTrack(f.sender); err != nil {
			c.log.Debug("forwarded video not removed", "err", err)
		}
	}
	for _, t := range want {
		if _, ok := c.sending[t]; ok {
			continue
		}
		f, err := c.addForward(t)
		if err != nil {
			c.log.Warn("forwarded video not added", "track", t.ID, "err", err)
			continue
		}
		c.sending[t] = f
		c.fresh = append(c.fresh, t)
		c.dirty = true
	}
	if !c.dirty {
		return
	}
	if err := c.offer(); err != nil {
		c.log.Warn("renegotiation offer failed", "err", err)
		return
	}
	c.dirty = false
}

// addForward puts the room's track t on the PeerConnection, labelled with
// the publisher's participant ID as its stream ID (the join page shows
// whose video it is), and attaches a forward to t as its sink, which
// gets a share of the guest's bandwidth (simulcast.go). It runs on the
// loop.
func (c *call) addForward(t *video.Track) (*forward, error) {
	capability := capabilityFor(t.Codec)
	if capability == nil {
		return nil, fmt.Errorf("codec %s not negotiated with browsers", t.Codec.MimeType)
	}
	local, err := pion.NewTrackLocalStaticRTP(*capability, t.ID, t.Participant)
	if err != nil {
		return nil, err
	}
	tr, err := c.pc.AddTransceiverFromTrack(local,
		pion.RTPTransceiverInit{Direction: pion.RTPTransceiverDirectionSendonly})
	if err != nil {
		return nil, err
	}
	log := c.log.With("track", t.ID, "publisher", t.Participant)
	if id := c.participant.Load(); id != nil {
		log = log.With("participant", *id)
	}
	f := newForward(local, t.Codec, c.down, log, nil)
	f.sender = tr.Sender()
	c.down.forwards.Add(1)
	c.goMedia(func() { f.relayKeyframeRequests(t) })
	t.AddSink(f)
	return f, nil
}

// offer sends the browser an offer for the PeerConnection as it is now.
func (c *call) offer() error {
	o, err := c.pc.CreateOffer(nil)
	if err != nil {
		return err
	}
	if err := c.pc.SetLocalDescription(o); err != nil {
		return err
	}
	c.offering = true
	c.answerDue = time.After(c.s.answerTimeout)
	c.send(Message{Type: TypeOffer, SDP: o.SDP})
	return nil
}

// applyAnswer applies the browser's answer to the server's offer; once
// the new tracks are live, their publishers are asked for a keyframe, so
// that the new receiver decodes a picture at once. Changes that waited
// for the answer are offered next. It runs on the loop.
func (c *call) applyAnswer(sdp string) error {
	if !c.offering {
		c.log.Debug("answer without an offer ignored")
		return nil
	}
	if err := c.pc.SetRemoteDescription(pion.SessionDescription{Type: pion.SDPTypeAnswer, SDP: sdp}); err != nil {
		return fmt.Errorf("%w: %w", ErrBadAnswer, err)
	}
	c.offering, c.answerDue = false, nil
	for _, t := range c.fresh {
		if f := c.sending[t]; f != nil {
			f.keyframe(t)
		}
	}
	c.fresh = nil
	c.renegotiate()
	return nil
}
