// Package opus encodes and decodes Opus audio (RFC 6716) for RTP (RFC 7587)
// with libopus, through cgo.
//
// Parley handles Opus as mono PCM at 48 kHz in 20 ms frames. RFC 7587 §7
// always signals opus/48000/2 in SDP; the decoder is mono whatever the
// sender sends, and libopus mixes a stereo stream down itself. The package
// does not import package media; media wraps these types to satisfy its
// Encoder and Decoder interfaces.
package opus

// SampleRate is the rate, in Hz, of the PCM the encoder takes and the
// decoder returns. RFC 7587 §4.1 fixes the RTP clock at 48 kHz.
const SampleRate = 48000

// FrameSamples is the number of mono samples in one 20 ms frame.
const FrameSamples = SampleRate / 50

// MaxPayload is the largest payload one 20 ms frame encodes to, in bytes: a
// single-frame Opus packet is at most 1275 bytes of frame plus its TOC byte
// (RFC 6716 §3.2.1, §3.2.2).
const MaxPayload = 1276

// DefaultBitrate is the encoder's target bitrate, in bit/s: wideband speech
// at that rate is near transparent and leaves room for in-band FEC.
const DefaultBitrate = 32000

// PacketLossPerc is the loss rate, in percent, the encoder is told to
// expect. It is what makes libopus spend bits on in-band FEC (LBRR).
const PacketLossPerc = 10
