package opus

import (
	"fmt"

	libopus "github.com/hraban/opus"
)

// Decoder turns Opus payloads (RFC 7587 §4.2), mono or stereo, into 48 kHz
// mono PCM, and conceals lost packets with the in-band FEC of the packet
// that follows when it is known, or with libopus's own packet-loss
// concealment otherwise (RFC 6716 §4.4). A Decoder is not safe for
// concurrent use.
type Decoder struct {
	dec *libopus.Decoder
}

// NewDecoder returns a mono 48 kHz Decoder.
func NewDecoder() (*Decoder, error) {
	dec, err := libopus.NewDecoder(SampleRate, 1)
	if err != nil {
		return nil, fmt.Errorf("opus: new decoder: %w", err)
	}
	return &Decoder{dec: dec}, nil
}

// Decode decodes one payload into pcm and returns the number of samples it
// holds: FrameSamples for a 20 ms packet, though a sender may use any
// packet duration from 2.5 to 120 ms (RFC 6716 §3.2), so pcm must have room
// for the packet's duration. An empty payload is an error, not a loss: call
// Conceal for a lost packet.
func (d *Decoder) Decode(payload []byte, pcm []int16) (int, error) {
	if len(payload) == 0 {
		return 0, fmt.Errorf("opus: decode an empty payload")
	}
	if len(pcm) == 0 {
		return 0, fmt.Errorf("opus: decode into an empty buffer")
	}
	// The binding decodes up to cap(pcm); keep it within len(pcm).
	n, err := d.dec.Decode(payload, pcm[:len(pcm):len(pcm)])
	if err != nil {
		return 0, fmt.Errorf("opus: decode: %w", err)
	}
	return n, nil
}

// Conceal writes FrameSamples samples that stand in for one lost 20 ms
// packet into pcm and returns FrameSamples. If next, the payload after the
// lost one, is known, Conceal decodes the copy of the lost frame that the
// sender's in-band FEC put in it; libopus falls back to concealment when
// next carries none. next is not consumed: decode it with Decode afterwards
// as usual. pcm must hold at least FrameSamples samples.
func (d *Decoder) Conceal(next []byte, pcm []int16) (int, error) {
	if len(pcm) < FrameSamples {
		return 0, fmt.Errorf("opus: conceal into %d samples, want room for %d", len(pcm), FrameSamples)
	}
	// libopus takes the lost duration from the buffer size.
	frame := pcm[:FrameSamples:FrameSamples]
	if len(next) > 0 {
		if err := d.dec.DecodeFEC(next, frame); err != nil {
			return 0, fmt.Errorf("opus: decode FEC: %w", err)
		}
		return FrameSamples, nil
	}
	if err := d.dec.DecodePLC(frame); err != nil {
		return 0, fmt.Errorf("opus: conceal: %w", err)
	}
	return FrameSamples, nil
}
