package webrtc

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pion/sdp/v3"
	pion "github.com/pion/webrtc/v4"

	"github.com/parleyhq/parley/bridge"
)

// TestAnswerPicksOpus offers what a browser with a camera offers, with
// PCMU preferred over Opus: the answer takes Opus 48000/2 with the audio
// level extension, and accepts the sendrecv video m-line with VP8 and
// H.264 (packetization-mode=1) and their keyframe feedback. Offered on
// both, transport-wide congestion control (its header extension and
// "transport-cc" feedback) is answered on video only.
func TestAnswerPicksOpus(t *testing.T) {
	b, err := bridge.New(bridge.Options{Rooms: []bridge.RoomSettings{{Number: "1000"}}, Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	srv, err := New(Options{Bridge: b, ListenIP: "127.0.0.1", Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()

	m := &pion.MediaEngine{}
	for _, c := range []pion.RTPCodecParameters{
		{RTPCodecCapability: pion.RTPCodecCapability{MimeType: pion.MimeTypePCMU, ClockRate: 8000}, PayloadType: 0},
		{RTPCodecCapability: pion.RTPCodecCapability{MimeType: pion.MimeTypeOpus, ClockRate: 48000, Channels: 2, SDPFmtpLine: "minptime=10;useinbandfec=1",
			RTCPFeedback: []pion.RTCPFeedback{{Type: "transport-cc"}}}, PayloadType: 111},
	} {
		if err := m.RegisterCodec(c, pion.RTPCodecTypeAudio); err != nil {
			t.Fatal(err)
		}
	}
	fb := []pion.RTCPFeedback{{Type: "nack"}, {Type: "nack", Parameter: "pli"}, {Type: "ccm", Parameter: "fir"}, {Type: "goog-remb"}, {Type: "transport-cc"}}
	for _, c := range []pion.RTPCodecParameters{
		{RTPCodecCapability: pion.RTPCodecCapability{MimeType: pion.MimeTypeVP8, ClockRate: 90000, RTCPFeedback: fb}, PayloadType: 96},
		{RTPCodecCapability: pion.RTPCodecCapability{MimeType: pion.MimeTypeH264, ClockRate: 90000, RTCPFeedback: fb,
			SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"}, PayloadType: 102},
		{RTPCodecCapability: pion.RTPCodecCapability{MimeType: pion.MimeTypeH264, ClockRate: 90000, RTCPFeedback: fb,
			SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42e01f"}, PayloadType: 104},
	} {
		if err := m.RegisterCodec(c, pion.RTPCodecTypeVideo); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.RegisterHeaderExtension(pion.RTPHeaderExtensionCapability{URI: sdp.AudioLevelURI}, pion.RTPCodecTypeAudio); err != nil {
		t.Fatal(err)
	}
	for _, kind := range []pion.RTPCodecType{pion.RTPCodecTypeAudio, pion.RTPCodecTypeVideo} {
		if err := m.RegisterHeaderExtension(pion.RTPHeaderExtensionCapability{URI: sdp.TransportCCURI}, kind); err != nil {
			t.Fatal(err)
		}
	}
	pc, err := pion.NewAPI(pion.WithMediaEngine(m)).NewPeerConnection(pion.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	for _, kind := range []pion.RTPCodecType{pion.RTPCodecTypeAudio, pion.RTPCodecTypeVideo} {
		if _, err := pc.AddTransceiverFromKind(kind); err != nil {
			t.Fatal(err)
		}
	}
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}

	ss, bs := signalPipe()
	defer bs.Close()
	done := make(chan error, 1)
	go func() { done <- srv.Handle(context.Background(), ss, JoinRequest{Room: "1000", Name: "Guest"}) }()
	if err := bs.WriteJSON(context.Background(), Message{Type: TypeOffer, SDP: offer.SDP}); err != nil {
		t.Fatal(err)
	}
	ans := expectType(t, bs, TypeAnswer)
	var sd sdp.SessionDescription
	if err := sd.UnmarshalString(ans.SDP); err != nil {
		t.Fatal(err)
	}
	if len(sd.MediaDescriptions) != 2 {
		t.Fatalf("answer has %d m-lines:\n%s", len(sd.MediaDescriptions), ans.SDP)
	}
	audio, video := sd.MediaDescriptions[0], sd.MediaDescriptions[1]
	if got := audio.MediaName.Formats; len(got) != 1 || got[0] != "111" {
		t.Errorf("audio formats %v, want [111]", got)
	}
	if rtpmap, _ := audio.Attribute("rtpmap"); !strings.EqualFold(rtpmap, "111 opus/48000/2") {
		t.Errorf("rtpmap %q", rtpmap)
	}
	if fmtp, _ := audio.Attribute("fmtp"); !strings.Contains(fmtp, "usedtx=1") {
		t.Errorf("the Opus fmtp %q does not let the browser use DTX (withOpusDTX)", fmtp)
	}
	if !strings.Contains(ans.SDP, sdp.AudioLevelURI) {
		t.Errorf("no audio level extension in the answer:\n%s", ans.SDP)
	}
	if _, ok := audio.Attribute("sendrecv"); !ok {
		t.Errorf("audio is not sendrecv:\n%s", ans.SDP)
	}
	if video.MediaName.Port.Value == 0 {
		t.Errorf("video rejected:\n%s", ans.SDP)
	}
	if got := strings.Join(video.MediaName.Formats, " "); got != "102 96" {
		t.Errorf("video formats %q, want H.264 102 (mode 1 only) then VP8 96", got)
	}
	if _, ok := video.Attribute("recvonly"); !ok {
		t.Errorf("video is not recvonly in the answer:\n%s", ans.SDP)
	}
	for _, want := range []string{"96 VP8/90000", "102 H264/90000", "packetization-mode=1;profile-level-id=42e01f",
		"96 ccm fir", "96 nack pli", "96 transport-cc", "102 ccm fir", "102 nack pli", "102 transport-cc"} {
		if !strings.Contains(ans.SDP, want) {
			t.Errorf("answer lacks %q:\n%s", want, ans.SDP)
		}
	}
	if got := transportCC(audio); len(got) != 0 {
		t.Errorf("audio answered with transport-wide congestion control %q:\n%s", got, ans.SDP)
	}
	if got := transportCC(video); len(got) != 3 { // the extension, feedback for 96 and 102
		t.Errorf("video answered with transport-wide congestion control %q, want the extension and feedback for each codec:\n%s", got, ans.SDP)
	}
	if err := bs.WriteJSON(context.Background(), Message{Type: TypeLeave}); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Handle: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Handle did not return")
	}
}

// transportCC returns an m-line's attributes about transport-wide
// congestion control: its header extension and "transport-cc" feedback.
func transportCC(md *sdp.MediaDescription) []string {
	var got []string
	for _, a := range md.Attributes {
		if (a.Key == "rtcp-fb" && strings.HasSuffix(a.Value, " transport-cc")) ||
			(a.Key == "extmap" && strings.HasSuffix(a.Value, " "+sdp.TransportCCURI)) {
			got = append(got, a.Key+":"+a.Value)
		}
	}
	return got
}
