package webrtc

import (
	pion "github.com/pion/webrtc/v4"

	"github.com/parleyhq/parley/media"
	"github.com/parleyhq/parley/prompts"
)

// sender is a guest's outgoing audio, media's outbound chain on the
// PeerConnection's audio track: the overlay (a private prompt replaces the
// room while it plays), then the packetiser, one RTP packet per 20 ms Opus
// payload. write runs on the mixer's tick goroutine; say on any.
type sender struct {
	track   *pion.TrackLocalStaticRTP // the call adds it to the PeerConnection
	stats   *counters
	prompt  *prompts.Player
	overlay *media.Overlay    // plays prompt; its Opus encoder is made by the first say
	out     *media.Packetizer // owned by the tick goroutine
}

// newSender returns a sender on track (which sets the SSRC and payload
// type of its bindings), with random initial sequence number and
// timestamp (RFC 3550 §5.1).
func newSender(track *pion.TrackLocalStaticRTP, stats *counters) *sender {
	p := prompts.NewPlayer()
	return &sender{
		track:   track,
		stats:   stats,
		prompt:  p,
		overlay: media.NewOverlay(p, media.Opus),
		out:     media.NewPacketizer(track, opusPayloadType, media.Opus),
	}
}

// write sends one 20 ms Opus payload as one RTP packet, or, while a
// private prompt plays, 20 ms of the prompt instead. The first packet
// carries the marker bit (RFC 3551 §4.1). pion's write does not block: it
// returns at once before DTLS is up, and UDP sends do not wait; a packet
// it refuses is counted and dropped.
func (s *sender) write(payload []byte) {
	if p, ok := s.overlay.Next(); ok {
		payload = p
	}
	if err := s.out.WritePayload(payload); err != nil {
		s.stats.sendErrors.Add(1)
		return
	}
	s.stats.sent.Add(1)
}

// say queues prompts for this guest alone; they replace the room's audio
// while they play. The first call makes the Opus encoder they need (if it
// cannot, the room's audio goes on). It may be called from any goroutine.
func (s *sender) say(clips ...prompts.Clip) {
	if s.overlay.Prepare() == nil {
		s.prompt.Enqueue(clips...)
	}
}
