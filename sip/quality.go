package sip

import (
	"net"
	"net/netip"
	"strings"

	"github.com/parleyhq/parley/media"
)

// LegQuality is the call quality of one SIP leg when its media ended, for
// metrics: the RTCP figures and what to label them by.
type LegQuality struct {
	media.Quality
	// Codec is the leg's audio encoding name ("PCMU", "opus").
	Codec string
	// Transport is the SIP transport of the call: "udp", "tcp", "tls".
	Transport string
}

// enableRTCP turns on the stream's RTCP (RFC 3550 §6) as neg agreed it:
// multiplexed on the RTP port with rtcp-mux, else on the RTP port + 1,
// which the port range never hands out (media.PortRange gives even ports
// only). If that port cannot be bound the leg goes without RTCP, which is
// logged: the call itself is not at stake. A leg on a shared RTP socket
// (shared) has RTCP only multiplexed: the port above is not its own.
func (s *Server) enableRTCP(stream *media.Stream, rtpPort int, shared bool, neg *Negotiation) {
	cfg := media.RTCPConfig{Format: neg.Format}
	if !neg.RTCPMux && shared {
		return
	}
	if !neg.RTCPMux {
		addr := netip.AddrPortFrom(s.rtpBindAddr(), uint16(rtpPort+1))
		conn, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(addr))
		if err != nil {
			s.log.Warn("no rtcp for this call: cannot bind the rtcp port", "port", rtpPort+1, "err", err)
			return
		}
		cfg.Conn, cfg.Remote = conn, neg.RTCP
	}
	if err := stream.Session().EnableRTCP(cfg); err != nil {
		if cfg.Conn != nil {
			cfg.Conn.Close()
		}
		s.log.Warn("no rtcp for this call", "err", err)
	}
}

// Quality returns the call's quality so far (RTCP, media.Quality), and
// false while it has no media or no RTCP: the bridge shows it per
// participant and records it when they leave.
func (c *call) Quality() (media.Quality, bool) {
	m := c.media.Load()
	if m == nil || m.Stream == nil {
		return media.Quality{}, false
	}
	return m.Session().Quality()
}

// mediaEnded hands the final counters and quality of the call's stream
// m, now closed, to the hook for ended media, if set.
func (c *call) mediaEnded(m *callStream) {
	if f := c.server.opts.OnMediaEnded; f != nil {
		st := rtpStatsOf(m)
		st.Quality = c.legQuality(m)
		f(st)
	}
}

// legQuality returns the quality of the call's stream m, labelled for
// metrics, or nil without RTCP.
func (c *call) legQuality(m *callStream) *LegQuality {
	if m == nil || m.Stream == nil {
		return nil
	}
	q, ok := m.Session().Quality()
	if !ok {
		return nil
	}
	return &LegQuality{Quality: q, Codec: m.Format().Name, Transport: c.transport()}
}

// transport returns the SIP transport of the call's INVITE, lower case.
func (c *call) transport() string {
	switch {
	case c.uas != nil:
		return strings.ToLower(c.uas.InviteRequest.Transport())
	case c.uac != nil:
		return strings.ToLower(c.uac.InviteRequest.Transport())
	}
	return ""
}
