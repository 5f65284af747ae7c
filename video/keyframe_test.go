package video

import (
	"bytes"
	"slices"
	"testing"

	"github.com/pion/rtp/codecs"
)

// Frames as encoders produce them, for the payloaders to packetize.
var (
	// An H.264 access unit in Annex B: SPS, PPS, then an IDR slice.
	h264IDR = annexB(
		[]byte{0x67, 0x42, 0xc0, 0x1f, 0xda, 0x01, 0x40, 0x16, 0xec, 0x04, 0x40},
		[]byte{0x68, 0xce, 0x3c, 0x80},
		append([]byte{0x65, 0x88, 0x84, 0x00, 0x33}, bytes.Repeat([]byte{0xa5}, 300)...),
	)
	// An H.264 access unit with one non-IDR slice.
	h264Inter = annexB(append([]byte{0x41, 0x9a, 0x02, 0x0c}, bytes.Repeat([]byte{0x5a}, 300)...))
	// A VP8 key frame: frame tag (P bit clear, show_frame), start code,
	// 640×480.
	vp8Key = append([]byte{0x30, 0x01, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01}, bytes.Repeat([]byte{0x11}, 300)...)
	// A VP8 inter frame: frame tag with the P bit set.
	vp8Inter = append([]byte{0x31, 0x01, 0x00}, bytes.Repeat([]byte{0x22}, 300)...)
	// A VP9 key frame and an inter frame (uncompressed headers from
	// pion/rtp's tests).
	vp9Key   = append([]byte{0x82, 0x49, 0x83, 0x42, 0x00, 0x77, 0xf0, 0x32, 0x34}, bytes.Repeat([]byte{0x33}, 300)...)
	vp9Inter = append([]byte{0x86, 0x00, 0x40, 0x92, 0xe1, 0x31, 0x42, 0x8c, 0xc0, 0x40}, bytes.Repeat([]byte{0x44}, 300)...)
)

// annexB joins NAL units with start codes.
func annexB(nalus ...[]byte) []byte {
	var b []byte
	for _, n := range nalus {
		b = append(b, 0x00, 0x00, 0x00, 0x01)
		b = append(b, n...)
	}
	return b
}

// TestIsKeyframePayloaders packetizes frames with pion's payloaders and
// checks which packets are found to start a key frame.
func TestIsKeyframePayloaders(t *testing.T) {
	const mtu = 120
	h264 := func(f []byte) [][]byte { return (&codecs.H264Payloader{}).Payload(mtu, f) }
	vp8 := func(f []byte) [][]byte { return (&codecs.VP8Payloader{EnablePictureID: true}).Payload(mtu, f) }
	vp8NoPID := func(f []byte) [][]byte { return (&codecs.VP8Payloader{}).Payload(mtu, f) }
	vp9 := func(f []byte) [][]byte { return (&codecs.VP9Payloader{}).Payload(mtu, f) }
	vp9Flex := func(f []byte) [][]byte { return (&codecs.VP9Payloader{FlexibleMode: true}).Payload(mtu, f) }
	tests := []struct {
		name  string
		mime  string
		pay   func([]byte) [][]byte
		frame []byte
		keys  []int // the packets found to start a key frame
	}{
		// A STAP-A with SPS and PPS, then the IDR slice in FU-As.
		{"H264 IDR", "video/H264", h264, h264IDR, []int{0, 1}},
		{"H264 inter", "video/H264", h264, h264Inter, nil},
		{"VP8 key", "video/VP8", vp8, vp8Key, []int{0}},
		{"VP8 key without picture ID", "video/VP8", vp8NoPID, vp8Key, []int{0}},
		{"VP8 inter", "video/VP8", vp8, vp8Inter, nil},
		{"VP9 key", "video/VP9", vp9, vp9Key, []int{0}},
		{"VP9 inter", "video/VP9", vp9, vp9Inter, nil},
		// The flexible-mode payloader does not look at the frame and
		// never sets P, so every frame looks like a key frame.
		{"VP9 flexible", "video/VP9", vp9Flex, vp9Inter, []int{0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pkts := tt.pay(tt.frame)
			if len(pkts) < 3 {
				t.Fatalf("%d packets, want at least 3", len(pkts))
			}
			for i, p := range pkts {
				want := slices.Contains(tt.keys, i)
				if got := IsKeyframe(tt.mime, p); got != want {
					t.Errorf("packet %d (% x...): IsKeyframe = %v, want %v", i, p[:min(len(p), 8)], got, want)
				}
			}
		})
	}
}

func TestIsKeyframe(t *testing.T) {
	// VP8 payload headers (RFC 7741 §4.3): P bit clear and set.
	const key, inter = 0x30, 0x31
	tests := []struct {
		name    string
		mime    string
		payload []byte
		want    bool
	}{
		{"H264 IDR", "video/H264", []byte{0x65, 0x88}, true},
		{"H264 SPS", "video/H264", []byte{0x67, 0x42}, true},
		{"H264 IDR, NRI 0", "video/H264", []byte{0x05, 0x88}, true},
		{"H264 PPS", "video/H264", []byte{0x68, 0xce}, false},
		{"H264 SEI", "video/H264", []byte{0x06, 0x05}, false},
		{"H264 non-IDR slice", "video/H264", []byte{0x41, 0x9a}, false},
		{"H264 type 0", "video/H264", []byte{0x00, 0x00}, false},
		{"H264 empty", "video/H264", nil, false},
		{"STAP-A SPS PPS", "video/H264", []byte{0x78, 0, 2, 0x67, 0x42, 0, 2, 0x68, 0xce}, true},
		{"STAP-A PPS IDR", "video/H264", []byte{0x78, 0, 2, 0x68, 0xce, 0, 1, 0x65}, true},
		{"STAP-A PPS SEI", "video/H264", []byte{0x78, 0, 2, 0x68, 0xce, 0, 2, 0x06, 0x05}, false},
		{"STAP-A empty", "video/H264", []byte{0x78}, false},
		{"STAP-A size past the end", "video/H264", []byte{0x78, 0, 2, 0x67, 0x42, 0, 3, 0x68, 0xce}, false},
		{"STAP-A size cut short", "video/H264", []byte{0x78, 0, 2, 0x67, 0x42, 0}, false},
		{"STAP-A size 0", "video/H264", []byte{0x78, 0, 0, 0, 2, 0x67, 0x42}, false},
		{"FU-A start IDR", "video/H264", []byte{0x7c, 0x85, 0x88}, true},
		{"FU-A start SPS", "video/H264", []byte{0x7c, 0x87}, true},
		{"FU-A middle IDR", "video/H264", []byte{0x7c, 0x05, 0x88}, false},
		{"FU-A end IDR", "video/H264", []byte{0x7c, 0x45, 0x88}, false},
		{"FU-A start non-IDR", "video/H264", []byte{0x5c, 0x81, 0x9a}, false},
		{"FU-A header missing", "video/H264", []byte{0x7c}, false},
		{"FU-B start IDR", "video/H264", []byte{0x7d, 0x85, 0, 0, 0x88}, false},

		{"VP8 minimal", "video/VP8", []byte{0x10, key}, true},
		{"VP8 inter", "video/VP8", []byte{0x10, inter}, false},
		{"VP8 not a partition start", "video/VP8", []byte{0x00, key}, false},
		{"VP8 partition 1", "video/VP8", []byte{0x11, key}, false},
		{"VP8 N bit", "video/VP8", []byte{0x30, key}, true},
		{"VP8 7-bit picture ID", "video/VP8", []byte{0x90, 0x80, 0x7f, key}, true},
		{"VP8 15-bit picture ID", "video/VP8", []byte{0x90, 0x80, 0xff, 0xfe, key}, true},
		{"VP8 15-bit picture ID, inter", "video/VP8", []byte{0x90, 0x80, 0xff, 0xfe, inter}, false},
		// The descriptor's own bytes would read as P set or clear if it
		// were misparsed: 0x31 is inter in every spot but the last.
		{"VP8 I L T K", "video/VP8", []byte{0x90, 0xf0, 0xb1, 0x31, 0x31, 0x31, key}, true},
		{"VP8 I L T K, inter", "video/VP8", []byte{0x90, 0xf0, 0x80, 0x30, 0x30, 0x30, inter}, false},
		{"VP8 L only", "video/VP8", []byte{0x90, 0x40, 0x31, key}, true},
		{"VP8 T only", "video/VP8", []byte{0x90, 0x20, 0x31, key}, true},
		{"VP8 K only", "video/VP8", []byte{0x90, 0x10, 0x31, key}, true},
		{"VP8 X without extensions", "video/VP8", []byte{0x90, 0x00, key}, true},
		{"VP8 descriptor only", "video/VP8", []byte{0x10}, false},
		{"VP8 descriptor only, extended", "video/VP8", []byte{0x90, 0xf0, 0x80, 0x30, 0x30, 0x30}, false},
		{"VP8 X byte missing", "video/VP8", []byte{0x90}, false},
		{"VP8 picture ID missing", "video/VP8", []byte{0x90, 0x80}, false},
		{"VP8 15-bit picture ID cut", "video/VP8", []byte{0x90, 0x80, 0x80}, false},
		{"VP8 TL0PICIDX missing", "video/VP8", []byte{0x90, 0x40}, false},
		{"VP8 empty", "video/VP8", nil, false},

		{"VP9 B", "video/VP9", []byte{0x08, 0x82}, true},
		{"VP9 B E", "video/VP9", []byte{0x0c, 0x82}, true},
		{"VP9 P", "video/VP9", []byte{0x48, 0x82}, false},
		{"VP9 not B", "video/VP9", []byte{0x04, 0x82}, false},
		{"VP9 7-bit picture ID", "video/VP9", []byte{0x88, 0x05, 0x82}, true},
		{"VP9 15-bit picture ID", "video/VP9", []byte{0x88, 0x81, 0x05, 0x82}, true},
		{"VP9 15-bit picture ID cut", "video/VP9", []byte{0x88, 0x81, 0x05}, false},
		{"VP9 SID 0, non-flexible", "video/VP9", []byte{0xa8, 0x05, 0x00, 0x07, 0x82}, true},
		{"VP9 SID 1 without D", "video/VP9", []byte{0xa8, 0x05, 0x02, 0x07, 0x82}, true},
		{"VP9 SID 1 with D", "video/VP9", []byte{0xa8, 0x05, 0x03, 0x07, 0x82}, false},
		{"VP9 TL0PICIDX missing", "video/VP9", []byte{0xa8, 0x05, 0x00, 0x07}, false},
		{"VP9 layer byte missing", "video/VP9", []byte{0xa8, 0x05}, false},
		{"VP9 flexible, layers", "video/VP9", []byte{0xb8, 0x05, 0x00, 0x82}, true},
		{"VP9 SS", "video/VP9", []byte{0x8a, 0x05, 0x00, 0x82}, true},
		// SS: 2 spatial layers with sizes, 2 pictures with 1 and 2
		// references.
		{"VP9 SS Y G", "video/VP9", []byte{0x8a, 0x05, 0x38, 1, 64, 0, 180, 2, 128, 1, 104, 2, 0x04, 1, 0x08, 1, 2, 0x82}, true},
		{"VP9 SS Y G, nothing after", "video/VP9", []byte{0x8a, 0x05, 0x38, 1, 64, 0, 180, 2, 128, 1, 104, 2, 0x04, 1, 0x08, 1, 2}, false},
		{"VP9 SS sizes cut", "video/VP9", []byte{0x8a, 0x05, 0x30, 1, 64, 0}, false},
		{"VP9 SS N_G missing", "video/VP9", []byte{0x8a, 0x05, 0x08}, false},
		{"VP9 SS picture missing", "video/VP9", []byte{0x8a, 0x05, 0x08, 0x01}, false},
		{"VP9 SS missing", "video/VP9", []byte{0x8a, 0x05}, false},
		{"VP9 descriptor only", "video/VP9", []byte{0x08}, false},
		{"VP9 empty", "video/VP9", nil, false},

		{"lower case", "video/vp8", []byte{0x10, key}, true},
		{"upper case", "VIDEO/H264", []byte{0x65, 0x88}, true},
		{"AV1", "video/AV1", []byte{0x10, key}, false},
		{"audio", "audio/opus", []byte{0x10, key}, false},
		{"no MIME type", "", []byte{0x65, 0x88}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsKeyframe(tt.mime, tt.payload); got != tt.want {
				t.Errorf("IsKeyframe(%q, % x) = %v, want %v", tt.mime, tt.payload, got, tt.want)
			}
		})
	}
}

// fuzzMimeTypes are the MIME types FuzzIsKeyframe tries.
var fuzzMimeTypes = []string{"video/H264", "video/VP8", "video/VP9", "video/AV1"}

// FuzzIsKeyframe checks that IsKeyframe does not panic, and that it
// agrees with pion's VP8 and VP9 depacketizers on the fields it reads.
// The first argument picks the MIME type from fuzzMimeTypes.
func FuzzIsKeyframe(f *testing.F) {
	// The seed corpus is in testdata/fuzz/FuzzIsKeyframe.
	f.Fuzz(func(t *testing.T, kind uint8, payload []byte) {
		mime := fuzzMimeTypes[int(kind)%len(fuzzMimeTypes)]
		got := IsKeyframe(mime, payload)
		switch mime {
		case "video/H264":
			if got {
				if typ := payload[0] & 0x1f; typ != naluIDR && typ != naluSPS && typ != naluSTAPA && typ != naluFUA {
					t.Fatalf("IsKeyframe(% x) = true for NAL unit type %d", payload, typ)
				}
			}
		case "video/VP8":
			var p codecs.VP8Packet
			rest, err := p.Unmarshal(payload)
			want := err == nil && p.S == 1 && p.PID == 0 && len(rest) > 0 && rest[0]&1 == 0
			if got != want {
				t.Fatalf("IsKeyframe(% x) = %v; pion reads %+v, %v", payload, got, p, err)
			}
		case "video/VP9":
			var p codecs.VP9Packet
			rest, err := p.Unmarshal(payload)
			want := err == nil && !p.P && p.B && !(p.L && p.D) && len(rest) > 0
			// pion refuses SID ≥ 5, which RFC 9628 allows (3 bits).
			if p.SID < 5 && got != want {
				t.Fatalf("IsKeyframe(% x) = %v; pion reads %+v, %v", payload, got, p, err)
			}
		default:
			if got {
				t.Fatalf("IsKeyframe(%q, % x) = true", mime, payload)
			}
		}
	})
}

func BenchmarkIsKeyframe(b *testing.B) {
	for _, bb := range []struct {
		mime    string
		payload []byte
	}{
		{"video/H264", (&codecs.H264Payloader{}).Payload(1200, h264IDR)[0]},
		{"video/VP8", (&codecs.VP8Payloader{EnablePictureID: true}).Payload(1200, vp8Key)[0]},
		{"video/VP9", (&codecs.VP9Payloader{}).Payload(1200, vp9Key)[0]},
	} {
		b.Run(bb.mime[len("video/"):], func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if !IsKeyframe(bb.mime, bb.payload) {
					b.Fatal("not a key frame")
				}
			}
		})
	}
}
