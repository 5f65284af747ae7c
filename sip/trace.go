package sip

import (
	"bytes"
	"net"
	"net/netip"

	"github.com/parleyhq/parley/trace"
)

// Tracer is what the SIP edge needs of the SIP message trace (package
// trace's Switch): On on every message, one atomic load, and Observe for
// each message while On.
type Tracer interface {
	On() bool
	Observe(trace.Message)
}

// maxTracedTCP bounds a message the TCP trace reassembles; a longer one
// (sipgo refuses it anyway) is not traced.
const maxTracedTCP = 128 << 10

// traceable wraps the sockets of a listener so that the messages that
// pass them reach s's Tracer; without one it returns them as they are.
// Each datagram is one message; on TCP and TLS (in clear, inside the TLS
// listener's wrapper) each Write of sipgo is one message and reads are
// reassembled with the framer. Connections and sockets sipgo opens
// itself (a TCP call out) are not traced.
func (s *Server) traceablePacket(c net.PacketConn) net.PacketConn {
	if s.opts.Trace == nil {
		return c
	}
	return &tracePacketConn{PacketConn: c, t: s.opts.Trace, local: addrPortOf(c.LocalAddr()), localIP: s.localIPTowards}
}

func (s *Server) traceableListener(ln net.Listener, transport string) net.Listener {
	if s.opts.Trace == nil {
		return ln
	}
	return &traceListener{Listener: ln, t: s.opts.Trace, transport: transport}
}

// localIPTowards is our address towards remote (the public IP if set),
// for a trace of a socket bound to every interface.
func (s *Server) localIPTowards(remote netip.AddrPort) netip.Addr {
	return s.localAddr(remote.String())
}

// tracePacketConn is a UDP listening socket whose datagrams are traced.
type tracePacketConn struct {
	net.PacketConn
	t       Tracer
	local   netip.AddrPort
	localIP func(netip.AddrPort) netip.Addr // for a local address that is unspecified
}

// ReadFrom implements net.PacketConn.
func (c *tracePacketConn) ReadFrom(b []byte) (int, net.Addr, error) {
	n, addr, err := c.PacketConn.ReadFrom(b)
	if n > 0 && c.t.On() && !keepAlive(b[:n]) {
		c.t.Observe(trace.Message{Dir: trace.Received, Transport: "udp", Local: c.local,
			Remote: addrPortOf(addr), Data: b[:n], LocalIP: c.localIP})
	}
	return n, addr, err
}

// WriteTo implements net.PacketConn.
func (c *tracePacketConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	n, err := c.PacketConn.WriteTo(b, addr)
	if n > 0 && c.t.On() && !keepAlive(b[:n]) {
		c.t.Observe(trace.Message{Dir: trace.Sent, Transport: "udp", Local: c.local,
			Remote: addrPortOf(addr), Data: b[:n], LocalIP: c.localIP})
	}
	return n, err
}

// traceListener is a tcp:// or tls:// listener whose connections are
// traced.
type traceListener struct {
	net.Listener
	t         Tracer
	transport string
}

// Accept implements net.Listener.
func (l *traceListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &traceConn{Conn: c, t: l.t, transport: l.transport,
		local: addrPortOf(c.LocalAddr()), remote: addrPortOf(c.RemoteAddr())}, nil
}

// traceConn traces one TCP or TLS connection. Read is called by one
// goroutine at a time (sipgo's reader), which owns the reassembly.
type traceConn struct {
	net.Conn
	t             Tracer
	transport     string
	local, remote netip.AddrPort

	// Reassembly of the messages read, while tracing is on.
	synced bool   // at a message boundary since tracing went on
	frame  framer // where the message being read ends
	msg    []byte // the message so far
}

// Read implements net.Conn. While tracing is off it only notes that the
// stream must be followed again from the next read that begins a message
// once tracing is back on.
func (c *traceConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if n > 0 {
		if c.t.On() {
			c.follow(b[:n])
		} else if c.synced {
			c.synced, c.msg = false, nil
		}
	}
	return n, err
}

// follow reassembles data into messages and traces each whole one.
func (c *traceConn) follow(data []byte) {
	if !c.synced {
		if !startsMessage(data) {
			return
		}
		c.synced, c.frame, c.msg = true, framer{}, c.msg[:0]
	}
	for len(data) > 0 {
		used, done := c.frame.feed(data)
		if len(c.msg)+used > maxTracedTCP {
			c.synced, c.msg = false, nil
			return
		}
		c.msg = append(c.msg, data[:used]...)
		data = data[used:]
		if done {
			if m := bytes.TrimLeft(c.msg, "\r\n"); len(m) > 0 {
				c.t.Observe(trace.Message{Dir: trace.Received, Transport: c.transport, Local: c.local,
					Remote: c.remote, Data: m})
			}
			c.msg = c.msg[:0]
		}
	}
	if !c.frame.inMessage() {
		c.msg = c.msg[:0] // keep-alive CRLFs only
	}
}

// Write implements net.Conn: sipgo writes each message in one Write.
func (c *traceConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	if n > 0 && c.t.On() && !keepAlive(b[:n]) {
		c.t.Observe(trace.Message{Dir: trace.Sent, Transport: c.transport, Local: c.local,
			Remote: c.remote, Data: b[:n]})
	}
	return n, err
}

// startsMessage tells whether data, after any keep-alive CRLFs, begins
// a SIP start line: "SIP/2.0 " or an upper-case method and a space.
func startsMessage(data []byte) bool {
	data = bytes.TrimLeft(data, "\r\n")
	if bytes.HasPrefix(data, []byte("SIP/2.0 ")) {
		return true
	}
	i := 0
	for i < len(data) && data[i] >= 'A' && data[i] <= 'Z' {
		i++
	}
	return i > 0 && i < len(data) && data[i] == ' '
}

// keepAlive tells whether data is only CR and LF (RFC 5626 keep-alives).
func keepAlive(data []byte) bool { return len(bytes.Trim(data, "\r\n")) == 0 }

// addrPortOf converts a socket address, an IPv4-mapped one to IPv4; an
// unknown kind gives the zero AddrPort.
func addrPortOf(a net.Addr) netip.AddrPort {
	var ap netip.AddrPort
	switch a := a.(type) {
	case *net.UDPAddr:
		ap = a.AddrPort()
	case *net.TCPAddr:
		ap = a.AddrPort()
	case nil:
		return ap
	default:
		ap, _ = netip.ParseAddrPort(a.String())
	}
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}
