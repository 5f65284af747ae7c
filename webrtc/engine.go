package webrtc

import (
	"fmt"
	"strings"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/cc"
	"github.com/pion/sdp/v3"
	pion "github.com/pion/webrtc/v4"
)

// opusPayloadType is the dynamic payload type Parley offers Opus on; the
// answer echoes whatever the browser offered.
const opusPayloadType = 111

// opusCodec is the only audio codec Parley negotiates: Opus as RFC 7587 §7
// signals it, opus/48000/2, with in-band FEC (RFC 7587 §6.1). Parley sends
// mono; receivers mix a stereo signal down themselves.
var opusCodec = pion.RTPCodecCapability{
	MimeType:    pion.MimeTypeOpus,
	ClockRate:   48000,
	Channels:    2,
	SDPFmtpLine: "minptime=10;useinbandfec=1",
}

// Payload types Parley offers video on (the numbers Chrome uses); an
// answer echoes whatever the browser offered.
const (
	vp8PayloadType  = 96
	h264PayloadType = 102
)

// videoCodecs are the video codecs Parley forwards, in order of
// preference: H.264 Constrained Baseline level 3.1 in non-interleaved
// mode (RFC 6184 §8.1, packetization-mode=1) and VP8 (RFC 7741), which
// every target browser encodes and decodes. H.264 comes first because SIP
// room systems decode it and video is never transcoded: a browser that
// sends H.264 is seen by the room systems too. Their RTCP feedback is "ccm fir" (RFC 5104
// §7.1) here; pion's default interceptors add "nack", "nack pli" (RFC 4585
// §4.2) and "transport-cc", both ways: a publishing browser estimates its
// uplink from the transport-wide feedback pion sends, and Parley estimates
// each receiver's downlink from the feedback the browser sends for what
// it is forwarded (bwe.go), to choose its simulcast layers. "goog-remb" is
// not offered: nothing in the server would generate REMB. No RTX: a
// browser then retransmits on the media SSRC, which forwarding rewrites
// like any other packet.
var videoCodecs = []pion.RTPCodecParameters{
	{RTPCodecCapability: pion.RTPCodecCapability{MimeType: pion.MimeTypeH264, ClockRate: 90000,
		SDPFmtpLine:  "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f",
		RTCPFeedback: []pion.RTCPFeedback{{Type: "ccm", Parameter: "fir"}}}, PayloadType: h264PayloadType},
	{RTPCodecCapability: pion.RTPCodecCapability{MimeType: pion.MimeTypeVP8, ClockRate: 90000,
		RTCPFeedback: []pion.RTCPFeedback{{Type: "ccm", Parameter: "fir"}}}, PayloadType: vp8PayloadType},
}

// preferCodec puts the codec mime (the room's choice, video.Room
// SendCodec) first on the browser's camera m-line, then the rest of
// videoCodecs: pion otherwise answers in the browser's order (VP8 first in
// Chrome), and the browser sends the first codec of the answer. A browser
// that cannot send mime keeps what it can. The m-lines of forwarded video
// are left alone: their codec is the publisher's.
func preferCodec(pc *pion.PeerConnection, mime string) {
	// pion keeps the feedback both these and the MediaEngine list: the
	// MediaEngine's has what the interceptors added.
	feedback := []pion.RTCPFeedback{{Type: "ccm", Parameter: "fir"}, {Type: "nack"}, {Type: "nack", Parameter: "pli"},
		{Type: pion.TypeRTCPFBTransportCC}}
	var first, rest []pion.RTPCodecParameters
	for _, c := range videoCodecs {
		p := pion.RTPCodecParameters{RTPCodecCapability: c.RTPCodecCapability} // the offer's payload type
		p.RTCPFeedback = feedback
		if strings.EqualFold(c.MimeType, mime) {
			first = append(first, p)
		} else {
			rest = append(rest, p)
		}
	}
	prefs := append(first, rest...)
	for _, tr := range pc.GetTransceivers() {
		if tr.Kind() != pion.RTPCodecTypeVideo || (tr.Sender() != nil && tr.Sender().Track() != nil) {
			continue
		}
		_ = tr.SetCodecPreferences(prefs) // fails only when the offer has neither codec
	}
}

// newAPI builds the pion API every guest's PeerConnection comes from:
//
//   - a MediaEngine with Opus as the only audio codec and the RFC 6464
//     client-to-mixer audio level header extension, so that silent guests
//     are not decoded; VP8 and H.264 for video (videoCodecs), with the
//     MID and RID header extensions (RFC 8843 §15, RFC 8852 §3) a
//     simulcast offer needs;
//   - pion's default interceptors less their per-packet costs for audio
//     (registerInterceptors: RTCP sender and receiver reports, NACK,
//     transport-wide congestion control feedback on video), and a GCC
//     estimate of each guest's bandwidth from the browser's transport-wide
//     feedback on its forwarded video, handed to found with the
//     PeerConnection's ID (registerEstimator);
//   - a SettingEngine that gathers host candidates on the shared UDP mux
//     only (no other sockets, no mDNS), advertising publicIP instead of the
//     local address behind a 1:1 NAT, and logging through the server's
//     logger.
func newAPI(mux ice.UDPMux, loopback bool, publicIP string, logs loggerFactory,
	found cc.NewPeerConnectionCallback) (*pion.API, error) {
	m := &pion.MediaEngine{}
	if err := m.RegisterCodec(pion.RTPCodecParameters{RTPCodecCapability: opusCodec, PayloadType: opusPayloadType},
		pion.RTPCodecTypeAudio); err != nil {
		return nil, fmt.Errorf("webrtc: register opus: %w", err)
	}
	if err := m.RegisterHeaderExtension(pion.RTPHeaderExtensionCapability{URI: sdp.AudioLevelURI},
		pion.RTPCodecTypeAudio); err != nil {
		return nil, fmt.Errorf("webrtc: register audio level: %w", err)
	}
	for _, c := range videoCodecs {
		if err := m.RegisterCodec(c, pion.RTPCodecTypeVideo); err != nil {
			return nil, fmt.Errorf("webrtc: register %s: %w", c.MimeType, err)
		}
	}
	for _, uri := range []string{sdp.SDESMidURI, sdp.SDESRTPStreamIDURI} {
		if err := m.RegisterHeaderExtension(pion.RTPHeaderExtensionCapability{URI: uri},
			pion.RTPCodecTypeVideo); err != nil {
			return nil, fmt.Errorf("webrtc: register %s: %w", uri, err)
		}
	}
	ir := &interceptor.Registry{}
	if err := registerInterceptors(m, ir, logs); err != nil {
		return nil, fmt.Errorf("webrtc: interceptors: %w", err)
	}
	if err := registerEstimator(ir, logs, found); err != nil {
		return nil, fmt.Errorf("webrtc: bandwidth estimator: %w", err)
	}

	se := pion.SettingEngine{LoggerFactory: logs}
	se.SetICEUDPMux(mux)
	se.SetNetworkTypes([]pion.NetworkType{pion.NetworkTypeUDP4, pion.NetworkTypeUDP6})
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetIncludeLoopbackCandidate(loopback)
	if publicIP != "" {
		if err := se.SetICEAddressRewriteRules(pion.ICEAddressRewriteRule{
			External:        []string{publicIP},
			AsCandidateType: pion.ICECandidateTypeHost,
			Mode:            pion.ICEAddressRewriteReplace,
		}); err != nil {
			return nil, fmt.Errorf("webrtc: public ip: %w", err)
		}
	}
	return pion.NewAPI(pion.WithMediaEngine(m), pion.WithInterceptorRegistry(ir), pion.WithSettingEngine(se)), nil
}
