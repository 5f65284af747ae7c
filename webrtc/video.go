package webrtc

import (
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
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
// the layers of one m-line make one track (publication), ordered as the
// offer's "a=simulcast" send list, which the join page gives lowest
// first (q, h, f). A RID that is not in the list is read and dropped.
func (c *call) onVideo(t *pion.TrackRemote, r *pion.RTPReceiver) {
	p, layer := c.publication(t, r)
	if p == nil {
		drainTrack(t)
		return
	}
	defer c.unpublish(p, r)
	p.ssrcs[layer].Store(uint32(t.SSRC()))
	if len(p.rids) > 0 {
		c.log.Info("guest sends a video layer", "rid", t.RID(), "layer", layer, "ssrc", uint32(t.SSRC()))
	}
	buf := make([]byte, 1500)
	var pkt rtp.Packet
	pt, mime := uint8(0), ""
	for {
		n, _, err := t.Read(buf)
		if err != nil {
			return
		}
		if pkt.Unmarshal(buf[:n]) != nil {
			continue
		}
		c.s.stats.videoPackets.Add(1)
		if pkt.PayloadType != pt || mime == "" {
			// pion has taken the codec of the new payload type.
			pt, mime = pkt.PayloadType, strings.ToLower(t.Codec().MimeType)
			p.follow(c, t.Codec())
		}
		if !p.sends(mime) {
			continue // a layer still in the old codec, or already in the new one
		}
		if track := p.publish(c); track != nil {
			track.Write(layer, &pkt)
		}
	}
}

// follow takes the codec the browser now sends (after a "codec" change):
// the track in the old codec is closed, so that receivers drop it, and the
// next packet publishes one in the new codec. Idempotent per codec.
func (p *publication) follow(c *call, codec pion.RTPCodecParameters) {
	p.mu.Lock()
	if strings.EqualFold(p.codec.MimeType, codec.MimeType) {
		p.mu.Unlock()
		return
	}
	old := p.track.Swap(nil)
	p.codec = codec
	p.mime.Store(strings.ToLower(codec.MimeType))
	p.mu.Unlock()
	if old != nil {
		old.Close()
	}
	c.log.Info("guest video codec changed", "codec", codec.MimeType)
}

// sends reports whether the publication's codec is mime, in lower case.
// It runs for every packet, so it neither locks nor allocates.
func (p *publication) sends(mime string) bool {
	m, _ := p.mime.Load().(string)
	return m == mime
}

// publication is the video a guest sends on one m-line: one track of the
// room, written by the goroutine of each of its simulcast layers.
type publication struct {
	codec pion.RTPCodecParameters
	rids  []string        // the layers' RIDs, lowest first; nil without simulcast
	ssrcs []atomic.Uint32 // each layer's SSRC, once its goroutine started

	track   atomic.Pointer[video.Track] // once published
	mime    atomic.Value                // string: codec.MimeType in lower case, read per packet
	mu      sync.Mutex                  // serialises publishing, closing and codec changes; guards codec
	readers int                         // guarded by publications.mu: the layers' goroutines running
}

// publications are a guest's video publications, by the RTPReceiver of
// their m-line. The zero publications is ready; it is safe for concurrent
// use.
type publications struct {
	mu sync.Mutex
	m  map[*pion.RTPReceiver]*publication // guarded by mu
}

// publication returns the publication of r's m-line, made by the first
// of its layers to arrive, and the layer t is; nil if t is a RID the
// offer does not list. The caller runs t's loop and calls unpublish when
// it ends.
func (c *call) publication(t *pion.TrackRemote, r *pion.RTPReceiver) (*publication, int) {
	return c.pubs.open(t, r, func() []string { return sendRIDs(c.pc.RemoteDescription(), r) })
}

// open is publication; rids returns the m-line's simulcast RIDs, for the
// first of its layers.
func (ps *publications) open(t *pion.TrackRemote, r *pion.RTPReceiver, rids func() []string) (*publication, int) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	p := ps.m[r]
	if p == nil {
		var list []string
		if t.RID() != "" {
			if list = rids(); list == nil {
				list = []string{t.RID()} // RIDs without simulcast: the first is the stream
			}
		}
		p = &publication{codec: t.Codec(), rids: list, ssrcs: make([]atomic.Uint32, max(len(list), 1))}
		p.mime.Store(strings.ToLower(p.codec.MimeType))
		if ps.m == nil {
			ps.m = make(map[*pion.RTPReceiver]*publication)
		}
		ps.m[r] = p
	}
	layer := 0
	if len(p.rids) > 0 {
		if layer = slices.Index(p.rids, t.RID()); layer < 0 {
			return nil, -1
		}
	}
	p.readers++
	return p, layer
}

// unpublish counts a layer's goroutine out; the last closes the track.
func (c *call) unpublish(p *publication, r *pion.RTPReceiver) {
	if !c.pubs.leave(p, r) {
		return
	}
	p.mu.Lock()
	if t := p.track.Swap(nil); t != nil {
		t.Close()
	}
	p.mu.Unlock()
}

// leave counts one of p's layers out, and reports whether it was the last
// (p is then forgotten).
func (ps *publications) leave(p *publication, r *pion.RTPReceiver) bool {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	p.readers--
	if p.readers > 0 {
		return false
	}
	delete(ps.m, r)
	return true
}

// publish returns the room's track, publishing it when the guest is in
// the room and the track is not yet; nil until then. The layers'
// goroutines call it for every packet.
func (p *publication) publish(c *call) *video.Track {
	if t := p.track.Load(); t != nil {
		return t
	}
	id := c.participant.Load()
	if id == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if t := p.track.Load(); t != nil {
		return t
	}
	t := c.room.Video().Publish(*id, video.Codec{MimeType: p.codec.MimeType, ClockRate: p.codec.ClockRate,
		Fmtp: p.codec.SDPFmtpLine}, len(p.ssrcs), func(l int) { c.requestKeyframe(p.ssrcs[l].Load()) })
	p.track.Store(t)
	c.log.Info("guest publishes video", "participant", *id, "codec", p.codec.MimeType, "rids", p.rids, "track", t.ID)
	return t
}

// requestKeyframe sends the guest a Picture Loss Indication (RFC 4585
// §6.3.1) for its stream ssrc (a simulcast layer's); nothing before the
// stream arrived. It runs on the stream's reader goroutine.
func (c *call) requestKeyframe(ssrc uint32) {
	if ssrc == 0 {
		return
	}
	if err := c.pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: ssrc}}); err == nil {
		c.s.stats.keyframeRequests.Add(1)
	}
}

// sendRIDs returns the RIDs the browser sends on r's m-line, in the
// order of its "a=simulcast:send" list (RFC 8853 §5.1); nil when desc
// has no such list.
func sendRIDs(desc *pion.SessionDescription, r *pion.RTPReceiver) []string {
	if desc == nil {
		return nil
	}
	mid := ""
	if tr := r.RTPTransceiver(); tr != nil {
		mid = tr.Mid()
	}
	// Parsed apart: pion's Unmarshal caches into the description, which
	// pion's own goroutines read.
	var sd sdp.SessionDescription
	if sd.UnmarshalString(desc.SDP) != nil {
		return nil
	}
	for _, md := range sd.MediaDescriptions {
		if m, _ := md.Attribute("mid"); m != mid {
			continue
		}
		v, ok := md.Attribute("simulcast")
		if !ok {
			return nil
		}
		return parseSendRIDs(v)
	}
	return nil
}

// parseSendRIDs returns the RIDs of the send direction of an
// "a=simulcast" value such as "send q;h;f" or "recv 1 send a,b;~c": one
// per stream, the first of its alternatives, without the paused mark "~".
func parseSendRIDs(v string) []string {
	f := strings.Fields(v)
	for i := 0; i+1 < len(f); i += 2 {
		if f[i] != "send" {
			continue
		}
		var rids []string
		for _, s := range strings.Split(f[i+1], ";") {
			first, _, _ := strings.Cut(s, ",")
			rids = append(rids, strings.TrimPrefix(first, "~"))
		}
		return rids
	}
	return nil
}
