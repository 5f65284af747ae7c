package webrtc

import (
	"fmt"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
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

// newAPI builds the pion API every guest's PeerConnection comes from:
//
//   - a MediaEngine with Opus as the only audio codec and the RFC 6464
//     client-to-mixer audio level header extension, so that silent guests
//     are not decoded (video codecs come with video forwarding; until then
//     a browser's video m-line is rejected);
//   - pion's default interceptors (RTCP sender and receiver reports, NACK,
//     transport-wide congestion control feedback);
//   - a SettingEngine that gathers host candidates on the shared UDP mux
//     only (no other sockets, no mDNS), advertising publicIP instead of the
//     local address behind a 1:1 NAT, and logging through the server's
//     logger.
func newAPI(mux ice.UDPMux, loopback bool, publicIP string, logs loggerFactory) (*pion.API, error) {
	m := &pion.MediaEngine{}
	if err := m.RegisterCodec(pion.RTPCodecParameters{RTPCodecCapability: opusCodec, PayloadType: opusPayloadType},
		pion.RTPCodecTypeAudio); err != nil {
		return nil, fmt.Errorf("webrtc: register opus: %w", err)
	}
	if err := m.RegisterHeaderExtension(pion.RTPHeaderExtensionCapability{URI: sdp.AudioLevelURI},
		pion.RTPCodecTypeAudio); err != nil {
		return nil, fmt.Errorf("webrtc: register audio level: %w", err)
	}
	ir := &interceptor.Registry{}
	if err := pion.RegisterDefaultInterceptorsWithOptions(m, ir, pion.WithInterceptorLoggerFactory(logs)); err != nil {
		return nil, fmt.Errorf("webrtc: interceptors: %w", err)
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
