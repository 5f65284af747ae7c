// Package g722 encodes and decodes ITU-T G.722 at 64 kbit/s (mode 1), the
// wideband codec of desk phones' "HD voice", as RFC 3551 §4.5.2 carries it
// in RTP: 16 kHz mono PCM, one byte per two samples, and an RTP clock of
// 8000 Hz for historical reasons. The codec itself is Debian's libspandsp
// (cgo), in its unpacked 64 kbit/s mode.
package g722

// #cgo pkg-config: spandsp
// #include <stdint.h>
// #include <spandsp/telephony.h>
// #include <spandsp/g722.h>
import "C"

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"unsafe"

	"github.com/parleyhq/parley/media/g711"
)

// SampleRate is the rate, in Hz, of the PCM G.722 codes.
const SampleRate = 16000

// ClockRate is the RTP timestamp rate of G.722 (RFC 3551 §4.5.2): 8000,
// although the audio is sampled at 16 kHz.
const ClockRate = 8000

// FrameSamples is the number of 16 kHz samples in one 20 ms frame.
const FrameSamples = SampleRate / 50

// FrameBytes is the payload size of one 20 ms frame at 64 kbit/s.
const FrameBytes = FrameSamples / 2

// bitRate is the G.722 mode Parley uses: 64 kbit/s, all eight bits of
// every code word.
const bitRate = 64000

// Encoder turns 16 kHz PCM into G.722 payloads. It keeps the ADPCM state
// between frames and is not safe for concurrent use.
type Encoder struct {
	s *C.g722_encode_state_t
}

// NewEncoder returns an Encoder at 64 kbit/s.
func NewEncoder() (*Encoder, error) {
	s := C.g722_encode_init(nil, bitRate, 0)
	if s == nil {
		return nil, errors.New("g722: new encoder: spandsp refused")
	}
	e := &Encoder{s: s}
	runtime.AddCleanup(e, func(s *C.g722_encode_state_t) { C.g722_encode_free(s) }, s)
	return e, nil
}

// Encode encodes pcm, an even number of 16 kHz samples, into dst and
// returns len(pcm)/2, the bytes written. It fails, wrapping
// io.ErrShortBuffer, if dst is shorter than that.
func (e *Encoder) Encode(pcm []int16, dst []byte) (int, error) {
	if len(pcm)%2 != 0 {
		return 0, fmt.Errorf("g722: encode %d samples, want an even count", len(pcm))
	}
	if len(dst) < len(pcm)/2 {
		return 0, fmt.Errorf("g722: %d-byte buffer for %d samples: %w", len(dst), len(pcm), io.ErrShortBuffer)
	}
	if len(pcm) == 0 {
		return 0, nil
	}
	n := C.g722_encode(e.s, (*C.uint8_t)(unsafe.Pointer(&dst[0])), (*C.int16_t)(unsafe.Pointer(&pcm[0])), C.int(len(pcm)))
	runtime.KeepAlive(e)
	return int(n), nil
}

// Decoder turns G.722 payloads into 16 kHz PCM and conceals lost packets
// with the G.711 Appendix I concealment of package g711, run on the 16 kHz
// signal (spandsp's G.722 has none; see Conceal). Its output lags the
// payloads by g711.PLCDelay samples. It is not safe for concurrent use.
type Decoder struct {
	s   *C.g722_decode_state_t
	plc g711.PLC
}

// NewDecoder returns a Decoder at 64 kbit/s.
func NewDecoder() (*Decoder, error) {
	s := C.g722_decode_init(nil, bitRate, 0)
	if s == nil {
		return nil, errors.New("g722: new decoder: spandsp refused")
	}
	d := &Decoder{s: s}
	runtime.AddCleanup(d, func(s *C.g722_decode_state_t) { C.g722_decode_free(s) }, s)
	return d, nil
}

// Decode decodes payload, two samples per byte, into pcm and returns
// 2*len(payload). The samples pass through the concealer (see Conceal),
// so they come out g711.PLCDelay samples late. It fails, wrapping
// io.ErrShortBuffer, if pcm is shorter than 2*len(payload).
func (d *Decoder) Decode(payload []byte, pcm []int16) (int, error) {
	if len(pcm) < 2*len(payload) {
		return 0, fmt.Errorf("g722: %d-sample buffer for a %d-byte payload: %w", len(pcm), len(payload), io.ErrShortBuffer)
	}
	if len(payload) == 0 {
		return 0, nil
	}
	n := int(C.g722_decode(d.s, (*C.int16_t)(unsafe.Pointer(&pcm[0])), (*C.uint8_t)(unsafe.Pointer(&payload[0])), C.int(len(payload))))
	runtime.KeepAlive(d)
	d.plc.Receive(pcm[:n])
	return n, nil
}

// Conceal writes FrameSamples samples that stand in for one lost 20 ms
// packet into pcm and returns FrameSamples; next is ignored (G.722 carries
// no redundancy). The concealer is G.711 Appendix I's, made for 8 kHz and
// run here on 16 kHz samples, so its time constants halve: it repeats
// pitch periods found between 2.5 and 7.5 ms (a lower voice repeats two
// periods at once), holds the level for 5 ms, then fades to silence by
// 30 ms. It fails, wrapping io.ErrShortBuffer, if pcm is shorter than
// FrameSamples.
func (d *Decoder) Conceal(next []byte, pcm []int16) (int, error) {
	if len(pcm) < FrameSamples {
		return 0, fmt.Errorf("g722: %d-sample buffer for a %d-sample frame: %w", len(pcm), FrameSamples, io.ErrShortBuffer)
	}
	d.plc.Conceal(pcm[:FrameSamples])
	return FrameSamples, nil
}
