package sip

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/parleyhq/parley/media"
)

// offer builds an SDP offer with one audio m-line from "m=" formats and
// attribute lines.
func offer(formats string, attrs ...string) string {
	s := "v=0\r\no=- 1 1 IN IP4 192.0.2.5\r\ns=-\r\nc=IN IP4 192.0.2.5\r\nt=0 0\r\n" +
		"m=audio 4000 RTP/AVP " + formats + "\r\n"
	for _, a := range attrs {
		s += "a=" + a + "\r\n"
	}
	return s
}

func TestNegotiate(t *testing.T) {
	tests := []struct {
		name      string
		offer     string
		format    media.Format
		pt, event uint8
		dir       Direction
		err       error
	}{
		{name: "PCMU first", offer: offer("0 8 101", "rtpmap:0 PCMU/8000", "rtpmap:8 PCMA/8000", "rtpmap:101 telephone-event/8000"),
			format: media.PCMU, pt: 0, event: 101, dir: SendRecv},
		{name: "offerer prefers PCMA", offer: offer("8 0", "rtpmap:8 PCMA/8000", "rtpmap:0 PCMU/8000"),
			format: media.PCMA, pt: 8, dir: SendRecv},
		{name: "static types without rtpmap", offer: offer("8 0"), format: media.PCMA, pt: 8, dir: SendRecv},
		{name: "opus dynamic type", offer: offer("111 0 101", "rtpmap:111 opus/48000/2", "rtpmap:101 telephone-event/48000", "rtpmap:100 telephone-event/8000"),
			format: media.Opus, pt: 111, event: 101, dir: SendRecv},
		{name: "opus with 8 kHz events only", offer: offer("96 100", "rtpmap:96 OPUS/48000/2", "rtpmap:100 telephone-event/8000"),
			format: media.Opus, pt: 96, event: 100, dir: SendRecv},
		{name: "unsupported first is skipped", offer: offer("18 97 0", "rtpmap:18 G729/8000", "rtpmap:97 iLBC/8000"),
			format: media.PCMU, pt: 0, dir: SendRecv},
		{name: "hold: sendonly answered recvonly", offer: offer("0", "sendonly"), format: media.PCMU, dir: RecvOnly},
		{name: "recvonly answered sendonly", offer: offer("0", "recvonly"), format: media.PCMU, dir: SendOnly},
		{name: "inactive", offer: offer("0", "inactive"), format: media.PCMU, dir: Inactive},
		{name: "only unsupported codecs", offer: offer("97 18", "rtpmap:97 iLBC/8000", "rtpmap:18 G729/8000"), err: ErrNoCommonCodec},
		{name: "only telephone-event", offer: offer("101", "rtpmap:101 telephone-event/8000"), err: ErrNoCommonCodec},
		{name: "opus at wrong rate", offer: offer("96", "rtpmap:96 opus/16000"), err: ErrNoCommonCodec},
		{name: "no audio", offer: strings.Replace(offer("0"), "m=audio", "m=video", 1), err: ErrNoCommonCodec},
		{name: "secure profile only", offer: strings.Replace(offer("0"), "RTP/AVP", "RTP/SAVP", 1), err: ErrSRTPRefused}, // Negotiate takes plain RTP only
		{name: "garbage", offer: "hello", err: ErrBadSDP},
		{name: "no connection line", offer: strings.Replace(offer("0"), "c=IN IP4 192.0.2.5\r\n", "", 1), err: ErrBadSDP},
		{name: "hostname in c=", offer: strings.Replace(offer("0"), "c=IN IP4 192.0.2.5", "c=IN IP4 pbx.example", 1), err: ErrBadSDP},
		{name: "payload type not a number", offer: offer("0 x"), err: ErrBadSDP},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := Negotiate([]byte(tt.offer))
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !n.Format.Is(tt.format) || n.PayloadType != tt.pt || n.EventPayloadType != tt.event || n.Direction != tt.dir {
				t.Errorf("got %v pt %d event %d %s, want %v pt %d event %d %s",
					n.Format, n.PayloadType, n.EventPayloadType, n.Direction, tt.format, tt.pt, tt.event, tt.dir)
			}
			if want := netip.MustParseAddrPort("192.0.2.5:4000"); n.Remote != want {
				t.Errorf("remote %v, want %v", n.Remote, want)
			}
		})
	}
}

func TestNegotiateNoCommonCodecNamesBothLists(t *testing.T) {
	_, err := Negotiate([]byte(offer("97 18", "rtpmap:97 iLBC/8000", "rtpmap:18 G729/8000")))
	for _, want := range []string{"iLBC/8000", "G729/8000", "PCMU/8000", "G722/8000", "opus/48000/2"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
}

func TestAnswer(t *testing.T) {
	o := offer("111 0 101", "rtpmap:111 opus/48000/2", "rtpmap:101 telephone-event/8000", "sendonly") +
		"m=video 5000 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
	n, err := Negotiate([]byte(o))
	if err != nil {
		t.Fatal(err)
	}
	ans, err := n.Answer(netip.MustParseAddr("198.51.100.1"), 10000, 0, 42, 42)
	if err != nil {
		t.Fatal(err)
	}
	s := string(ans)
	for _, want := range []string{
		"c=IN IP4 198.51.100.1",
		"m=audio 10000 RTP/AVP 111 101",
		"a=rtpmap:111 opus/48000/2",
		"a=fmtp:111 minptime=10;useinbandfec=1",
		"a=rtpmap:101 telephone-event/8000",
		"a=fmtp:101 0-16",
		"a=ptime:20",
		"a=recvonly",
		"m=video 0 RTP/AVP 96", // the video stream is refused, in its place (RFC 3264 §6)
	} {
		if !strings.Contains(s, want+"\r\n") {
			t.Errorf("answer lacks %q:\n%s", want, s)
		}
	}
	// The answer must itself be a valid offer for a peer, e.g. on re-INVITE.
	if _, err := Negotiate(ans); err != nil {
		t.Errorf("answer does not parse back: %v", err)
	}
}

// TestVideoAnswer: a room system's H.264 is answered on the video port,
// in packetization-mode 1 when offered, with its format parameters, RTCP
// address and the keyframe feedback of AVPF; VP8 alone is refused.
func TestVideoAnswer(t *testing.T) {
	base := offer("0", "sendrecv")
	o := base + "m=video 5002 RTP/AVPF 97 98\r\na=rtpmap:97 H264/90000\r\na=fmtp:97 packetization-mode=0;profile-level-id=42e01f\r\n" +
		"a=rtpmap:98 H264/90000\r\na=fmtp:98 profile-level-id=42e01f;packetization-mode=1\r\na=rtcp:5009\r\na=sendrecv\r\n"
	n, err := Negotiate([]byte(o))
	if err != nil {
		t.Fatal(err)
	}
	v := n.Video
	if v == nil || v.PayloadType != 98 || v.Remote.Port() != 5002 || v.RTCP.Port() != 5009 || v.Mux || v.Direction != SendRecv {
		t.Fatalf("video %+v", v)
	}
	ans, err := n.Answer(netip.MustParseAddr("198.51.100.1"), 10000, 20000, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"m=video 20000 RTP/AVPF 98", "a=rtpmap:98 H264/90000",
		"a=fmtp:98 profile-level-id=42e01f;packetization-mode=1", "a=rtcp-fb:98 nack pli", "a=rtcp-fb:98 ccm fir", "a=sendrecv"} {
		if !strings.Contains(string(ans), want+"\r\n") {
			t.Errorf("answer lacks %q:\n%s", want, ans)
		}
	}
	// With no video port (none free), the stream is refused.
	if ans, _ := n.Answer(netip.MustParseAddr("198.51.100.1"), 10000, 0, 1, 1); !strings.Contains(string(ans), "m=video 0 ") {
		t.Errorf("video not refused without a port:\n%s", ans)
	}

	mux, err := Negotiate([]byte(base + "m=video 5002 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=rtcp-mux\r\na=sendonly\r\n"))
	if err != nil || mux.Video == nil || !mux.Video.Mux || mux.Video.RTCP.Port() != 5002 || mux.Video.Direction != RecvOnly {
		t.Fatalf("rtcp-mux offer: %+v, %v", mux.Video, err)
	}
	if ans, _ := mux.Answer(netip.MustParseAddr("198.51.100.1"), 10000, 20000, 1, 1); !strings.Contains(string(ans), "a=rtcp-mux\r\n") ||
		strings.Contains(string(ans), "rtcp-fb") {
		t.Errorf("answer to an AVP rtcp-mux offer:\n%s", ans)
	}

	vp8, err := Negotiate([]byte(base + "m=video 5002 RTP/AVP 100\r\na=rtpmap:100 VP8/90000\r\n"))
	if err != nil || vp8.Video != nil {
		t.Fatalf("VP8-only video: %+v, %v", vp8.Video, err)
	}
}

// TestOfferVideo: Parley's offer to a room system carries H.264 in both
// packetization modes, which an answer echoing it negotiates.
func TestOfferVideo(t *testing.T) {
	o, err := Offer(netip.MustParseAddr("198.51.100.1"), 10000, 20000, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	n, err := ReadAnswer(o)
	if err != nil {
		t.Fatal(err)
	}
	if n.Video == nil || n.Video.PayloadType != 96 || n.Video.Remote.Port() != 20000 || n.Video.RTCP.Port() != 20001 {
		t.Fatalf("video %+v in:\n%s", n.Video, o)
	}
	if audioOnly, _ := Offer(netip.MustParseAddr("198.51.100.1"), 10000, 0, 1, 1); strings.Contains(string(audioOnly), "m=video") {
		t.Errorf("audio-only offer has video:\n%s", audioOnly)
	}
}

// FuzzNegotiate checks that no offer makes negotiation panic and that
// every accepted offer yields an answer that parses back.
func FuzzNegotiate(f *testing.F) {
	f.Add(offer("0 8 101", "rtpmap:101 telephone-event/8000"))
	f.Add(offer("111", "rtpmap:111 opus/48000/2", "sendonly"))
	f.Add("v=0\r\n")
	f.Add(offer("0") + "m=video 5002 RTP/AVPF 98\r\na=rtpmap:98 H264/90000\r\na=fmtp:98 packetization-mode=1\r\na=rtcp:5009\r\n")
	f.Fuzz(func(t *testing.T, o string) {
		n, err := Negotiate([]byte(o))
		if err != nil {
			return
		}
		ans, err := n.Answer(netip.MustParseAddr("127.0.0.1"), 10000, 20000, 1, 1)
		if err != nil {
			t.Fatalf("accepted offer gives no answer: %v", err)
		}
		if _, err := Negotiate(ans); err != nil {
			t.Fatalf("answer %q does not parse back: %v", ans, err)
		}
	})
}
