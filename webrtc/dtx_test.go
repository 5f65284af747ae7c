package webrtc

import (
	"strings"
	"testing"

	pion "github.com/pion/webrtc/v4"
)

func TestWithOpusDTX(t *testing.T) {
	const head = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
	for _, tt := range []struct {
		name, sdp string
		want      []string // lines the result must hold
		not       []string // lines it must not
	}{
		{"opus gets usedtx",
			head + "m=audio 9 UDP/TLS/RTP/SAVPF 111 0\r\na=rtpmap:111 opus/48000/2\r\na=fmtp:111 minptime=10;useinbandfec=1\r\na=rtpmap:0 PCMU/8000\r\n",
			[]string{"a=fmtp:111 minptime=10;useinbandfec=1;usedtx=1"}, nil},
		{"video fmtp untouched",
			head + "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 OPUS/48000/2\r\na=fmtp:111 useinbandfec=1\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1\r\n",
			[]string{"a=fmtp:111 useinbandfec=1;usedtx=1", "a=fmtp:96 packetization-mode=1"}, []string{"packetization-mode=1;usedtx"}},
		{"an offer's own choice kept",
			head + "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\na=fmtp:111 usedtx=0\r\n",
			[]string{"a=fmtp:111 usedtx=0"}, []string{"usedtx=1"}},
		{"not SDP", "hello", []string{"hello"}, []string{"usedtx"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := pion.SessionDescription{Type: pion.SDPTypeAnswer, SDP: tt.sdp}
			out := withOpusDTX(in)
			if out.Type != in.Type {
				t.Errorf("type %v, want %v", out.Type, in.Type)
			}
			for _, w := range tt.want {
				if !strings.Contains(out.SDP, w) {
					t.Errorf("missing %q in:\n%s", w, out.SDP)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(out.SDP, n) {
					t.Errorf("has %q in:\n%s", n, out.SDP)
				}
			}
			if again := withOpusDTX(out); again.SDP != out.SDP {
				t.Errorf("a second pass changed it:\n%s", again.SDP)
			}
		})
	}
}
