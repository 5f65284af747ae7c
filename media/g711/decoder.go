package g711

import (
	"fmt"
	"io"
)

// Decoder turns PCMU or PCMA payloads (RFC 3551 §4.5.14) back into 8 kHz PCM
// and conceals lost packets with the G.711 Appendix I algorithm (see PLC).
// Because of that algorithm, its output lags the payloads by PLCDelay
// samples. A Decoder is not safe for concurrent use.
type Decoder struct {
	law Law
	plc PLC
}

// NewDecoder returns a Decoder for law. It fails with ErrUnknownLaw for
// anything but MuLaw or ALaw.
func NewDecoder(law Law) (*Decoder, error) {
	if err := law.valid(); err != nil {
		return nil, err
	}
	return &Decoder{law: law}, nil
}

// Law is the companding law the Decoder reads.
func (d *Decoder) Law() Law { return d.law }

// Decode decodes payload, one sample per byte, into pcm and returns
// len(payload). The samples come out PLCDelay samples late, and merged with
// the concealment if the previous frame was lost. It fails, wrapping
// io.ErrShortBuffer, if pcm is shorter than payload.
func (d *Decoder) Decode(payload []byte, pcm []int16) (int, error) {
	if len(pcm) < len(payload) {
		return 0, fmt.Errorf("g711: %d-sample buffer for a %d-byte payload: %w", len(pcm), len(payload), io.ErrShortBuffer)
	}
	pcm = pcm[:len(payload)]
	for i, b := range payload {
		pcm[i] = d.law.decode(b)
	}
	d.plc.Receive(pcm)
	return len(pcm), nil
}

// Conceal writes FrameSamples samples that stand in for one lost 20 ms
// packet into pcm and returns FrameSamples. G.711 carries no redundancy, so
// next is ignored. It fails, wrapping io.ErrShortBuffer, if pcm is shorter
// than FrameSamples.
func (d *Decoder) Conceal(next []byte, pcm []int16) (int, error) {
	if len(pcm) < FrameSamples {
		return 0, fmt.Errorf("g711: %d-sample buffer for a %d-sample frame: %w", len(pcm), FrameSamples, io.ErrShortBuffer)
	}
	d.plc.Conceal(pcm[:FrameSamples])
	return FrameSamples, nil
}
