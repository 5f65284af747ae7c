package webrtc

import (
	"fmt"
	"time"

	"github.com/pion/rtp"

	"github.com/parleyhq/parley/media"
	"github.com/parleyhq/parley/media/jitter"
)

// receiver is a guest's incoming audio on its way to the mixer: RTP
// packets, minus the silent ones, into media's inbound chain (jitter
// buffer, Opus decoder with FEC and concealment, resampler to the room's
// rate). push runs on the track's reader goroutine, read on the mixer's
// tick goroutine; the jitter buffer is the only state they share.
type receiver struct {
	stats *counters
	in    *media.Inbound

	// Set once, before the reader goroutine starts.
	levelID uint8 // header extension ID of the RFC 6464 audio level; 0 if not negotiated
	silence uint8 // level at or above which a packet is silent; 0 never
}

// browserMinDelay is the lowest playout delay of a browser leg's jitter
// buffer (see newReceiver).
const browserMinDelay = 60 * time.Millisecond

// newReceiver returns a receiver for Opus at 48 kHz that skips packets at
// or above the audio level silence (1 to 127; 0 decodes every packet).
func newReceiver(stats *counters, silence int) (*receiver, error) {
	in, err := media.NewInbound(media.InboundConfig{
		Format: media.Opus,
		// Browser legs keep the 60 ms floor the buffer had before it
		// learnt to shrink to one frame: with that floor a silent guest of
		// the load harness (cmd/parley-load TestLoadSmoke) heard the Opus
		// talkers 1–4 dB low, frames dropped and concealed as the target
		// went down and up; why pion's delivery provokes it is not known
		// yet, so phones alone get the lower latency for now.
		Jitter: jitter.Options{MinDelay: browserMinDelay},
		Counters: media.DecodeCounters{
			Decoded: &stats.decoded, Concealed: &stats.concealed, Errors: &stats.decodeErrors,
		},
	})
	if err != nil {
		return nil, fmt.Errorf("webrtc: %w", err)
	}
	return &receiver{stats: stats, in: in, silence: uint8(silence)}, nil
}

// silent reports whether pkt's client-to-mixer audio level (RFC 6464 §3:
// the low 7 bits, 0 to 127, are the level in -dBov) says it is silence. A
// packet without the extension is not silent.
func (r *receiver) silent(pkt *rtp.Packet) bool {
	if r.levelID == 0 || r.silence == 0 {
		return false
	}
	ext := pkt.GetExtension(r.levelID)
	return len(ext) > 0 && ext[0]&0x7f >= r.silence
}

// push takes one received audio packet; the payload is copied. A silent
// packet is counted and dropped without being decoded: the jitter buffer
// sees a gap, conceals briefly and then goes quiet, and the mixer gets
// nothing to mix from this guest. It runs on the reader goroutine.
func (r *receiver) push(pkt *rtp.Packet) {
	r.stats.packets.Add(1)
	if r.silent(pkt) {
		r.stats.silent.Add(1)
		return
	}
	r.in.Push(pkt)
}

// read fills frame with the guest's next 20 ms at rate Hz and reports
// whether it holds audio, as mixer.Participant.ReadAudio does (see
// media.Inbound.ReadAudio). It runs on the tick goroutine and does not
// allocate in steady state.
func (r *receiver) read(frame []int16, rate int) bool { return r.in.ReadAudio(frame, rate) }
