package opus

import (
	"fmt"

	libopus "github.com/hraban/opus"
)

// Encoder turns 20 ms frames of 48 kHz mono PCM into Opus payloads for RTP
// (RFC 7587 §4.2), tuned for voice (OPUS_APPLICATION_VOIP) with in-band
// forward error correction on (RFC 6716 §2.1.7). An Encoder is not safe for
// concurrent use.
type Encoder struct {
	enc *libopus.Encoder
}

// NewEncoder returns an Encoder that targets bitrate bit/s; 0 means
// DefaultBitrate. Opus supports 6000 to 510000 bit/s (RFC 6716 §2.1.1).
func NewEncoder(bitrate int) (*Encoder, error) {
	if bitrate == 0 {
		bitrate = DefaultBitrate
	}
	if bitrate < 6000 || bitrate > 510000 {
		return nil, fmt.Errorf("opus: bitrate %d bit/s outside 6000 to 510000", bitrate)
	}
	enc, err := libopus.NewEncoder(SampleRate, 1, libopus.AppVoIP)
	if err != nil {
		return nil, fmt.Errorf("opus: new encoder: %w", err)
	}
	if err := enc.SetBitrate(bitrate); err != nil {
		return nil, fmt.Errorf("opus: set bitrate: %w", err)
	}
	if err := enc.SetInBandFEC(true); err != nil {
		return nil, fmt.Errorf("opus: enable in-band FEC: %w", err)
	}
	if err := enc.SetPacketLossPerc(PacketLossPerc); err != nil {
		return nil, fmt.Errorf("opus: set packet loss: %w", err)
	}
	return &Encoder{enc: enc}, nil
}

// Encode encodes pcm, which must hold exactly FrameSamples samples, into dst
// and returns the payload length. A dst of MaxPayload bytes always suffices;
// a shorter one makes libopus lower the quality to fit, or fail.
func (e *Encoder) Encode(pcm []int16, dst []byte) (int, error) {
	if len(pcm) != FrameSamples {
		return 0, fmt.Errorf("opus: encode %d samples, want a 20 ms frame of %d", len(pcm), FrameSamples)
	}
	if len(dst) == 0 {
		return 0, fmt.Errorf("opus: encode into an empty buffer")
	}
	// The binding writes up to cap(dst); keep it within len(dst).
	n, err := e.enc.Encode(pcm, dst[:len(dst):len(dst)])
	if err != nil {
		return 0, fmt.Errorf("opus: encode: %w", err)
	}
	return n, nil
}
