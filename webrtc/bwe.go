package webrtc

import (
	"math"
	"sync"
	"sync/atomic"

	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/cc"
	"github.com/pion/interceptor/pkg/gcc"
	"github.com/pion/interceptor/pkg/twcc"
)

// initialEstimate is the bandwidth estimate, in bit/s, a receiver starts
// with: libwebrtc's start rate. GCC raises it from there while the
// browser's transport-wide feedback shows no queue building up
// (draft-ietf-rmcat-gcc-02 §5.5: by 8 % a second; pion's GCC does not
// probe), so a receiver gets a low simulcast layer first and climbs.
const initialEstimate = 300_000

// registerEstimator adds to ir what estimates each receiver's bandwidth
// from our side (sender-side GCC, draft-ietf-rmcat-gcc-02): pion's
// congestion control interceptor, which gives every PeerConnection its own
// GCC estimator and hands it to found with the PeerConnection's ID, fed
// the video we send only (videoOnlyFactory: audio carries no
// transport-wide number, registerInterceptors), and
// the interceptor that numbers every packet we send with the
// transport-wide sequence number (draft-holmer-rmcat-transport-wide-cc-
// extensions-01), whose header extension and "transport-cc" feedback the
// MediaEngine already offers. The browser's transport-cc feedback, read
// with the RTCP of any of our senders, feeds the estimator.
//
// The order matters: the numbering interceptor is added last so that it
// runs first on the way out, and the estimator sees the number. The
// estimator does not pace (NoOpPacer): forwarded packets go out at once,
// and each receiver's layer choice keeps what it is sent under its
// estimate.
func registerEstimator(ir *interceptor.Registry, logs loggerFactory, found cc.NewPeerConnectionCallback) error {
	f, err := cc.NewInterceptor(func() (cc.BandwidthEstimator, error) {
		return gcc.NewSendSideBWE(gcc.SendSideBWEInitialBitrate(initialEstimate),
			gcc.SendSideBWEPacer(gcc.NewNoOpPacer()), gcc.WithLoggerFactory(logs))
	})
	if err != nil {
		return err
	}
	f.OnNewPeerConnection(found)
	ir.Add(videoOnlyFactory{f})
	numbers, err := twcc.NewHeaderExtensionInterceptor()
	if err != nil {
		return err
	}
	ir.Add(numbers)
	return nil
}

// estimators hands each new PeerConnection's estimator to its call: pion
// announces it (OnNewPeerConnection) from within NewPeerConnection, keyed
// by the PeerConnection's ID, and the call takes it once NewPeerConnection
// returns. It is safe for concurrent use.
type estimators struct {
	mu sync.Mutex
	m  map[string]cc.BandwidthEstimator // guarded by mu
}

// add keeps e for the PeerConnection id.
func (s *estimators) add(id string, e cc.BandwidthEstimator) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = make(map[string]cc.BandwidthEstimator)
	}
	s.m[id] = e
}

// take returns and forgets the estimator of the PeerConnection id; nil if
// there is none.
func (s *estimators) take(id string) cc.BandwidthEstimator {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.m[id]
	delete(s.m, id)
	return e
}

// estimator is what forwarding reads of a receiver's bandwidth estimator
// (cc.BandwidthEstimator).
type estimator interface {
	// GetTargetBitrate returns the estimate in bit/s.
	GetTargetBitrate() int
}

// downlink is one receiver's bandwidth, shared by the forwards to it.
type downlink struct {
	bwe      estimator    // nil: unknown
	forwards atomic.Int32 // the forwarded tracks on the receiver's PeerConnection
}

// share returns one forward's part of the receiver's estimate, in bit/s:
// an even share between its forwarded tracks (the audio, some 40 kbit/s,
// fits in the margin Choose keeps to move up). Without an estimate it is
// unlimited: every forward gets its highest layer.
func (d *downlink) share() uint64 {
	if d == nil || d.bwe == nil {
		return math.MaxUint64
	}
	return uint64(max(d.bwe.GetTargetBitrate(), 0)) / uint64(max(d.forwards.Load(), 1))
}
