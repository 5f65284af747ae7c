package webrtc

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"

	"github.com/pion/rtp"
	pion "github.com/pion/webrtc/v4"

	"github.com/parleyhq/parley/media"
	"github.com/parleyhq/parley/media/opus"
	"github.com/parleyhq/parley/prompts"
)

// samplesPerFrame is the RTP timestamp step of one 20 ms Opus frame: the
// Opus RTP clock always runs at 48 kHz (RFC 7587 §4.1).
const samplesPerFrame = 48000 / media.FramesPerSecond

// sender is a guest's outgoing audio: one RTP packet per Opus payload on
// the PeerConnection's audio track. write runs on the mixer's tick
// goroutine; say on any.
type sender struct {
	track *pion.TrackLocalStaticRTP
	stats *counters

	// Owned by the tick goroutine (write).
	pkt     rtp.Packet
	sentAny bool

	// prompt plays private prompts (Say) instead of the room, encoded by
	// penc; penc is made by the first say.
	prompt   *prompts.Player
	pencOnce sync.Once
	penc     atomic.Pointer[promptEncoder]
}

// promptEncoder encodes a guest's private prompts to Opus.
type promptEncoder struct {
	enc media.Encoder
	pcm []int16
	buf []byte
}

// newSender returns a sender on track, with random initial sequence number
// and timestamp (RFC 3550 §5.1).
func newSender(track *pion.TrackLocalStaticRTP, stats *counters) *sender {
	s := &sender{track: track, stats: stats, prompt: prompts.NewPlayer()}
	s.pkt.Version = 2
	s.pkt.SequenceNumber = uint16(rand.Uint32())
	s.pkt.Timestamp = rand.Uint32()
	return s
}

// write sends one 20 ms Opus payload as one RTP packet, or, while a
// private prompt plays, 20 ms of the prompt instead. The first packet
// carries the marker bit (RFC 3551 §4.1). pion's write does not block: it
// returns at once before DTLS is up, and UDP sends do not wait; a packet
// it refuses is counted and dropped.
func (s *sender) write(payload []byte) {
	if p, ok := s.promptFrame(); ok {
		payload = p
	}
	s.pkt.Marker = !s.sentAny
	s.pkt.Payload = payload
	err := s.track.WriteRTP(&s.pkt)
	s.pkt.Payload = nil
	s.pkt.SequenceNumber++
	s.pkt.Timestamp += samplesPerFrame
	if err != nil {
		s.stats.sendErrors.Add(1)
		return
	}
	s.sentAny = true
	s.stats.sent.Add(1)
}

// promptFrame returns the next 20 ms of a playing prompt, encoded, if one
// is playing. It runs on the tick goroutine.
func (s *sender) promptFrame() ([]byte, bool) {
	if s.prompt.Idle() {
		return nil, false
	}
	pe := s.penc.Load()
	if pe == nil || !s.prompt.ReadFrame(pe.pcm, opus.SampleRate) {
		return nil, false
	}
	n, err := pe.enc.Encode(pe.pcm, pe.buf)
	if err != nil {
		return nil, false
	}
	return pe.buf[:n], true
}

// say queues prompts for this guest alone; they replace the room's audio
// while they play. The first call makes the Opus encoder they need. It
// may be called from any goroutine.
func (s *sender) say(clips ...prompts.Clip) {
	s.pencOnce.Do(func() {
		enc, err := media.NewEncoder(media.Opus)
		if err != nil {
			return // no prompts for this guest; the room's audio goes on
		}
		s.penc.Store(&promptEncoder{enc: enc, pcm: make([]int16, opus.FrameSamples), buf: make([]byte, opus.MaxPayload)})
	})
	s.prompt.Enqueue(clips...)
}
