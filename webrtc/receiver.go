package webrtc

import (
	"fmt"

	"github.com/pion/rtp"

	"github.com/parleyhq/parley/media"
	"github.com/parleyhq/parley/media/jitter"
	"github.com/parleyhq/parley/media/resample"
)

// receiver is a guest's incoming audio on its way to the mixer: RTP
// packets, minus the silent ones, into a jitter buffer; out of it, one
// 20 ms frame per tick, decoded (or concealed) and resampled to the room's
// rate. push runs on the track's reader goroutine, read on the mixer's tick
// goroutine; the jitter buffer is the only state they share.
type receiver struct {
	stats *counters
	jb    *jitter.Buffer

	// Set once, before the reader goroutine starts.
	levelID uint8 // header extension ID of the RFC 6464 audio level; 0 if not negotiated
	silence uint8 // level at or above which a packet is silent; 0 never

	// Owned by the tick goroutine (read).
	dec    media.Decoder
	popBuf []byte  // payload out of the jitter buffer
	pcm    []int16 // one decoded frame at 48 kHz
	rs     *resample.Resampler
	quiet  bool // the last read had no audio
}

// newReceiver returns a receiver for Opus at 48 kHz that skips packets at
// or above the audio level silence (1 to 127; 0 decodes every packet).
func newReceiver(stats *counters, silence int) (*receiver, error) {
	dec, err := media.NewDecoder(media.Opus)
	if err != nil {
		return nil, fmt.Errorf("webrtc: %w", err)
	}
	jb, err := jitter.New(media.Opus.ClockRate, jitter.Options{})
	if err != nil {
		return nil, fmt.Errorf("webrtc: %w", err)
	}
	return &receiver{
		stats:   stats,
		jb:      jb,
		silence: uint8(silence),
		dec:     dec,
		popBuf:  make([]byte, 0, media.MaxPacketSize),
		pcm:     make([]int16, media.Opus.FrameSamples()),
		quiet:   true,
	}, nil
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
	r.jb.Push(pkt)
}

// read fills frame with the guest's next 20 ms at rate Hz and reports
// whether it holds audio, as mixer.Participant.ReadAudio does: a packet is
// decoded, a lost one concealed (with Opus in-band FEC when the next packet
// is already buffered), and nothing to play returns false. It runs on the
// tick goroutine and does not allocate in steady state.
func (r *receiver) read(frame []int16, rate int) bool {
	if rate <= 0 || len(frame) != rate/media.FramesPerSecond {
		return false
	}
	f := r.jb.Pop(r.popBuf)
	var n int
	var err error
	switch f.Kind {
	case jitter.Packet:
		if n, err = r.dec.Decode(f.Payload, r.pcm); err == nil {
			r.stats.decoded.Add(1)
		} else {
			r.stats.decodeErrors.Add(1)
			n, err = r.dec.Conceal(nil, r.pcm)
		}
	case jitter.Lost:
		n, err = r.dec.Conceal(f.Next, r.pcm)
		r.stats.concealed.Add(1)
	default:
		r.quiet = true
		return false
	}
	if err != nil {
		r.stats.decodeErrors.Add(1)
		return false
	}
	if n < len(r.pcm) {
		// A packet shorter than 20 ms: pad with silence.
		clear(r.pcm[n:])
	}
	const codecRate = 48000
	if rate == codecRate {
		copy(frame, r.pcm)
		r.quiet = false
		return true
	}
	if r.rs == nil || r.rs.OutRate() != rate {
		rs, err := resample.New(codecRate, rate)
		if err != nil {
			r.stats.decodeErrors.Add(1)
			return false
		}
		r.rs = rs
	} else if r.quiet {
		// Audio resumes after silence: do not smear the old tail into it.
		r.rs.Reset()
	}
	r.quiet = false
	if out := r.rs.Process(r.pcm, frame[:0]); len(out) != len(frame) || &out[0] != &frame[0] {
		m := copy(frame, out)
		clear(frame[m:])
	}
	return true
}
