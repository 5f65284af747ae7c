// Package media carries audio between the network and the mixer: codecs,
// resampling, RTP sessions, jitter buffering, loss concealment and DTMF.
package media

import (
	"strconv"
	"strings"
)

// FrameDuration is the length of one audio frame everywhere in Parley, in
// milliseconds. The mixer ticks once per frame.
const FrameDuration = 20

// FramesPerSecond is how many frames make one second.
const FramesPerSecond = 1000 / FrameDuration

// Format names an audio encoding as SDP writes it in a=rtpmap (RFC 8866 §6.6):
// the encoding name, the RTP clock rate and the channel count.
type Format struct {
	// Name is the encoding name, compared case-insensitively ("PCMU", "opus").
	Name string
	// ClockRate is the RTP timestamp rate in Hz.
	ClockRate int
	// Channels is the channel count from a=rtpmap; 0 and 1 both mean mono.
	Channels int
}

// The formats Parley encodes and decodes.
var (
	PCMU = Format{Name: "PCMU", ClockRate: 8000, Channels: 1}
	PCMA = Format{Name: "PCMA", ClockRate: 8000, Channels: 1}
	Opus = Format{Name: "opus", ClockRate: 48000, Channels: 2}
	// G729 is G.729 Annex A, static payload type 18 (RFC 3551 §4.5.6);
	// Annex B SID frames are accepted, never sent.
	G729 = Format{Name: "G729", ClockRate: 8000, Channels: 1}
)

// Is reports whether f and g name the same encoding at the same clock rate.
func (f Format) Is(g Format) bool {
	return strings.EqualFold(f.Name, g.Name) && f.ClockRate == g.ClockRate
}

// SampleRate is the rate, in Hz, of the mono PCM the codec consumes and
// produces. Opus is always handled at 48 kHz mono, whatever the SDP says.
func (f Format) SampleRate() int { return f.ClockRate }

// FrameSamples is the number of PCM samples in one 20 ms frame of f.
func (f Format) FrameSamples() int { return f.SampleRate() / FramesPerSecond }

// String returns the format as a=rtpmap writes it, for example "PCMU/8000".
func (f Format) String() string {
	s := f.Name + "/" + strconv.Itoa(f.ClockRate)
	if f.Channels > 1 {
		s += "/" + strconv.Itoa(f.Channels)
	}
	return s
}

// Encoder turns 20 ms of mono PCM at the format's sample rate into one RTP
// payload. An Encoder keeps state between frames and is not safe for
// concurrent use.
type Encoder interface {
	// Format is the encoding the encoder produces.
	Format() Format
	// Encode writes the payload for pcm into dst and returns its length.
	// len(pcm) must be Format().FrameSamples().
	Encode(pcm []int16, dst []byte) (int, error)
}

// Decoder turns RTP payloads back into mono PCM at the format's sample rate
// and conceals lost packets. A Decoder is not safe for concurrent use.
type Decoder interface {
	// Format is the encoding the decoder reads.
	Format() Format
	// Decode decodes one payload into pcm and returns the sample count.
	Decode(payload []byte, pcm []int16) (int, error)
	// Conceal fills pcm with a replacement for one lost 20 ms frame, built
	// from what came before (packet-loss concealment), and returns the sample
	// count. next is the payload that follows the lost one when it is already
	// known (Opus uses its in-band FEC then), else nil.
	Conceal(next []byte, pcm []int16) (int, error)
}
