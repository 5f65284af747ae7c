package webrtc

import (
	"strings"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	pion "github.com/pion/webrtc/v4"

	"github.com/parleyhq/parley/video"
)

// browserCodecs are the forwarded codecs a browser receives: those
// negotiated with it (videoCodecs). A room system's track in another codec
// is not offered to browsers.
func browserCodecs(c video.Codec) bool { return capabilityFor(c) != nil }

// capabilityFor returns the codec Parley negotiates with browsers that
// carries c, or nil. A forwarded track is labelled with it, whatever the
// publisher's format parameters, so that pion binds it to every receiver:
// an H.264 stream from a room system in packetization-mode 0 is also valid
// in mode 1 (RFC 6184 §6.2, §6.3).
func capabilityFor(c video.Codec) *pion.RTPCodecCapability {
	for i := range videoCodecs {
		if strings.EqualFold(videoCodecs[i].MimeType, c.MimeType) {
			return &videoCodecs[i].RTPCodecCapability
		}
	}
	return nil
}

// onVideo handles a video track the browser sends, on the goroutine pion
// started for it: once the guest is in the room, the track is published
// to the room's video (bridge.Room.Video) and every packet is handed to
// it, unchanged, for the receivers the room chose. Until then packets
// are dropped: a guest the room refuses never shows its camera to anyone.
// With simulcast (RFC 8853) pion starts one goroutine per layer (RID);
// only the highest layer is published, the others are read and dropped.
func (c *call) onVideo(t *pion.TrackRemote, r *pion.RTPReceiver) {
	if rid := t.RID(); rid != "" && rid != topRID(c.pc.RemoteDescription(), r) {
		drainTrack(t)
		return
	}
	codec := t.Codec()
	ssrc := uint32(t.SSRC())
	var track *video.Track
	defer func() {
		if track != nil {
			track.Close()
		}
	}()
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
		if track == nil {
			id := c.participant.Load()
			if id == nil {
				continue
			}
			track = c.room.Video().Publish(*id, video.Codec{MimeType: codec.MimeType,
				ClockRate: codec.ClockRate, Fmtp: codec.SDPFmtpLine}, func() { c.requestKeyframe(ssrc) })
			c.log.Info("guest publishes video", "codec", codec.MimeType, "rid", t.RID(), "track", track.ID)
		}
		// Header extension IDs are negotiated per PeerConnection (RFC
		// 8285): the publisher's (MID, RID, transport-cc sequence) mean
		// nothing, or something else, to a receiver.
		pkt.Extension = false
		pkt.Extensions = pkt.Extensions[:0]
		track.Write(&pkt)
	}
}

// requestKeyframe sends the guest a Picture Loss Indication (RFC 4585
// §6.3.1) for its track ssrc. It runs on the track's reader goroutine.
func (c *call) requestKeyframe(ssrc uint32) {
	if err := c.pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: ssrc}}); err == nil {
		c.s.stats.keyframeRequests.Add(1)
	}
}

// forward is one forwarded track on a guest's PeerConnection: a Sink of
// the room's track that writes its packets to a local track of this
// PeerConnection, where pion puts the receiver's SSRC and payload type on
// them.
type forward struct {
	local  *pion.TrackLocalStaticRTP
	sender *pion.RTPSender
	out    rtp.Packet // owned by the publisher's reader goroutine (WriteRTP)
}

// WriteRTP implements video.Sink.
func (f *forward) WriteRTP(_ *video.Track, pkt *rtp.Packet) {
	f.out.Header, f.out.Payload = pkt.Header, pkt.Payload
	_ = f.local.WriteRTP(&f.out) // an error names a receiver that is leaving
}

// relayKeyframeRequests reads the RTCP a receiver sends for the forwarded
// track t, until the track is removed or the PeerConnection closes, and
// turns its PLIs and FIRs (RFC 5104 §4.3.1) into keyframe requests to the
// publisher. Reading also feeds pion's interceptors (NACK, reports). It
// runs on one of the receiving call's media goroutines.
func relayKeyframeRequests(s *pion.RTPSender, t *video.Track) {
	for {
		pkts, _, err := s.ReadRTCP()
		if err != nil {
			return
		}
		for _, pkt := range pkts {
			switch pkt.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				t.RequestKeyframe()
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
