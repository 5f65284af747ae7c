package h323

import (
	"fmt"
	"log/slog"
	"net"
	"net/netip"

	"github.com/parleyhq/parley/media"
)

// callMedia is the RTP of one call. Its port is bound when the call starts,
// since its address goes into the fastStart proposals and the
// OpenLogicalChannels before any codec is agreed; the stream is made on it
// once one is (open), and the peer's RTP address set when H.245 names it
// (setRemote). The stream owns the port from then on.
type callMedia struct {
	port   *media.Port
	rtcp   *net.UDPConn // the RTCP socket at port+1, handed to the stream's session
	local  netip.Addr   // the address advertised in H.245's TransportAddresses
	stream *media.Stream
}

// rtpAddr is where the peer sends our RTP: H.245's mediaChannel.
func (m *callMedia) rtpAddr() netip.AddrPort {
	return netip.AddrPortFrom(m.local, uint16(m.port.Number()))
}

// rtcpAddr is where the peer sends our RTCP: H.245's mediaControlChannel,
// the port above the RTP one (H.225.0 §6.1 pairs them as RTP does).
func (m *callMedia) rtcpAddr() netip.AddrPort {
	return netip.AddrPortFrom(m.local, uint16(m.port.Number()+1))
}

// newMedia binds an RTP port from the range and the RTCP port above it;
// local is the address to advertise. An RTCP port that cannot be bound
// leaves the call without RTCP, as for SIP.
func (s *Server) newMedia(local netip.Addr) (*callMedia, error) {
	port, err := s.opts.Ports.Listen(s.rtpBindAddr())
	if err != nil {
		return nil, fmt.Errorf("rtp: %w", err)
	}
	m := &callMedia{port: port, local: local}
	addr := netip.AddrPortFrom(s.rtpBindAddr(), uint16(port.Number()+1))
	if m.rtcp, err = net.ListenUDP("udp", net.UDPAddrFromAddrPort(addr)); err != nil {
		s.log.Warn("no rtcp for this call: cannot bind the rtcp port", "port", port.Number()+1, "err", err)
		m.rtcp = nil
	}
	return m, nil
}

// open starts the stream for the agreed format: its media comes only from
// the signalling peer's IP or the address H.245 named (remote, when known
// yet), as for SIP (media.Latch). Digits found in band are handed to
// onDigit. It may be called once; a second call returns the stream made.
func (m *callMedia) open(f media.Format, pt uint8, remote, rtcpRemote netip.AddrPort, sig netip.Addr, onDigit func(rune), log *slog.Logger) (*media.Stream, error) {
	if m.stream != nil {
		return m.stream, nil
	}
	stream, err := media.NewStream(m.port, peerOf(remote, sig, log), media.StreamConfig{
		Format: f, PayloadType: pt, OnDigit: onDigit,
		// H.323 sends digits as UserInputIndication or keypad; a room
		// system that sends only tones is heard all the same.
		InbandDTMF: true,
	})
	if err != nil {
		return nil, err
	}
	m.stream = stream
	if m.rtcp != nil {
		cfg := media.RTCPConfig{Format: f, Conn: m.rtcp, Remote: rtcpRemote}
		if err := stream.Session().EnableRTCP(cfg); err != nil {
			log.Warn("no rtcp for this call", "err", err)
			m.rtcp.Close()
		}
		m.rtcp = nil // the session owns it now
	}
	if err := stream.Start(); err != nil {
		return nil, err
	}
	return stream, nil
}

// setRemote tells the stream where the peer receives, once H.245 has said
// (an OpenLogicalChannelAck, or the fastStart answer).
func (m *callMedia) setRemote(rtp, rtcp netip.AddrPort) {
	if m.stream == nil {
		return
	}
	if rtp.IsValid() {
		m.stream.Session().SetRemote(rtp)
	}
	if rtcp.IsValid() {
		m.stream.Session().SetRTCPRemote(rtcp)
	}
}

// close releases the stream, or the bare ports if none was made.
func (m *callMedia) close() {
	if m.stream != nil {
		m.stream.Close()
		return
	}
	m.port.Close()
	if m.rtcp != nil {
		m.rtcp.Close()
	}
}

// peerOf is media.NewPeer's Peer of a stream whose H.245 names remote and
// whose signalling came from sig; a failure to read the interfaces is
// logged.
func peerOf(remote netip.AddrPort, sig netip.Addr, log *slog.Logger) media.Peer {
	p, err := media.NewPeer(remote, sig)
	if err != nil {
		log.Warn("cannot read the interfaces' broadcast addresses", "err", err)
	}
	return p
}

// rtpBindAddr is the address RTP sockets bind to: Options.RTPListenIP, or
// every interface.
func (s *Server) rtpBindAddr() netip.Addr {
	if s.opts.RTPListenIP.IsValid() {
		return s.opts.RTPListenIP
	}
	return netip.IPv4Unspecified()
}

// advertised is the address H.225.0 and H.245 name for Parley on a
// connection whose local end is local: Options.PublicIP, else
// RTPListenIP when it is a specific address, else local.
func (s *Server) advertised(local netip.Addr) netip.Addr {
	switch {
	case s.opts.PublicIP.IsValid():
		return s.opts.PublicIP
	case s.opts.RTPListenIP.IsValid() && !s.opts.RTPListenIP.IsUnspecified():
		return s.opts.RTPListenIP
	}
	return local.Unmap()
}
