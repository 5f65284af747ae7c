package media

import "github.com/parleyhq/parley/media/g729"

// newG729Encoder returns NewEncoder's Encoder for G729: 8 kHz, two
// 10-byte Annex A frames per 20 ms payload, no SID frames.
func newG729Encoder(f Format) (Encoder, error) {
	enc, err := g729.NewEncoder()
	if err != nil {
		return nil, err
	}
	return formatEncoder{enc, f}, nil
}

// newG729Decoder returns NewDecoder's Decoder for G729: 10-byte frames and
// an optional Annex B SID frame per payload, bcg729's frame erasure for
// lost packets.
func newG729Decoder(f Format) (Decoder, error) {
	dec, err := g729.NewDecoder()
	if err != nil {
		return nil, err
	}
	return formatDecoder{dec, f}, nil
}
