package media

import (
	"errors"
	"fmt"

	"github.com/parleyhq/parley/media/g711"
	"github.com/parleyhq/parley/media/opus"
	"github.com/parleyhq/parley/media/resample"
)

// ErrUnsupportedFormat is returned, wrapped with the format's a=rtpmap
// name, by NewEncoder, NewDecoder and NewEncoderFrom for a format other than
// PCMU/8000, PCMA/8000 (RFC 3551 §4.5.14) and opus/48000 (RFC 7587 §7).
// G729/8000 (RFC 3551 §4.5.6) is supported too (g729codec.go).
var ErrUnsupportedFormat = errors.New("media: unsupported format")

// NewEncoder returns an Encoder for f: PCMU or PCMA at 8000 Hz, as RFC 3551
// §4.5.14 defines them, or Opus at 48000 Hz with in-band FEC, as RFC 7587
// carries it (mono, 20 ms frames, 32 kbit/s, tuned for voice). Names are
// compared case-insensitively and the channel count is ignored: Parley
// always encodes mono. Any other format fails with ErrUnsupportedFormat.
// G729 is supported too: see newG729Encoder.
func NewEncoder(f Format) (Encoder, error) {
	switch {
	case f.Is(PCMU), f.Is(PCMA):
		enc, err := g711.NewEncoder(lawOf(f))
		if err != nil {
			return nil, err
		}
		return formatEncoder{enc, f}, nil
	case f.Is(Opus):
		enc, err := opus.NewEncoder(0)
		if err != nil {
			return nil, err
		}
		return formatEncoder{enc, f}, nil
	case f.Is(G722):
		return newG722Encoder(f)
	case f.Is(G729):
		return newG729Encoder(f)
	}
	return nil, fmt.Errorf("%w: %s", ErrUnsupportedFormat, f)
}

// NewDecoder returns a Decoder for f: PCMU or PCMA at 8000 Hz (RFC 3551
// §4.5.14), whose concealment is G.711 Appendix I and whose output lags by
// g711.PLCDelay samples, or Opus at 48000 Hz (RFC 7587), which decodes mono
// or stereo payloads to mono and conceals with in-band FEC when the next
// payload is known. Any other format fails with ErrUnsupportedFormat.
// G729 is supported too: see newG729Decoder.
func NewDecoder(f Format) (Decoder, error) {
	switch {
	case f.Is(PCMU), f.Is(PCMA):
		dec, err := g711.NewDecoder(lawOf(f))
		if err != nil {
			return nil, err
		}
		return formatDecoder{dec, f}, nil
	case f.Is(Opus):
		dec, err := opus.NewDecoder()
		if err != nil {
			return nil, err
		}
		return formatDecoder{dec, f}, nil
	case f.Is(G722):
		return newG722Decoder(f)
	case f.Is(G729):
		return newG729Decoder(f)
	}
	return nil, fmt.Errorf("%w: %s", ErrUnsupportedFormat, f)
}

// NewEncoderFrom returns an Encoder for f (PCMU or PCMA per RFC 3551
// §4.5.14, or Opus per RFC 7587), as NewEncoder does, that takes
// its 20 ms frames at inputRate instead of f's sample rate: Encode expects
// inputRate/FramesPerSecond samples, not Format().FrameSamples(), and
// resamples them first (see package resample). It lets a mixer running at
// 8 or 48 kHz feed any codec. inputRate and f's sample rate must be whole
// multiples of one another; equal rates give a plain Encoder.
func NewEncoderFrom(f Format, inputRate int) (Encoder, error) {
	enc, err := NewEncoder(f)
	if err != nil {
		return nil, err
	}
	if inputRate == f.SampleRate() {
		return enc, nil
	}
	if inputRate <= 0 || inputRate%FramesPerSecond != 0 {
		return nil, fmt.Errorf("media: input rate %d Hz is not a whole number of samples per frame", inputRate)
	}
	rs, err := resample.New(inputRate, f.SampleRate())
	if err != nil {
		return nil, fmt.Errorf("media: encode %s from %d Hz: %w", f, inputRate, err)
	}
	return &resamplingEncoder{
		Encoder: enc,
		rs:      rs,
		frame:   inputRate / FramesPerSecond,
		buf:     make([]int16, f.FrameSamples()),
	}, nil
}

// lawOf returns the G.711 law that f, PCMU or PCMA, names.
func lawOf(f Format) g711.Law {
	if f.Is(PCMA) {
		return g711.ALaw
	}
	return g711.MuLaw
}

// Compile-time checks that the wrappers satisfy the interfaces.
var (
	_ Encoder = formatEncoder{}
	_ Decoder = formatDecoder{}
	_ Encoder = (*resamplingEncoder)(nil)
)

// frameEncoder is what every codec package's Encoder does (g711, opus,
// g722, g729).
type frameEncoder interface {
	Encode(pcm []int16, dst []byte) (int, error)
}

// frameDecoder is what every codec package's Decoder does.
type frameDecoder interface {
	Decode(payload []byte, pcm []int16) (int, error)
	Conceal(next []byte, pcm []int16) (int, error)
}

// formatEncoder is a codec package's encoder that knows its Format.
type formatEncoder struct {
	frameEncoder
	format Format
}

// Format returns the format the encoder was made for.
func (e formatEncoder) Format() Format { return e.format }

// formatDecoder is a codec package's decoder that knows its Format.
type formatDecoder struct {
	frameDecoder
	format Format
}

// Format returns the format the decoder was made for.
func (d formatDecoder) Format() Format { return d.format }

// resamplingEncoder resamples each frame to its Encoder's rate first.
type resamplingEncoder struct {
	Encoder
	rs    *resample.Resampler
	frame int     // input samples per frame
	buf   []int16 // one frame at the codec's rate
}

// Encode resamples one 20 ms frame of pcm at the input rate and encodes it.
func (e *resamplingEncoder) Encode(pcm []int16, dst []byte) (int, error) {
	if len(pcm) != e.frame {
		return 0, fmt.Errorf("media: encode %d samples, want a 20 ms frame of %d at %d Hz", len(pcm), e.frame, e.rs.InRate())
	}
	e.buf = e.rs.Process(pcm, e.buf)
	return e.Encoder.Encode(e.buf, dst)
}
