package g711

import (
	"fmt"
	"io"
)

// Encoder turns 8 kHz PCM into a PCMU or PCMA payload (RFC 3551 §4.5.14).
// G.711 is stateless, so an Encoder is cheap and, unlike most encoders, safe
// for concurrent use.
type Encoder struct {
	law Law
}

// NewEncoder returns an Encoder for law. It fails with ErrUnknownLaw for
// anything but MuLaw or ALaw.
func NewEncoder(law Law) (*Encoder, error) {
	if err := law.valid(); err != nil {
		return nil, err
	}
	return &Encoder{law: law}, nil
}

// Law is the companding law the Encoder writes.
func (e *Encoder) Law() Law { return e.law }

// Encode writes one code byte per sample of pcm into dst and returns
// len(pcm). It fails, wrapping io.ErrShortBuffer, if dst is shorter than pcm.
func (e *Encoder) Encode(pcm []int16, dst []byte) (int, error) {
	if len(dst) < len(pcm) {
		return 0, fmt.Errorf("g711: %d-byte buffer for %d samples: %w", len(dst), len(pcm), io.ErrShortBuffer)
	}
	dst = dst[:len(pcm)]
	for i, s := range pcm {
		dst[i] = e.law.encode(s)
	}
	return len(pcm), nil
}
