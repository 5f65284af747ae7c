package media

import "github.com/parleyhq/parley/media/g729"

// Compile-time checks that the G.729 wrappers satisfy the interfaces.
var (
	_ Encoder = g729Encoder{}
	_ Decoder = g729Decoder{}
)

// g729Encoder is a g729.Encoder that knows its Format.
type g729Encoder struct {
	*g729.Encoder
	format Format
}

// newG729Encoder returns NewEncoder's Encoder for G729: 8 kHz, two
// 10-byte Annex A frames per 20 ms payload, no SID frames.
func newG729Encoder(f Format) (Encoder, error) {
	enc, err := g729.NewEncoder()
	if err != nil {
		return nil, err
	}
	return g729Encoder{enc, f}, nil
}

// Format returns the format the encoder was made for.
func (e g729Encoder) Format() Format { return e.format }

// g729Decoder is a g729.Decoder that knows its Format.
type g729Decoder struct {
	*g729.Decoder
	format Format
}

// newG729Decoder returns NewDecoder's Decoder for G729: 10-byte frames and
// an optional Annex B SID frame per payload, bcg729's frame erasure for
// lost packets.
func newG729Decoder(f Format) (Decoder, error) {
	dec, err := g729.NewDecoder()
	if err != nil {
		return nil, err
	}
	return g729Decoder{dec, f}, nil
}

// Format returns the format the decoder was made for.
func (d g729Decoder) Format() Format { return d.format }
