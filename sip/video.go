package sip

import (
	"errors"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"

	"github.com/parleyhq/parley/media"
	"github.com/parleyhq/parley/video"
)

// h264 is the one video codec a SIP room system gets: what every room
// system and every browser Parley talks to can decode, forwarded without
// transcoding.
var h264 = video.Codec{MimeType: "video/H264", ClockRate: 90000}

// videoStream is a SIP room system's video: H.264 over RTP both ways on
// its own port (and the next one for RTCP, unless RTCP is multiplexed).
// What the room system sends is published to the room (browsers see it);
// what it receives is the active speaker's track, in the highest
// simulcast layer that flows (video.Track.Top: a room system has no
// bandwidth estimate), switched at a keyframe of the new speaker or layer
// and rewritten into one continuous stream (our SSRC, sequence numbers
// and timestamps). Its PLIs and FIRs ask the speaker for a keyframe of
// the layer it gets, and the room's keyframe requests for its own track
// go to it as PLIs.
//
// Its media follows the rule of media.Latch, as audio does: RTP and RTCP
// are taken only from the video SDP's IP or the signalling source IP (any
// port, for NAT), the first such RTP source is latched, and nothing is
// sent before media has arrived unless the SDP's IP is the signalling
// source IP; RTCP goes only to a verified IP.
//
// The reader goroutines hand packets to the published track; the room's
// publishers' goroutines call WriteRTP; mu guards the sending side.
type videoStream struct {
	log  *slog.Logger
	rtp  *media.Port
	rtcp *net.UDPConn // nil with rtcp-mux
	ssrc uint32       // ours, for what we send and our RTCP

	latchMu    sync.Mutex
	latch      media.Latch // guarded by latchMu: who may send to us, where we send
	rtcpRemote atomic.Pointer[netip.AddrPort]
	pt         atomic.Uint32 // the negotiated payload type (a re-INVITE may change it)
	peerSSRC   atomic.Uint32 // the room system's SSRC, once it sent
	sends      atomic.Bool   // the room system sends video (its direction allows)
	receives   atomic.Bool   // the room system receives video
	published  atomic.Pointer[video.Track]
	room       atomic.Pointer[video.Room]
	done       chan struct{}
	wg         sync.WaitGroup
	closeOnce  sync.Once

	mu      sync.Mutex
	current source          // guarded by mu: the track and layer being sent
	pending source          // guarded by mu: the next, sent from its first keyframe
	checked time.Time       // guarded by mu: when the layer to follow was last checked
	rw      *video.Rewriter // guarded by mu
	out     rtp.Packet      // guarded by mu
	buf     []byte          // guarded by mu
}

// source is one layer of one track; the zero source is none.
type source struct {
	t     *video.Track
	layer int
}

// layerCheck is how often a room system's stream checks which layer of
// the track it shows flows highest.
const layerCheck = 250 * time.Millisecond

// openVideo binds a port pair and starts a room system's video as neg
// says, with sig the signalling source IP. The stream joins a room with
// join.
func (s *Server) openVideo(neg *VideoNegotiation, sig netip.Addr, log *slog.Logger) (*videoStream, error) {
	v, err := s.bindVideo(neg.Mux, log)
	if err != nil {
		return nil, err
	}
	v.start(neg, s.peerOf(neg.Remote, sig))
	return v, nil
}

// bindVideo binds the ports of a video stream (RTP, and RTCP on the next
// port unless mux): a call out offers them before it knows the answer.
func (s *Server) bindVideo(mux bool, log *slog.Logger) (*videoStream, error) {
	port, err := s.ownPort()
	if err != nil {
		return nil, err
	}
	v := &videoStream{log: log, rtp: port, ssrc: rand.Uint32(), done: make(chan struct{}),
		buf: make([]byte, media.MaxPacketSize+64)}
	if !mux {
		// RTP on the even port, RTCP on the next (RFC 3550 §11). The port
		// range hands out even ports only, so the odd one is normally free.
		addr := netip.AddrPortFrom(s.rtpBindAddr(), uint16(port.Number()+1))
		if v.rtcp, err = net.ListenUDP("udp", net.UDPAddrFromAddrPort(addr)); err != nil {
			port.Close()
			return nil, err
		}
	}
	return v, nil
}

// start takes the negotiated stream and its peer (media.Latch) and starts
// the readers.
func (v *videoStream) start(neg *VideoNegotiation, peer media.Peer) {
	v.pt.Store(uint32(neg.PayloadType))
	v.rw = video.NewRewriter(v.ssrc, neg.PayloadType, h264.ClockRate, h264.MimeType, time.Now)
	v.latchMu.Lock()
	v.latch = media.NewLatch(peer)
	v.latchMu.Unlock()
	v.apply(neg, peer.SDP)
	v.wg.Add(1)
	go v.readRTP()
	if v.rtcp != nil {
		v.wg.Add(1)
		go v.readRTCP()
	}
}

// apply takes a (re)negotiation: addresses, payload type and directions;
// sdp is neg.Remote unless it is one of our broadcast addresses. A new
// address unlatches (media.Latch.SetSDP).
func (v *videoStream) apply(neg *VideoNegotiation, sdp netip.AddrPort) {
	rtcpRemote := neg.RTCP
	v.rtcpRemote.Store(&rtcpRemote)
	v.latchMu.Lock()
	if sdp != v.latch.Peer().SDP {
		v.latch.SetSDP(sdp)
	}
	v.latchMu.Unlock()
	v.sends.Store(neg.Direction == SendRecv || neg.Direction == RecvOnly)
	v.receives.Store(neg.Direction == SendRecv || neg.Direction == SendOnly)
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.rw == nil || v.pt.Swap(uint32(neg.PayloadType)) == uint32(neg.PayloadType) {
		return
	}
	// A new payload type: a new stream, from the speaker's next keyframe.
	v.rw = video.NewRewriter(v.ssrc, neg.PayloadType, h264.ClockRate, h264.MimeType, time.Now)
	if v.current.t != nil && v.pending.t == nil {
		v.pending, v.current = v.current, source{}
		v.pending.t.RequestKeyframe(v.pending.layer)
	}
}

// decline stops the video both ways, as for an inactive stream, when a
// re-offer declines it (m=video 0, RFC 3264 §8.2): nothing is sent to the
// room system and what it still sends reaches no one. A later offer with
// video takes it up again (apply).
func (v *videoStream) decline() {
	v.sends.Store(false)
	v.receives.Store(false)
}

// Port is the video RTP port for our SDP.
func (v *videoStream) Port() int { return v.rtp.Number() }

// join publishes the room system's video in room as participant's and
// subscribes it to the active speaker's.
func (v *videoStream) join(room *video.Room, participant string) {
	select {
	case <-v.done:
		return
	default:
	}
	v.room.Store(room)
	if v.sends.Load() {
		v.published.Store(room.Publish(participant, h264, 1, func(int) { v.requestKeyframe() }))
	}
	room.Subscribe(v, participant, video.Speaker, func(c video.Codec) bool { return c.Is(h264) })
}

// close leaves the room and stops the readers; it is idempotent.
func (v *videoStream) close() {
	v.closeOnce.Do(func() {
		close(v.done)
		if room := v.room.Load(); room != nil {
			room.Unsubscribe(v)
		}
		if t := v.published.Load(); t != nil {
			t.Close()
		}
		v.rtp.Close()
		if v.rtcp != nil {
			v.rtcp.Close()
		}
		v.wg.Wait()
	})
}

// readRTP reads the room system's video and hands it to its published
// track; RTCP that comes multiplexed on the port is handled as RTCP.
func (v *videoStream) readRTP() {
	defer v.wg.Done()
	buf := make([]byte, 1500)
	var pkt rtp.Packet
	for {
		n, from, err := v.rtp.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		b := buf[:n]
		from = netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
		if len(b) >= 2 && b[1] >= 192 && b[1] <= 223 {
			if v.allowed(from.Addr()) {
				v.onRTCP(b)
			}
			continue
		}
		if pkt.Unmarshal(b) != nil || uint32(pkt.PayloadType) != v.pt.Load() {
			continue
		}
		if !v.accept(from) { // symmetric RTP, latched as media.Latch says
			continue
		}
		v.peerSSRC.Store(pkt.SSRC)
		if t := v.published.Load(); t != nil && v.sends.Load() {
			t.Write(0, &pkt)
		}
	}
}

// readRTCP reads the RTCP port.
func (v *videoStream) readRTCP() {
	defer v.wg.Done()
	buf := make([]byte, 1500)
	for {
		n, from, err := v.rtcp.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		if v.allowed(from.Addr().Unmap()) {
			v.onRTCP(buf[:n])
		}
	}
}

// onRTCP turns the room system's PLIs and FIRs into a keyframe request to
// the track it is shown.
func (v *videoStream) onRTCP(b []byte) {
	pkts, err := rtcp.Unmarshal(b)
	if err != nil {
		return
	}
	for _, p := range pkts {
		switch p.(type) {
		case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
			v.mu.Lock()
			cur := v.current
			v.mu.Unlock()
			if cur.t != nil {
				cur.t.RequestKeyframe(cur.layer)
			}
		}
	}
}

// requestKeyframe asks the room system for a keyframe: a receiver report
// and a Picture Loss Indication (RFC 4585 §6.3.1), to its RTCP address. It
// runs on the published track's reader goroutine.
func (v *videoStream) requestKeyframe() {
	pkt, err := rtcp.Marshal([]rtcp.Packet{
		&rtcp.ReceiverReport{SSRC: v.ssrc},
		&rtcp.PictureLossIndication{SenderSSRC: v.ssrc, MediaSSRC: v.peerSSRC.Load()},
	})
	if err != nil {
		return
	}
	conn := v.rtcp
	if conn == nil { // rtcp-mux: where RTP goes
		if to, ok := v.target(); ok {
			_, _ = v.rtp.WriteToUDPAddrPort(pkt, to)
		}
		return
	}
	to := *v.rtcpRemote.Load()
	v.latchMu.Lock()
	ok := v.latch.Verified(to.Addr())
	v.latchMu.Unlock()
	if ok {
		_, _ = conn.WriteToUDPAddrPort(pkt, to)
	}
}

// accept reports whether RTP from from is taken, latching on to it if it
// is the first (media.Latch.Accept).
func (v *videoStream) accept(from netip.AddrPort) bool {
	v.latchMu.Lock()
	defer v.latchMu.Unlock()
	return v.latch.Accept(from)
}

// allowed reports whether ip may send us RTCP (media.Latch.Allowed).
func (v *videoStream) allowed(ip netip.Addr) bool {
	v.latchMu.Lock()
	defer v.latchMu.Unlock()
	return v.latch.Allowed(ip)
}

// target is where RTP goes, and false while nothing may be sent.
func (v *videoStream) target() (netip.AddrPort, bool) {
	v.latchMu.Lock()
	defer v.latchMu.Unlock()
	return v.latch.Target()
}

// SetTracks implements video.Subscriber: the room names the speaker's
// track. The stream keeps sending the one it sends until the first
// keyframe of the new one's top layer (the room asked for it), so the
// picture never breaks.
func (v *videoStream) SetTracks(tracks []*video.Track) {
	v.mu.Lock()
	defer v.mu.Unlock()
	var next *video.Track
	if len(tracks) > 0 {
		next = tracks[0]
	}
	if v.pending.t != nil && v.pending.t != next {
		if v.pending.t != v.current.t {
			v.pending.t.RemoveSink(v)
		}
		v.pending = source{}
	}
	switch {
	case next == nil:
		if v.current.t != nil {
			v.current.t.RemoveSink(v)
			v.current = source{}
		}
	case next != v.current.t && v.pending.t == nil:
		v.pending = source{next, next.Top()}
		next.AddSink(v)
	}
}

// WriteRTP implements video.Sink: a packet of the layer being sent goes
// out rewritten; the pending track or layer takes over at its first
// keyframe.
func (v *videoStream) WriteRTP(t *video.Track, layer int, pkt *rtp.Packet) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.follow()
	switch src := (source{t, layer}); {
	case src == v.current:
	case src == v.pending:
		if !video.IsKeyframe(t.Codec.MimeType, pkt.Payload) {
			return
		}
		if v.current.t != nil && v.current.t != t {
			v.current.t.RemoveSink(v)
		}
		if v.current.t == t {
			v.log.Info("video shows another layer", "participant", t.Participant, "track", t.ID,
				"from", v.current.layer, "layer", layer)
		} else {
			v.log.Info("video shows the speaker", "participant", t.Participant, "track", t.ID, "layer", layer)
		}
		v.current, v.pending = src, source{}
		v.rw.Switch()
	default:
		return
	}
	if !v.receives.Load() {
		return
	}
	v.out.Header, v.out.Payload = pkt.Header, pkt.Payload
	v.out.Extension, v.out.Extensions = false, nil
	if !v.rw.Rewrite(&v.out) {
		return
	}
	n, err := v.out.MarshalTo(v.buf)
	if err != nil {
		return
	}
	if to, ok := v.target(); ok {
		_, _ = v.rtp.WriteToUDPAddrPort(v.buf[:n], to)
	}
}

// follow moves the stream, every layerCheck, to the highest layer that
// flows of the track it shows or is about to show, asking for a keyframe
// of it: a publisher's top layer may start late and stop when its uplink
// shrinks. v.mu is held.
func (v *videoStream) follow() {
	now := time.Now()
	if now.Sub(v.checked) < layerCheck {
		return
	}
	v.checked = now
	want := v.pending
	if want.t == nil {
		want = v.current
	}
	if want.t == nil {
		return
	}
	top := source{want.t, want.t.Top()}
	switch {
	case top == want:
	case top == v.current:
		v.pending = source{} // back to the layer being sent: nothing to wait for
	default:
		v.pending = top
		top.t.RequestKeyframe(top.layer)
	}
}
