// Package g711 encodes and decodes ITU-T G.711 audio, the PCMU (μ-law) and
// PCMA (A-law) payloads of RFC 3551 §4.5.14, and conceals lost packets with
// the waveform substitution of G.711 Appendix I.
//
// Everything here is mono 16-bit PCM at 8 kHz, one byte per sample on the
// wire. The package does not import package media; media wraps these types
// to satisfy its Encoder and Decoder interfaces.
package g711

import (
	"errors"
	"fmt"

	"github.com/zaf/g711"
)

// SampleRate is the G.711 sample rate in Hz (RFC 3551 §4.5.14).
const SampleRate = 8000

// FrameSamples is the number of samples in one 20 ms frame.
const FrameSamples = SampleRate / 50

// Law selects the G.711 companding law.
type Law uint8

// The two G.711 companding laws.
const (
	// MuLaw is μ-law, the RTP payload PCMU (static payload type 0).
	MuLaw Law = iota + 1
	// ALaw is A-law, the RTP payload PCMA (static payload type 8).
	ALaw
)

// ErrUnknownLaw is returned by the constructors for a Law that is neither
// MuLaw nor ALaw.
var ErrUnknownLaw = errors.New("g711: unknown law")

// String returns the RTP encoding name of the law, "PCMU" or "PCMA".
func (l Law) String() string {
	switch l {
	case MuLaw:
		return "PCMU"
	case ALaw:
		return "PCMA"
	}
	return fmt.Sprintf("Law(%d)", uint8(l))
}

// valid reports an error unless l is MuLaw or ALaw.
func (l Law) valid() error {
	if l != MuLaw && l != ALaw {
		return fmt.Errorf("%w: %d", ErrUnknownLaw, uint8(l))
	}
	return nil
}

// encode returns the G.711 code word for one sample.
func (l Law) encode(s int16) byte {
	if l == ALaw {
		return g711.EncodeAlawFrame(s)
	}
	return g711.EncodeUlawFrame(s)
}

// decode returns the sample a G.711 code word stands for.
func (l Law) decode(b byte) int16 {
	if l == ALaw {
		return g711.DecodeAlawFrame(b)
	}
	return g711.DecodeUlawFrame(b)
}
