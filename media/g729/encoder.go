package g729

/*
#include <bcg729/encoder.h>
*/
import "C"

import (
	"fmt"
	"io"
	"runtime"
	"unsafe"
)

// Encoder turns 20 ms frames of 8 kHz PCM into G.729 Annex A payloads of
// two 10-byte frames, without VAD: every frame is a voice frame. Its
// bcg729 channel is freed when the Encoder is garbage-collected. An
// Encoder is not safe for concurrent use.
type Encoder struct {
	ch *encoderChannel
	n  C.uint8_t // the length bcg729 writes, kept here so that Encode does not allocate
}

// encoderChannel owns the C channel, so that the cleanup does not keep the
// Encoder reachable.
type encoderChannel struct {
	ctx *C.bcg729EncoderChannelContextStruct
}

// NewEncoder returns an Encoder with a fresh bcg729 channel.
func NewEncoder() (*Encoder, error) {
	ctx := C.initBcg729EncoderChannel(0) // 0: no VAD, no SID frames
	if ctx == nil {
		return nil, fmt.Errorf("g729: new encoder: bcg729 returned no channel")
	}
	e := &Encoder{ch: &encoderChannel{ctx: ctx}}
	runtime.AddCleanup(e, func(ch *encoderChannel) { C.closeBcg729EncoderChannel(ch.ctx) }, e.ch)
	return e, nil
}

// Encode encodes pcm, which must hold exactly FrameSamples samples, into
// dst and returns PayloadBytes. It fails, wrapping io.ErrShortBuffer, when
// dst is shorter than PayloadBytes.
func (e *Encoder) Encode(pcm []int16, dst []byte) (int, error) {
	if len(pcm) != FrameSamples {
		return 0, fmt.Errorf("g729: encode %d samples, want a 20 ms frame of %d", len(pcm), FrameSamples)
	}
	if len(dst) < PayloadBytes {
		return 0, fmt.Errorf("g729: %d-byte buffer for a %d-byte payload: %w", len(dst), PayloadBytes, io.ErrShortBuffer)
	}
	for i := 0; i < FrameSamples/CodecFrameSamples; i++ {
		C.bcg729Encoder(e.ch.ctx,
			(*C.int16_t)(unsafe.Pointer(&pcm[i*CodecFrameSamples])),
			(*C.uint8_t)(unsafe.Pointer(&dst[i*CodecFrameBytes])), &e.n)
		if e.n != CodecFrameBytes {
			return 0, fmt.Errorf("g729: encoder wrote %d bytes, want %d", e.n, CodecFrameBytes)
		}
	}
	runtime.KeepAlive(e)
	return PayloadBytes, nil
}
