package webrtc

import (
	"log/slog"
	"sync"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	pion "github.com/pion/webrtc/v4"

	"github.com/parleyhq/parley/video"
)

// Simulcast (RFC 8853): a publishing browser sends its camera in layers
// (the join page asks for three: a quarter, half and the full
// resolution), and each receiver gets one layer of each track, chosen by
// its own bandwidth estimate (bwe.go), so that one guest on a thin link
// does not hold everyone's picture down.

const (
	// chooseInterval is how often a forward chooses its layer anew.
	chooseInterval = 250 * time.Millisecond
	// keyframeRetry is how long a forward waits for a keyframe of the
	// layer it moves to before it asks again (a PLI may be lost, and a
	// browser sends no keyframe unasked).
	keyframeRetry = time.Second
)

// rtpWriter is where a forward's packets go: the TrackLocalStaticRTP of
// the receiver's PeerConnection, which puts its SSRC and payload type on
// them.
type rtpWriter interface {
	WriteRTP(pkt *rtp.Packet) error
}

// forward is one forwarded track on a receiver's PeerConnection: a Sink
// of the room's track that sends the receiver one of its layers. Every
// chooseInterval it chooses the layer (video.Choose) from the layers'
// rates and the receiver's share of its estimate, so it moves down as
// soon as its layer no longer fits and up only with room to spare. A
// move happens at a keyframe of the new layer, which it asks the
// publisher for; until then the receiver keeps getting the old layer.
// The packets go through a video.Rewriter, so the receiver sees one
// continuous stream (sequence numbers, timestamps, VP8 picture IDs)
// whatever the layer; the payload the layers' goroutines share is never
// written. The first packet of the first layer chosen starts the stream
// at once; the receiver's decoder waits for the keyframe asked for when
// its m-line went live.
//
// WriteRTP runs on the publisher's layer goroutines; mu serialises them,
// and is held while the packet is written (a send on the UDP socket,
// which does not block).
type forward struct {
	local  rtpWriter
	sender *pion.RTPSender // the receiver's RTCP comes in on it
	down   *downlink
	log    *slog.Logger
	now    func() time.Time

	mu     sync.Mutex
	layer  int             // guarded by mu: the layer being sent; -1 before the first packet
	target int             // guarded by mu: the layer to send (layer, or one whose keyframe is awaited); -1 before a choice
	chosen time.Time       // guarded by mu: when the layer was last chosen
	since  time.Time       // guarded by mu: when target last changed
	asked  time.Time       // guarded by mu: when a keyframe of target was last asked for
	rates  []uint64        // guarded by mu: the layers' rates at the last choice
	share  uint64          // guarded by mu: the receiver's share of its estimate at the last choice
	ext    []rtp.Extension // guarded by mu: room for the header extensions pion adds
	rw     *video.Rewriter // guarded by mu
	at     time.Time       // guarded by mu: the time of the packet being written, the Rewriter's clock
	out    rtp.Packet      // guarded by mu
}

// newForward returns a forward of codec's packets to local, sharing down;
// now tells the time (nil means time.Now). pion sets the SSRC and payload
// type, so the Rewriter's are 0.
func newForward(local rtpWriter, codec video.Codec, down *downlink, log *slog.Logger, now func() time.Time) *forward {
	if now == nil {
		now = time.Now
	}
	f := &forward{local: local, down: down, log: log, now: now, layer: -1, target: -1, ext: make([]rtp.Extension, 0, 4)}
	// The Rewriter reads the time WriteRTP read for this packet: one clock
	// read per packet, not two (time.Now is dear on some VMs).
	f.rw = video.NewRewriter(0, 0, codec.ClockRate, codec.MimeType, func() time.Time { return f.at })
	return f
}

// WriteRTP implements video.Sink.
func (f *forward) WriteRTP(t *video.Track, layer int, pkt *rtp.Packet) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	f.at = now
	if f.target < 0 || now.Sub(f.chosen) >= chooseInterval {
		f.choose(t, now)
	}
	switch {
	case layer == f.layer:
	case layer != f.target:
		return
	case f.layer < 0:
		f.log.Info("forwarded video starts", "layer", layer, "estimate", f.share, "rates", f.rates)
		f.layer = layer
	case !video.IsKeyframe(t.Codec.MimeType, pkt.Payload):
		return
	default:
		f.log.Info("forwarded video switches layer", "from", f.layer, "layer", layer, "estimate", f.share,
			"rates", f.rates, "waited", now.Sub(f.since).Round(time.Millisecond).String())
		f.layer = layer
		f.rw.Switch()
	}
	// Header extension IDs are negotiated per PeerConnection (RFC 8285):
	// the publisher's (MID, RID, transport-cc sequence) mean nothing, or
	// something else, to the receiver. pion adds the receiver's in f.ext.
	f.out.Header, f.out.Payload = pkt.Header, pkt.Payload
	f.out.Extension, f.out.ExtensionProfile, f.out.Extensions = false, 0, f.ext[:0]
	if !f.rw.Rewrite(&f.out) {
		return
	}
	_ = f.local.WriteRTP(&f.out) // an error names a receiver that is leaving
}

// choose picks the layer to send from t's rates and the receiver's
// share, and asks for a keyframe of it when that is a move (again after
// keyframeRetry if none came); the first layer's is asked for once the
// receiver's m-line is live (keyframe). When no layer flows the choice
// stays. f.mu is held.
func (f *forward) choose(t *video.Track, now time.Time) {
	f.rates, f.share, f.chosen = t.Rates(f.rates), f.down.share(), now
	next := video.Choose(f.rates, f.share, f.layer)
	if next < 0 {
		return
	}
	if next != f.target {
		f.target, f.since, f.asked = next, now, time.Time{}
	}
	if f.layer >= 0 && f.target != f.layer && now.Sub(f.asked) >= keyframeRetry {
		t.RequestKeyframe(f.target)
		f.asked = now
	}
}

// keyframe asks t's publisher for a keyframe of the layer the receiver
// gets, or is about to, choosing it if no packet has yet: a receiver's
// PLI, or its m-line just went live. When no layer flows there is none
// to ask for: the publisher's stream starts with a keyframe.
func (f *forward) keyframe(t *video.Track) {
	f.mu.Lock()
	if f.target < 0 {
		f.choose(t, f.now())
	}
	l := f.target
	f.mu.Unlock()
	if l >= 0 {
		t.RequestKeyframe(l)
	}
}

// relayKeyframeRequests reads the RTCP the receiver sends for the
// forwarded track t, until the track is removed or the PeerConnection
// closes, and turns its PLIs and FIRs (RFC 5104 §4.3.1) into keyframe
// requests to the publisher. Reading also feeds pion's interceptors
// (NACK, reports, and the transport-wide feedback to the receiver's
// bandwidth estimator). It runs on one of the receiving call's media
// goroutines.
func (f *forward) relayKeyframeRequests(t *video.Track) {
	for {
		pkts, _, err := f.sender.ReadRTCP()
		if err != nil {
			return
		}
		for _, pkt := range pkts {
			switch pkt.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				f.keyframe(t)
			}
		}
	}
}
