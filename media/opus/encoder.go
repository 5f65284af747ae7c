package opus

import (
	"fmt"

	libopus "github.com/hraban/opus"
)

// DefaultComplexity is the encoder's default computational complexity, on
// libopus's scale of 0 (cheapest) to 10 (best). It is libopus's own default.
//
// Measured with libopus 1.3.1 on the 2-vCPU CI machine, 32 kbit/s, FEC on
// (TestComplexityQuality, BenchmarkOpusEncodeComplexity): 8 produces the same
// packets as 10 for the same CPU time (about 0.6 ms per frame); 5 takes about
// half (0.3 ms) and costs 0.8 dB of waveform SNR on a 440 Hz tone (28.6 to
// 27.8 dB), a speech-like level error of -0.66 dB instead of -0.32 dB, and
// 3 % more bits. Those figures say nothing about perceived quality, so the
// default stays at 10 until a listening or PESQ test says 5 is enough.
const DefaultComplexity = 10

// Encoder turns 20 ms frames of 48 kHz mono PCM into Opus payloads for RTP
// (RFC 7587 §4.2), tuned for voice (OPUS_APPLICATION_VOIP) with in-band
// forward error correction on (RFC 6716 §2.1.7). An Encoder is not safe for
// concurrent use.
type Encoder struct {
	enc *libopus.Encoder
}

// EncoderOption configures an Encoder; pass them to NewEncoder.
type EncoderOption func(*encoderConfig) error

type encoderConfig struct {
	complexity int
}

// WithComplexity sets the encoder's computational complexity (OPUS_SET_COMPLEXITY),
// from 0 to 10; the default is DefaultComplexity, whose comment gives what 8
// and 5 cost and save.
func WithComplexity(c int) EncoderOption {
	return func(cfg *encoderConfig) error {
		if c < 0 || c > 10 {
			return fmt.Errorf("opus: complexity %d outside 0 to 10", c)
		}
		cfg.complexity = c
		return nil
	}
}

// NewEncoder returns an Encoder that targets bitrate bit/s; 0 means
// DefaultBitrate. Opus supports 6000 to 510000 bit/s (RFC 6716 §2.1.1). An
// invalid option makes NewEncoder fail.
func NewEncoder(bitrate int, opts ...EncoderOption) (*Encoder, error) {
	cfg := encoderConfig{complexity: DefaultComplexity}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
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
	if err := enc.SetComplexity(cfg.complexity); err != nil {
		return nil, fmt.Errorf("opus: set complexity: %w", err)
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
