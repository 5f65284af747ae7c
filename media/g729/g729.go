// Package g729 encodes and decodes ITU-T G.729 Annex A audio for RTP
// (RFC 3551 §4.5.6) with Belledonne's bcg729, through cgo, and accepts the
// Annex B silence (SID) frames a sender with VAD puts in its payloads.
//
// Everything here is mono 16-bit PCM at 8 kHz in 20 ms frames, two 10-byte
// G.729 frames per payload. The encoder runs without VAD, so Parley never
// sends SID frames (it answers annexb=no). The package does not import
// package media; media wraps these types to satisfy its Encoder and
// Decoder interfaces.
package g729

/*
#cgo pkg-config: libbcg729
#include <bcg729/encoder.h>
#include <bcg729/decoder.h>
*/
import "C"

// SampleRate is the G.729 sample rate in Hz (RFC 3551 §4.5.6).
const SampleRate = 8000

// FrameSamples is the number of samples in one 20 ms frame: two G.729
// frames.
const FrameSamples = SampleRate / 50

// CodecFrameSamples is the number of samples one 10 ms G.729 frame holds.
const CodecFrameSamples = 80

// CodecFrameBytes is the size of one encoded 10 ms G.729 frame.
const CodecFrameBytes = 10

// SIDBytes is the size of a G.729 Annex B silence insertion descriptor,
// which may end a payload (RFC 3551 §4.5.6).
const SIDBytes = 2

// PayloadBytes is the size of the payload of one 20 ms frame Encode writes.
const PayloadBytes = FrameSamples / CodecFrameSamples * CodecFrameBytes
