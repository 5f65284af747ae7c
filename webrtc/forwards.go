package webrtc

import (
	"fmt"

	pion "github.com/pion/webrtc/v4"

	"github.com/parleyhq/parley/video"
)

// SendCodec implements video.CodecChooser: the room asks the guest to
// send its camera in c. The loop passes it on to the page ("codec"),
// which offers again with c first (the one case where the page offers
// after its first offer); the answer puts c first (preferCodec). It never
// blocks.
func (c *call) SendCodec(codec video.Codec) { c.neg.setCodec(codec.MimeType) }

// SetTracks implements video.Subscriber: it hands the call the forwarded
// tracks it should receive now and wakes its loop to renegotiate. The
// room's video calls it, under its lock, from any goroutine; it never
// blocks.
func (c *call) SetTracks(tracks []*video.Track) { c.neg.setTracks(tracks) }

// forwards are the room's tracks that a call forwards to its guest, each
// a forward on the guest's PeerConnection. The call's negotiation changes
// them (sync, live) on the call's loop, which owns them; the forwards'
// packets and keyframe requests run on media goroutines.
type forwards struct {
	c       *call
	down    *downlink                 // the guest's bandwidth estimate, shared by its forwards (bwe.go)
	sending map[*video.Track]*forward // the forwarded tracks on the PeerConnection
	fresh   []*video.Track            // added since the last answered offer: keyframe when answered
}

// newForwards returns c's forwards, none yet, sharing down.
func newForwards(c *call, down *downlink) *forwards {
	return &forwards{c: c, down: down, sending: make(map[*video.Track]*forward)}
}

// sync implements trackSync: it takes off the PeerConnection the tracks
// not in want and puts on it those of want not on it yet, and reports
// whether anything changed. A track that cannot be added is logged and
// tried again with the next change.
func (fw *forwards) sync(want []*video.Track) bool {
	keep := make(map[*video.Track]bool, len(want))
	for _, t := range want {
		keep[t] = true
	}
	changed := false
	for t, f := range fw.sending {
		if keep[t] {
			continue
		}
		t.RemoveSink(f)
		delete(fw.sending, t)
		fw.down.forwards.Add(-1)
		changed = true
		if err := fw.c.pc.RemoveTrack(f.sender); err != nil {
			fw.c.log.Debug("forwarded video not removed", "err", err)
		}
	}
	for _, t := range want {
		if _, ok := fw.sending[t]; ok {
			continue
		}
		f, err := fw.add(t)
		if err != nil {
			fw.c.log.Warn("forwarded video not added", "track", t.ID, "err", err)
			continue
		}
		fw.sending[t] = f
		fw.fresh = append(fw.fresh, t)
		changed = true
	}
	return changed
}

// live implements trackSync: the tracks added since the last answer are
// live, and their publishers are asked for a keyframe.
func (fw *forwards) live() {
	for _, t := range fw.fresh {
		if f := fw.sending[t]; f != nil {
			f.keyframe(t)
		}
	}
	fw.fresh = nil
}

// add puts the room's track t on the PeerConnection, labelled with the
// publisher's participant ID as its stream ID (the join page shows whose
// video it is), and attaches a forward to t as its sink, which gets a
// share of the guest's bandwidth (simulcast.go).
func (fw *forwards) add(t *video.Track) (*forward, error) {
	capability := capabilityFor(t.Codec)
	if capability == nil {
		return nil, fmt.Errorf("codec %s not negotiated with browsers", t.Codec.MimeType)
	}
	local, err := pion.NewTrackLocalStaticRTP(*capability, t.ID, t.Participant)
	if err != nil {
		return nil, err
	}
	tr, err := fw.c.pc.AddTransceiverFromTrack(local,
		pion.RTPTransceiverInit{Direction: pion.RTPTransceiverDirectionSendonly})
	if err != nil {
		return nil, err
	}
	log := fw.c.log.With("track", t.ID, "publisher", t.Participant)
	if id := fw.c.participant.Load(); id != nil {
		log = log.With("participant", *id)
	}
	f := newForward(local, t.Codec, fw.down, log, nil)
	f.sender = tr.Sender()
	fw.down.forwards.Add(1)
	fw.c.goMedia(func() { f.relayKeyframeRequests(t) })
	t.AddSink(f)
	return f, nil
}

// close detaches every forward from its track, when the call ends. It
// does nothing on nil forwards (a call that never had a PeerConnection).
func (fw *forwards) close() {
	if fw == nil {
		return
	}
	for t, f := range fw.sending {
		t.RemoveSink(f)
	}
}
