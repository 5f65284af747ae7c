package h245

import (
	"fmt"

	"github.com/parleyhq/parley/h323/per"
)

// Codec is an audio codec this package negotiates: G.711 A-law or µ-law at
// 64 kbit/s (H.245 AudioCapability g711Alaw64k and g711Ulaw64k).
type Codec uint8

const (
	// PCMA is G.711 A-law, H.245 g711Alaw64k (RTP payload type 8).
	PCMA Codec = iota + 1
	// PCMU is G.711 µ-law, H.245 g711Ulaw64k (RTP payload type 0).
	PCMU
)

// String returns the RTP encoding name, "PCMA" or "PCMU".
func (c Codec) String() string {
	switch c {
	case PCMA:
		return "PCMA"
	case PCMU:
		return "PCMU"
	}
	return fmt.Sprintf("Codec(%d)", uint8(c))
}

// capName returns the AudioCapability alternative of c.
func (c Codec) capName() string {
	switch c {
	case PCMA:
		return "g711Alaw64k"
	case PCMU:
		return "g711Ulaw64k"
	}
	return ""
}

// Audio is an audio DataType or AudioCapability: a codec and the number of
// frames per packet it allows (for G.711, H.245 counts one frame per
// millisecond: 20 is 20 ms of audio per RTP packet). An AudioCapability
// this package does not negotiate decodes with Codec 0 and Name set to its
// alternative (e.g. "g729").
type Audio struct {
	Codec  Codec
	Frames int
	Name   string
}

// audioValue encodes a as an AudioCapability.
func audioValue(a Audio) (per.Choice, error) {
	name := a.Codec.capName()
	if name == "" {
		return per.Choice{}, fmt.Errorf("h245: cannot encode audio %q", a.Name)
	}
	if a.Frames < 1 || a.Frames > 256 {
		return per.Choice{}, fmt.Errorf("h245: %s frames %d out of range 1..256", a.Codec, a.Frames)
	}
	return per.Choice{Name: name, Value: int64(a.Frames)}, nil
}

// audioOf reads an AudioCapability value.
func audioOf(v any) (Audio, error) {
	c, ok := v.(per.Choice)
	if !ok {
		return Audio{}, malformed("audio capability: not a choice")
	}
	a := Audio{Name: c.Name}
	switch c.Name {
	case "g711Alaw64k":
		a.Codec = PCMA
	case "g711Ulaw64k":
		a.Codec = PCMU
	default:
		return a, nil
	}
	n, err := intAt(c.Value, 1, 256)
	if err != nil {
		return Audio{}, fmt.Errorf("audio %s: %w", c.Name, err)
	}
	a.Frames = n
	return a, nil
}
