package prompts

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// ErrMalformed is wrapped by the errors for a file that is not a well-formed
// RIFF WAVE file: no RIFF or WAVE header, a chunk that runs past the end of
// the file (a truncated file), a missing or repeated fmt or data chunk, or a
// data chunk that does not hold whole samples.
var ErrMalformed = errors.New("malformed WAV file")

// ErrUnsupportedFormat is wrapped by the errors for a well-formed WAV file
// whose audio is not mono 16-bit PCM at 8000, 16000 or 48000 Hz.
var ErrUnsupportedFormat = errors.New("unsupported WAV format")

// WAVE format tags (RFC 2361, Appendix A) and the GUID that
// WAVE_FORMAT_EXTENSIBLE appends to a tag to make its sub-format.
const (
	tagPCM        = 0x0001
	tagExtensible = 0xFFFE
)

var extensibleGUIDTail = []byte{
	0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71,
}

// wavFormat is the fmt chunk of a WAV file, reduced to what decodeWAV
// checks. For WAVE_FORMAT_EXTENSIBLE, tag is the sub-format's tag and
// validBits its valid bits per sample; otherwise validBits equals bits.
type wavFormat struct {
	tag        uint16
	channels   uint16
	rate       uint32
	blockAlign uint16
	bits       uint16
	validBits  uint16
}

// parseWAV walks the chunks of a RIFF WAVE file (Microsoft/IBM Multimedia
// Programming Interface and Data Specifications 1.0, chapter 3) and returns
// its format and the bytes of its data chunk, which alias b. It checks the
// structure only, not whether the format is one Parley plays.
//
// Chunks other than fmt and data are skipped. A chunk of odd size is
// followed by a pad byte; that byte may be missing after the last chunk,
// which many writers get wrong and which loses nothing. Bytes after the end
// that the RIFF header declares are ignored. A chunk that claims more bytes
// than the file holds is an error: the file is truncated.
func parseWAV(b []byte) (wavFormat, []byte, error) {
	var f wavFormat
	if len(b) < 12 {
		return f, nil, fmt.Errorf("%w: %d bytes is shorter than a RIFF header", ErrMalformed, len(b))
	}
	if !bytes.Equal(b[0:4], []byte("RIFF")) || !bytes.Equal(b[8:12], []byte("WAVE")) {
		return f, nil, fmt.Errorf("%w: no RIFF WAVE header", ErrMalformed)
	}
	riffEnd := 8 + uint64(binary.LittleEndian.Uint32(b[4:8]))
	if riffEnd < 12 {
		return f, nil, fmt.Errorf("%w: RIFF size %d is too small", ErrMalformed, riffEnd-8)
	}
	if riffEnd > uint64(len(b)) {
		return f, nil, fmt.Errorf("%w: truncated: RIFF header declares %d bytes, file has %d", ErrMalformed, riffEnd, len(b))
	}

	var data []byte
	var haveFmt, haveData bool
	body := b[12:riffEnd]
	for len(body) > 0 {
		if len(body) < 8 {
			return f, nil, fmt.Errorf("%w: truncated chunk header (%d bytes)", ErrMalformed, len(body))
		}
		id := body[0:4]
		size := uint64(binary.LittleEndian.Uint32(body[4:8]))
		body = body[8:]
		if size > uint64(len(body)) {
			return f, nil, fmt.Errorf("%w: truncated %q chunk: %d of %d bytes", ErrMalformed, id, len(body), size)
		}
		chunk := body[:size]
		body = body[size:]
		if size%2 == 1 && len(body) > 0 {
			body = body[1:]
		}

		switch string(id) {
		case "fmt ":
			if haveFmt {
				return f, nil, fmt.Errorf("%w: more than one fmt chunk", ErrMalformed)
			}
			var err error
			if f, err = parseFmt(chunk); err != nil {
				return f, nil, err
			}
			haveFmt = true
		case "data":
			if haveData {
				return f, nil, fmt.Errorf("%w: more than one data chunk", ErrMalformed)
			}
			data, haveData = chunk, true
		}
	}
	switch {
	case !haveFmt:
		return f, nil, fmt.Errorf("%w: no fmt chunk", ErrMalformed)
	case !haveData:
		return f, nil, fmt.Errorf("%w: no data chunk", ErrMalformed)
	}
	return f, data, nil
}

// parseFmt decodes a fmt chunk: WAVEFORMATEX, or WAVEFORMATEXTENSIBLE
// whose sub-format GUID is one of the standard KSDATAFORMAT_SUBTYPE GUIDs
// built from a format tag.
func parseFmt(c []byte) (wavFormat, error) {
	var f wavFormat
	if len(c) < 16 {
		return f, fmt.Errorf("%w: fmt chunk of %d bytes, want at least 16", ErrMalformed, len(c))
	}
	le := binary.LittleEndian
	f.tag = le.Uint16(c[0:2])
	f.channels = le.Uint16(c[2:4])
	f.rate = le.Uint32(c[4:8])
	// c[8:12] is the byte rate, which follows from the rest; writers get it
	// wrong often enough that it is not checked.
	f.blockAlign = le.Uint16(c[12:14])
	f.bits = le.Uint16(c[14:16])
	f.validBits = f.bits
	if f.tag != tagExtensible {
		return f, nil
	}
	if len(c) < 40 || le.Uint16(c[16:18]) < 22 {
		return f, fmt.Errorf("%w: WAVE_FORMAT_EXTENSIBLE fmt chunk of %d bytes, want 40", ErrMalformed, len(c))
	}
	f.validBits = le.Uint16(c[18:20])
	// c[20:24] is the speaker mask, irrelevant for mono.
	guid := c[24:40]
	if !bytes.Equal(guid[2:], extensibleGUIDTail) {
		return f, fmt.Errorf("%w: WAVE_FORMAT_EXTENSIBLE with a non-standard sub-format GUID", ErrUnsupportedFormat)
	}
	f.tag = le.Uint16(guid[0:2])
	return f, nil
}

// decodeWAV parses a WAV file and returns its samples as a Clip, or an
// error wrapping ErrMalformed or ErrUnsupportedFormat that says what is
// wrong. The clip's samples are a new slice; they do not alias b.
func decodeWAV(b []byte) (Clip, error) {
	f, data, err := parseWAV(b)
	if err != nil {
		return Clip{}, err
	}
	const want = "prompts must be mono 16-bit PCM at 8000, 16000 or 48000 Hz"
	switch {
	case f.tag != tagPCM:
		return Clip{}, fmt.Errorf("%w: format tag %#04x is not PCM; %s", ErrUnsupportedFormat, f.tag, want)
	case f.channels != 1:
		return Clip{}, fmt.Errorf("%w: %d channels; %s", ErrUnsupportedFormat, f.channels, want)
	case f.bits != 16 || f.validBits != 16:
		return Clip{}, fmt.Errorf("%w: %d-bit samples; %s", ErrUnsupportedFormat, f.validBits, want)
	case !supportedRate(int(f.rate)):
		return Clip{}, fmt.Errorf("%w: %d Hz; %s", ErrUnsupportedFormat, f.rate, want)
	case f.blockAlign != 2:
		return Clip{}, fmt.Errorf("%w: block align %d, want 2 for mono 16-bit", ErrMalformed, f.blockAlign)
	case len(data)%2 != 0:
		return Clip{}, fmt.Errorf("%w: data chunk of %d bytes holds no whole number of samples", ErrMalformed, len(data))
	case len(data) == 0:
		return Clip{}, fmt.Errorf("%w: data chunk holds no samples", ErrMalformed)
	}
	s := make([]int16, len(data)/2)
	for i := range s {
		s[i] = int16(binary.LittleEndian.Uint16(data[2*i:]))
	}
	return Clip{Rate: int(f.rate), Samples: s}, nil
}

// supportedRate reports whether a clip or frame may have rate Hz.
func supportedRate(rate int) bool {
	return rate == 8000 || rate == 16000 || rate == 48000
}
