package webrtc

import (
	"strings"

	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/nack"
	"github.com/pion/interceptor/pkg/report"
	"github.com/pion/interceptor/pkg/twcc"
	"github.com/pion/sdp/v3"
	pion "github.com/pion/webrtc/v4"
)

// registerInterceptors adds to m and ir what pion's
// RegisterDefaultInterceptors adds, in its order, less what an audio
// packet need not pay for:
//
//   - NACK generator and responder, "nack" and "nack pli" feedback on
//     video (as pion's);
//   - RTCP sender and receiver reports, on every stream (as pion's);
//   - the MID and RID header extensions simulcast needs (as pion's);
//   - the transport-wide sequence number extension and "transport-cc"
//     feedback on video only, and the interceptor that sends that
//     feedback for what the browser sends. pion's also offers them on
//     audio: every audio packet then carries a transport-wide number and
//     each side sends the other ten feedback packets a second per guest,
//     for an estimate only forwarded video uses (bwe.go); Opus's rate is
//     Parley's choice, not the estimate's;
//   - no stats interceptor: it records every packet for
//     PeerConnection.GetStats, which Parley never calls (its counters are
//     its own, server.go).
func registerInterceptors(m *pion.MediaEngine, ir *interceptor.Registry, logs loggerFactory) error {
	if err := pion.ConfigureNackWithOptions(m, ir,
		[]nack.GeneratorOption{nack.WithGeneratorLoggerFactory(logs)},
		nack.WithResponderLoggerFactory(logs)); err != nil {
		return err
	}
	if err := pion.ConfigureRTCPReportsWithOptions(ir,
		[]report.ReceiverOption{report.WithReceiverLoggerFactory(logs)},
		report.WithSenderLoggerFactory(logs)); err != nil {
		return err
	}
	if err := pion.ConfigureSimulcastExtensionHeaders(m); err != nil {
		return err
	}
	m.RegisterFeedback(pion.RTCPFeedback{Type: pion.TypeRTCPFBTransportCC}, pion.RTPCodecTypeVideo)
	if err := m.RegisterHeaderExtension(pion.RTPHeaderExtensionCapability{URI: sdp.TransportCCURI},
		pion.RTPCodecTypeVideo); err != nil {
		return err
	}
	feedback, err := twcc.NewSenderInterceptor(twcc.WithLoggerFactory(logs))
	if err != nil {
		return err
	}
	ir.Add(feedback)
	return nil
}

// videoOnlyFactory makes interceptors that act on the video streams a
// PeerConnection sends and leave its audio streams alone: the bandwidth
// estimator (bwe.go) would otherwise record every audio packet sent, for
// feedback audio no longer gets.
type videoOnlyFactory struct{ interceptor.Factory }

// NewInterceptor implements interceptor.Factory.
func (f videoOnlyFactory) NewInterceptor(id string) (interceptor.Interceptor, error) {
	i, err := f.Factory.NewInterceptor(id)
	if err != nil {
		return nil, err
	}
	return videoOnly{i}, nil
}

// videoOnly is an interceptor that binds only the local video streams;
// everything else passes to the one it wraps.
type videoOnly struct{ interceptor.Interceptor }

// BindLocalStream implements interceptor.Interceptor: an audio stream's
// writer is returned as it is.
func (v videoOnly) BindLocalStream(info *interceptor.StreamInfo, w interceptor.RTPWriter) interceptor.RTPWriter {
	if isAudio(info) {
		return w
	}
	return v.Interceptor.BindLocalStream(info, w)
}

// UnbindLocalStream implements interceptor.Interceptor.
func (v videoOnly) UnbindLocalStream(info *interceptor.StreamInfo) {
	if !isAudio(info) {
		v.Interceptor.UnbindLocalStream(info)
	}
}

// isAudio reports whether a stream's codec is audio (its MIME type is
// "audio/…").
func isAudio(info *interceptor.StreamInfo) bool {
	return len(info.MimeType) >= 6 && strings.EqualFold(info.MimeType[:6], "audio/")
}
