package webrtc

import (
	"testing"

	pion "github.com/pion/webrtc/v4"

	"github.com/parleyhq/parley/video"
)

// TestReceivable: a browser is offered the forwarded codecs its first
// offer lists, of those Parley negotiates.
func TestReceivable(t *testing.T) {
	const head = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
	h264 := video.Codec{MimeType: "video/H264", ClockRate: 90000}
	vp8 := video.Codec{MimeType: "video/VP8", ClockRate: 90000}
	av1 := video.Codec{MimeType: "video/AV1", ClockRate: 90000}
	for _, tt := range []struct {
		name      string
		sdp       string
		h264, vp8 bool
	}{
		{"VP8 only", head + "m=video 9 UDP/TLS/RTP/SAVPF 120 124\r\na=rtpmap:120 VP8/90000\r\na=rtpmap:124 rtx/90000\r\n", false, true},
		{"both", head + "m=video 9 UDP/TLS/RTP/SAVPF 96 102\r\na=rtpmap:96 VP8/90000\r\na=rtpmap:102 h264/90000\r\n", true, true},
		{"no video", head + "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\n", true, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ok := receivable(&pion.SessionDescription{Type: pion.SDPTypeOffer, SDP: tt.sdp})
			if ok(h264) != tt.h264 || ok(vp8) != tt.vp8 || ok(av1) {
				t.Errorf("H.264 %v, VP8 %v, AV1 %v; want %v, %v, false", ok(h264), ok(vp8), ok(av1), tt.h264, tt.vp8)
			}
		})
	}
	if !receivable(nil)(h264) {
		t.Error("no offer: H.264 refused")
	}
}
