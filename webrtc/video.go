package webrtc

import (
	"strings"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	pion "github.com/pion/webrtc/v4"
)

// pliInterval is the least time between two keyframe requests Parley
// sends one publisher: every receiver's PLI and FIR, and every new
// receiver, asks for a keyframe, and a publisher that encoded one for each
// would spend its bandwidth on keyframes.
const pliInterval = 500 * time.Millisecond

// publisher is one video track a guest sends, forwarded as it is (an SFU:
// no decoding, no mixing) to every other guest in the room. Its reader
// goroutine (forwardVideo) reads the browser's RTP and writes it to local,
// a TrackLocalStaticRTP that the hub adds to each receiver's
// PeerConnection; pion's binding for each receiver puts that
// PeerConnection's SSRC and payload type on the packets.
type publisher struct {
	c     *call
	ssrc  uint32 // the browser's SSRC for this track: PLIs name it
	codec pion.RTPCodecCapability
	kf    keyframes

	// local is set by the hub, under its lock, once the publishing guest
	// is in the room; nil until then, when nothing is forwarded.
	local atomic.Pointer[pion.TrackLocalStaticRTP]
}

// onVideo handles a video track the browser sends, on the goroutine pion
// started for it. With simulcast (RFC 8853) pion starts one per layer
// (RID); only the highest layer is forwarded, the others are read and
// dropped.
//
// Choosing the layer for each receiver by its bandwidth estimate needs
// more than this: a publisher per layer, a forwarder per receiver that
// switches layers only at a keyframe of the new layer (asking for one),
// and rewrites sequence numbers, timestamps and the VP8 picture ID so the
// receiver sees one continuous stream; and an estimate per receiver, from
// the transport-wide feedback it sends (a GCC sender-side estimator, which
// pion's default interceptors do not include). None of that exists yet,
// so every receiver gets the highest layer.
func (c *call) onVideo(t *pion.TrackRemote, r *pion.RTPReceiver) {
	if rid := t.RID(); rid != "" && rid != topRID(c.pc.RemoteDescription(), r) {
		drainTrack(t)
		return
	}
	p := &publisher{c: c, ssrc: uint32(t.SSRC()), codec: t.Codec().RTPCodecCapability,
		kf: keyframes{now: time.Now, interval: pliInterval}}
	if !c.s.video.publish(p) {
		drainTrack(t)
		return
	}
	defer c.s.video.unpublish(p)
	c.log.Info("guest publishes video", "codec", p.codec.MimeType, "rid", t.RID())
	buf := make([]byte, 1500)
	var pkt rtp.Packet
	for {
		n, _, err := t.Read(buf)
		if err != nil {
			return
		}
		if pkt.Unmarshal(buf[:n]) != nil {
			continue
		}
		c.s.stats.videoPackets.Add(1)
		if local := p.local.Load(); local != nil {
			// Header extension IDs are negotiated per PeerConnection (RFC
			// 8285): the publisher's (MID, RID, transport-cc sequence)
			// mean nothing, or something else, to a receiver. pion's
			// interceptors add the receiver's own.
			pkt.Extension = false
			pkt.Extensions = pkt.Extensions[:0]
			_ = local.WriteRTP(&pkt) // an error names a receiver that is leaving
		}
		if p.kf.due() {
			p.requestKeyframe()
		}
	}
}

// requestKeyframe sends the publisher a Picture Loss Indication (RFC 4585
// §6.3.1) for its track. It runs on the publisher's reader goroutine.
func (p *publisher) requestKeyframe() {
	if err := p.c.pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: p.ssrc}}); err == nil {
		p.c.s.stats.keyframeRequests.Add(1)
	}
}

// keyframes rate-limits the keyframe requests for one publisher: any
// goroutine may ask (request); the publisher's reader goroutine checks
// due on every packet and sends the PLI when due says so. A request that
// comes too soon after the last PLI is not dropped but sent once the
// interval has passed, so a new receiver always gets its keyframe.
type keyframes struct {
	now      func() time.Time
	interval time.Duration

	wanted atomic.Bool
	last   time.Time // owned by the reader goroutine (due)
}

// request asks for a keyframe. It may be called from any goroutine.
func (k *keyframes) request() { k.wanted.Store(true) }

// due reports whether a keyframe request should go out now, and if so
// counts it as sent. Only the reader goroutine calls it.
func (k *keyframes) due() bool {
	if !k.wanted.Load() {
		return false
	}
	now := k.now()
	if !k.last.IsZero() && now.Sub(k.last) < k.interval {
		return false
	}
	if !k.wanted.CompareAndSwap(true, false) {
		return false
	}
	k.last = now
	return true
}

// relayKeyframeRequests reads the RTCP a receiver sends for the forwarded
// track of p, until the track is removed or the PeerConnection closes,
// and turns its PLIs and FIRs (RFC 5104 §4.3.1) into keyframe requests to
// the publisher. Reading also feeds pion's interceptors (NACK, reports).
// It runs on one of the receiving call's media goroutines.
func relayKeyframeRequests(s *pion.RTPSender, p *publisher) {
	for {
		pkts, _, err := s.ReadRTCP()
		if err != nil {
			return
		}
		for _, pkt := range pkts {
			switch pkt.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				p.kf.request()
			}
		}
	}
}

// topRID returns the RID of the highest simulcast layer the browser sends
// on r's m-line: the last of the "a=simulcast:send" list (RFC 8853),
// as the join page lists its encodings from the lowest to the highest
// (q, h, f). It returns "" when desc has no such list.
func topRID(desc *pion.SessionDescription, r *pion.RTPReceiver) string {
	if desc == nil {
		return ""
	}
	mid := ""
	if tr := r.RTPTransceiver(); tr != nil {
		mid = tr.Mid()
	}
	sd, err := desc.Unmarshal()
	if err != nil {
		return ""
	}
	for _, md := range sd.MediaDescriptions {
		if m, _ := md.Attribute("mid"); m != mid {
			continue
		}
		v, ok := md.Attribute("simulcast")
		if !ok {
			return ""
		}
		return lastSendRID(v)
	}
	return ""
}

// lastSendRID returns the last RID of the send direction of an
// "a=simulcast" value such as "send q;h;f" or "recv 1 send a,b;~c",
// taking the first of alternatives and ignoring the paused mark "~".
func lastSendRID(v string) string {
	f := strings.Fields(v)
	for i := 0; i+1 < len(f); i += 2 {
		if f[i] != "send" {
			continue
		}
		streams := strings.Split(f[i+1], ";")
		last := strings.Split(streams[len(streams)-1], ",")[0]
		return strings.TrimPrefix(last, "~")
	}
	return ""
}
