package media

import (
	"fmt"
	"sync/atomic"

	"github.com/parleyhq/parley/media/jitter"
)

// Outcome says what a FrameDecoder made of one jitter-buffer slot.
type Outcome uint8

// The outcomes of FrameDecoder.Decode.
const (
	// Silent means there was nothing to play (jitter.None): no frame.
	Silent Outcome = iota
	// Decoded means a packet was decoded: the frame is the peer's audio.
	Decoded
	// Concealed means the frame replaces a lost packet, or one the decoder
	// rejected (packet-loss concealment).
	Concealed
	// Failed means neither decoding nor concealment gave a frame.
	Failed
)

// DecodeCounters are where a FrameDecoder counts; an edge may share one
// set among all its legs. A nil counter is not counted.
type DecodeCounters struct {
	// Decoded counts the packets decoded.
	Decoded *atomic.Uint64
	// Concealed counts the lost packets concealed (not the rejected ones,
	// which Errors counts).
	Concealed *atomic.Uint64
	// Errors counts the payloads the decoder rejected, the concealments
	// that failed and the frames the resampler could not convert.
	Errors *atomic.Uint64
}

// inc adds one to c unless c is nil.
func inc(c *atomic.Uint64) {
	if c != nil {
		c.Add(1)
	}
}

// FrameDecoder is the inbound stage after the jitter buffer: it turns one
// popped slot into one 20 ms frame of PCM at the codec's sample rate,
// decoding a packet, concealing a lost one (with the next payload, when
// buffered, for Opus FEC) or a rejected one, and padding a short one (a
// ptime under 20 ms) with silence. It is not safe for concurrent use.
type FrameDecoder struct {
	dec      Decoder
	pcm      []int16 // one frame at the codec's rate
	counters DecodeCounters
}

// NewFrameDecoder returns the decoder stage for f (see NewDecoder), which
// counts in c.
func NewFrameDecoder(f Format, c DecodeCounters) (*FrameDecoder, error) {
	dec, err := NewDecoder(f)
	if err != nil {
		return nil, fmt.Errorf("media: frame decoder: %w", err)
	}
	return &FrameDecoder{dec: dec, pcm: make([]int16, f.FrameSamples()), counters: c}, nil
}

// Decode returns the frame for slot f and what it is. The frame is the
// stage's own buffer, valid until the next call; it is nil for Silent and
// Failed. Decode does not allocate.
func (d *FrameDecoder) Decode(f jitter.Frame) ([]int16, Outcome) {
	var n int
	var err error
	out := Concealed
	switch f.Kind {
	case jitter.Packet:
		if n, err = d.dec.Decode(f.Payload, d.pcm); err == nil {
			inc(d.counters.Decoded)
			out = Decoded
		} else {
			inc(d.counters.Errors)
			n, err = d.dec.Conceal(nil, d.pcm)
		}
	case jitter.Lost:
		n, err = d.dec.Conceal(f.Next, d.pcm)
		inc(d.counters.Concealed)
	default:
		return nil, Silent
	}
	if err != nil {
		inc(d.counters.Errors)
		return nil, Failed
	}
	if n < len(d.pcm) {
		clear(d.pcm[n:])
	}
	return d.pcm, out
}
