package media

import (
	"strings"

	"github.com/parleyhq/parley/media/g722"
)

// newG722Encoder is NewEncoder's case for G.722 at 64 kbit/s (RFC 3551
// §4.5.2): 16 kHz PCM in, an 8000 Hz RTP clock.
func newG722Encoder(f Format) (Encoder, error) {
	enc, err := g722.NewEncoder()
	if err != nil {
		return nil, err
	}
	return formatEncoder{enc, f}, nil
}

// newG722Decoder is NewDecoder's case for G.722, whose concealment is
// G.711 Appendix I's run at 16 kHz (see g722.Decoder.Conceal).
func newG722Decoder(f Format) (Decoder, error) {
	dec, err := g722.NewDecoder()
	if err != nil {
		return nil, err
	}
	return formatDecoder{dec, f}, nil
}

// Supported reports whether NewEncoder and NewDecoder build the codec an
// SDP encoding name (case-insensitive, as "PCMU", "G722", "opus") names,
// at its usual clock rate. Configuration asks it to validate codec lists.
func Supported(name string) bool {
	_, ok := FormatNamed(name)
	return ok
}

// FormatNamed returns the Format Parley builds for an SDP encoding name,
// compared case-insensitively, or false when it builds none.
func FormatNamed(name string) (Format, bool) {
	for _, f := range []Format{Opus, G722, PCMU, PCMA, G729} {
		if strings.EqualFold(f.Name, name) {
			return f, true
		}
	}
	return Format{}, false
}
