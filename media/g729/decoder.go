package g729

/*
#include <bcg729/decoder.h>
*/
import "C"

import (
	"fmt"
	"io"
	"runtime"
	"unsafe"
)

// Decoder turns G.729 payloads (RFC 3551 §4.5.6: any number of 10-byte
// Annex A frames, then an optional 2-byte Annex B SID frame) into 8 kHz
// PCM: voice frames are decoded, SID frames become comfort noise, and lost
// packets are concealed by bcg729's frame-erasure handling (or continue
// the comfort noise after a SID). Its bcg729 channel is freed when the
// Decoder is garbage-collected. A Decoder is not safe for concurrent use.
type Decoder struct {
	ch *decoderChannel
}

// decoderChannel owns the C channel, so that the cleanup does not keep the
// Decoder reachable.
type decoderChannel struct {
	ctx *C.bcg729DecoderChannelContextStruct
}

// NewDecoder returns a Decoder with a fresh bcg729 channel.
func NewDecoder() (*Decoder, error) {
	ctx := C.initBcg729DecoderChannel()
	if ctx == nil {
		return nil, fmt.Errorf("g729: new decoder: bcg729 returned no channel")
	}
	d := &Decoder{ch: &decoderChannel{ctx: ctx}}
	runtime.AddCleanup(d, func(ch *decoderChannel) { C.closeBcg729DecoderChannel(ch.ctx) }, d.ch)
	return d, nil
}

// Samples returns how many samples Decode makes of a payload of n bytes,
// or an error for a length that is not a whole number of 10-byte frames
// with an optional 2-byte SID frame after them, or that is empty. A SID
// alone stands for a whole 20 ms frame of comfort noise: the sender sends
// nothing more until the noise changes (G.729 Annex B DTX).
func Samples(n int) (int, error) {
	frames, rest := n/CodecFrameBytes, n%CodecFrameBytes
	switch {
	case n == 0:
		return 0, fmt.Errorf("g729: decode an empty payload")
	case rest != 0 && rest != SIDBytes:
		return 0, fmt.Errorf("g729: %d-byte payload is not 10-byte frames and an optional 2-byte SID", n)
	case frames == 0:
		return FrameSamples, nil
	case rest == SIDBytes:
		frames++
	}
	return frames * CodecFrameSamples, nil
}

// Decode decodes payload into pcm and returns the sample count (see
// Samples): 80 per 10-byte frame, 80 for a trailing SID frame, and
// FrameSamples for a SID alone. A malformed length is an error, and so is
// a pcm too short (wrapping io.ErrShortBuffer); the decoder is then left
// as it was.
func (d *Decoder) Decode(payload []byte, pcm []int16) (int, error) {
	n, err := Samples(len(payload))
	if err != nil {
		return 0, err
	}
	if len(pcm) < n {
		return 0, fmt.Errorf("g729: %d-sample buffer for a %d-byte payload: %w", len(pcm), len(payload), io.ErrShortBuffer)
	}
	out := 0
	for ; len(payload) >= CodecFrameBytes; payload = payload[CodecFrameBytes:] {
		d.frame(payload[:CodecFrameBytes], false, pcm[out:out+CodecFrameSamples])
		out += CodecFrameSamples
	}
	if len(payload) == SIDBytes {
		d.frame(payload, true, pcm[out:out+CodecFrameSamples])
		out += CodecFrameSamples
	}
	for out < n { // a SID alone: the untransmitted frame after it
		d.frame(nil, false, pcm[out:out+CodecFrameSamples])
		out += CodecFrameSamples
	}
	return n, nil
}

// Conceal writes FrameSamples samples that stand in for one lost 20 ms
// packet into pcm and returns FrameSamples: two erased frames, which bcg729
// rebuilds from the last good one, or comfort noise when the last was a SID.
// next is ignored (G.729 carries no redundancy). It fails, wrapping
// io.ErrShortBuffer, if pcm is shorter than FrameSamples.
func (d *Decoder) Conceal(next []byte, pcm []int16) (int, error) {
	if len(pcm) < FrameSamples {
		return 0, fmt.Errorf("g729: %d-sample buffer for a %d-sample frame: %w", len(pcm), FrameSamples, io.ErrShortBuffer)
	}
	for i := 0; i < FrameSamples; i += CodecFrameSamples {
		d.frame(nil, false, pcm[i:i+CodecFrameSamples])
	}
	return FrameSamples, nil
}

// frame decodes one 10 ms frame into pcm, which holds CodecFrameSamples:
// a voice frame, a SID frame, or, when bits is nil, an erased one.
func (d *Decoder) frame(bits []byte, sid bool, pcm []int16) {
	var ptr *C.uint8_t
	erased, sidFlag := C.uint8_t(1), C.uint8_t(0)
	if bits != nil {
		ptr, erased = (*C.uint8_t)(unsafe.Pointer(&bits[0])), 0
	}
	if sid {
		sidFlag = 1
	}
	C.bcg729Decoder(d.ch.ctx, ptr, C.uint8_t(len(bits)), erased, sidFlag, 0,
		(*C.int16_t)(unsafe.Pointer(&pcm[0])))
	runtime.KeepAlive(d)
}
