// Package video forwards video RTP between participants of a room,
// unchanged: it is a selective forwarding unit (SFU), which decodes
// nothing and sends each receiver the packets of the tracks it should see.
// A receiver switched from one source to another (a new speaker, another
// simulcast layer) is switched at a keyframe of the new source
// (IsKeyframe), and its packets are rewritten (Rewriter) so that the
// receiver sees one continuous RTP stream; which simulcast layer a
// receiver gets follows its bandwidth estimate (Meter, Choose).
package video

import (
	"encoding/binary"
	"strings"
)

// payloadFormat is a video payload format that this package looks into.
type payloadFormat uint8

const (
	formatOther payloadFormat = iota
	formatH264
	formatVP8
	formatVP9
)

// formatOf returns the payload format of an RTP MIME type ("video/VP8"),
// which is case-insensitive (RFC 6838 §4.2).
func formatOf(mimeType string) payloadFormat {
	switch {
	case strings.EqualFold(mimeType, "video/H264"):
		return formatH264
	case strings.EqualFold(mimeType, "video/VP8"):
		return formatVP8
	case strings.EqualFold(mimeType, "video/VP9"):
		return formatVP9
	}
	return formatOther
}

// IsKeyframe reports whether an RTP payload of the given MIME type
// ("video/H264", "video/VP8" or "video/VP9", in any case) starts a
// keyframe, at which a receiver can start decoding:
//
//   - H.264 (RFC 6184 §5.6–5.8): a single NAL unit of type 5 (IDR slice)
//     or 7 (sequence parameter set); a STAP-A (type 24) that holds one of
//     these; or the first fragment (S bit) of an FU-A (type 28) of one.
//   - VP8 (RFC 7741 §4.2–4.3): the first packet of partition 0 (S set,
//     PID 0) whose VP8 payload header has the P bit (inverse key frame
//     flag) clear.
//   - VP9 (RFC 9628 §4.2): the descriptor's B bit (start of a frame) set
//     and its P bit (inter-picture predicted) clear, and, when layer
//     indices are present, their D bit (inter-layer dependency) clear:
//     the first packet of a frame that needs no other frame, which is
//     what libwebrtc's depacketizer calls a key frame. An upper spatial
//     layer of a key picture (D set) is not one.
//
// It returns false for any other MIME type and for a payload that is
// short or malformed (a descriptor or aggregation that runs past its end,
// nothing after the VP8 or VP9 descriptor). It never panics and does not
// allocate.
func IsKeyframe(mimeType string, payload []byte) bool {
	switch formatOf(mimeType) {
	case formatH264:
		return h264Keyframe(payload)
	case formatVP8:
		return vp8Keyframe(payload)
	case formatVP9:
		return vp9Keyframe(payload)
	}
	return false
}

// H.264 NAL unit types (RFC 6184 §5.2, ITU-T H.264 Table 7-1).
const (
	naluIDR   = 5
	naluSPS   = 7
	naluSTAPA = 24
	naluFUA   = 28
)

// h264Keyframe implements IsKeyframe for H.264.
func h264Keyframe(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	switch t := b[0] & 0x1f; t {
	case naluIDR, naluSPS:
		return true
	case naluSTAPA:
		// RFC 6184 §5.7.1: after the STAP-A header, NAL units, each
		// preceded by its 16-bit size; every size must fit.
		key := false
		for rest := b[1:]; len(rest) > 0; {
			if len(rest) < 2 {
				return false
			}
			n := int(binary.BigEndian.Uint16(rest))
			rest = rest[2:]
			if n == 0 || n > len(rest) {
				return false
			}
			if t := rest[0] & 0x1f; t == naluIDR || t == naluSPS {
				key = true
			}
			rest = rest[n:]
		}
		return key
	case naluFUA:
		// RFC 6184 §5.8: FU indicator, then FU header |S|E|R|Type|.
		if len(b) < 2 || b[1]&0x80 == 0 {
			return false
		}
		t := b[1] & 0x1f
		return t == naluIDR || t == naluSPS
	}
	return false
}

// vp8Descriptor locates the fields of a VP8 payload descriptor (RFC 7741
// §4.2):
//
//	     0 1 2 3 4 5 6 7
//	    +-+-+-+-+-+-+-+-+
//	    |X|R|N|S|R| PID |
//	    +-+-+-+-+-+-+-+-+
//	X:  |I|L|T|K| RSV   |
//	    +-+-+-+-+-+-+-+-+
//	I:  |M| PictureID   |
//	    +-+-+-+-+-+-+-+-+
//	M:  |   PictureID   |
//	    +-+-+-+-+-+-+-+-+
//	L:  |   TL0PICIDX   |
//	    +-+-+-+-+-+-+-+-+
//	T/K:|TID|Y| KEYIDX  |
//	    +-+-+-+-+-+-+-+-+
type vp8Descriptor struct {
	start   bool  // S: the packet starts a partition
	part    uint8 // PID: the partition index
	picID   int   // offset of the picture ID, or -1
	longPID bool  // the picture ID has 15 bits (M set)
	tl0     int   // offset of TL0PICIDX, or -1
	keyIdx  int   // offset of the TID|Y|KEYIDX byte when K is set, or -1
	size    int   // length of the descriptor
}

// parseVP8 reads the VP8 payload descriptor at the start of b; ok is false
// when b is too short to hold it.
func parseVP8(b []byte) (d vp8Descriptor, ok bool) {
	d = vp8Descriptor{picID: -1, tl0: -1, keyIdx: -1}
	if len(b) == 0 {
		return d, false
	}
	d.start = b[0]&0x10 != 0
	d.part = b[0] & 0x07
	pos := 1
	if b[0]&0x80 != 0 { // X
		if len(b) <= pos {
			return d, false
		}
		x := b[pos]
		pos++
		if x&0x80 != 0 { // I
			if len(b) <= pos {
				return d, false
			}
			d.picID = pos
			d.longPID = b[pos]&0x80 != 0
			pos++
			if d.longPID {
				pos++
			}
		}
		if x&0x40 != 0 { // L
			d.tl0 = pos
			pos++
		}
		if x&0x30 != 0 { // T or K
			if x&0x10 != 0 {
				d.keyIdx = pos
			}
			pos++
		}
	}
	if pos > len(b) {
		return d, false
	}
	d.size = pos
	return d, true
}

// vp8Keyframe implements IsKeyframe for VP8.
func vp8Keyframe(b []byte) bool {
	d, ok := parseVP8(b)
	if !ok || !d.start || d.part != 0 || len(b) <= d.size {
		return false
	}
	// RFC 7741 §4.3: the P bit, bit 0 of the first byte, is 0 for a key
	// frame.
	return b[d.size]&0x01 == 0
}

// vp9Keyframe implements IsKeyframe for VP9. The descriptor (RFC 9628
// §4.2) is
//
//	    0 1 2 3 4 5 6 7
//	   +-+-+-+-+-+-+-+-+
//	   |I|P|L|F|B|E|V|Z|
//	   +-+-+-+-+-+-+-+-+
//	I: |M| PICTURE ID  |  (and a second byte when M is set)
//	   +-+-+-+-+-+-+-+-+
//	L: | TID |U| SID |D|  (and TL0PICIDX when F is clear)
//	   +-+-+-+-+-+-+-+-+
//	   | P_DIFF    |N| ... (only when P and F are set)
//	   +-+-+-+-+-+-+-+-+
//	V: | SS            |
//	   +-+-+-+-+-+-+-+-+
func vp9Keyframe(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	h := b[0]
	if h&0x40 != 0 || h&0x08 == 0 { // P set or B clear
		return false
	}
	pos := 1
	if h&0x80 != 0 { // I
		if len(b) <= pos {
			return false
		}
		if b[pos]&0x80 != 0 {
			pos++
		}
		pos++
	}
	if h&0x20 != 0 { // L
		if len(b) <= pos {
			return false
		}
		if b[pos]&0x01 != 0 { // D
			return false
		}
		pos++
		if h&0x10 == 0 { // TL0PICIDX in non-flexible mode
			pos++
		}
	}
	// P is clear, so there are no reference indices.
	if h&0x02 != 0 { // V: the scalability structure (§4.2.1)
		if len(b) <= pos {
			return false
		}
		spatial := int(b[pos]>>5) + 1
		y, g := b[pos]&0x10 != 0, b[pos]&0x08 != 0
		pos++
		if y {
			pos += 4 * spatial // WIDTH and HEIGHT, 16 bits each
		}
		if g {
			if len(b) <= pos {
				return false
			}
			pictures := int(b[pos])
			pos++
			for range pictures {
				if len(b) <= pos {
					return false
				}
				pos += 1 + int(b[pos]>>2&0x03) // TID|U|R, then R P_DIFFs
			}
		}
	}
	return pos < len(b)
}
