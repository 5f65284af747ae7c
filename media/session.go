package media

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
)

// Errors returned by Session.
var (
	// ErrSessionClosed is returned by Start and WriteRTP after Close.
	ErrSessionClosed = errors.New("media: session closed")
	// ErrSessionStarted is returned by a second call to Start.
	ErrSessionStarted = errors.New("media: session already started")
	// ErrNoRemote is returned by WriteRTP while the session may send
	// nowhere: no RTP has arrived, and the SDP named no address or one whose
	// IP is not the signalling source IP (see Latch).
	ErrNoRemote = errors.New("media: no verified remote RTP address")
	// ErrPayloadType is returned by WriteRTP for a payload type above
	// 127, which the 7-bit RTP header field cannot carry.
	ErrPayloadType = errors.New("media: invalid RTP payload type")
	// ErrPayloadTooLarge is returned by WriteRTP for a payload that does
	// not fit one UDP datagram of MaxPacketSize bytes.
	ErrPayloadTooLarge = errors.New("media: RTP payload too large")
)

// MaxPacketSize is the largest RTP packet a Session sends or receives, in
// bytes. Audio packets are far smaller; larger datagrams are truncated and
// then fail to parse.
const MaxPacketSize = 1500

// rtpHeaderSize is the size of the fixed RTP header (RFC 3550 §5.1), which
// is all a Session sends.
const rtpHeaderSize = 12

// UDPConn is the part of *net.UDPConn a Session uses. *net.UDPConn,
// *Port and *SharedLeg implement it.
type UDPConn interface {
	ReadFromUDPAddrPort(b []byte) (n int, addr netip.AddrPort, err error)
	WriteToUDPAddrPort(b []byte, addr netip.AddrPort) (int, error)
	LocalAddr() net.Addr
	Close() error
}

// pushConn is a UDPConn that is not read but hands its datagrams to the
// session itself, on a goroutine of its own (a SharedLeg: its socket's one
// reader serves every leg): a Session on one starts no reader goroutine.
type pushConn interface {
	UDPConn
	// serve hands each datagram for the session to recv from then on,
	// one at a time, until Close returns.
	serve(recv func(b []byte, from netip.AddrPort))
	// route says what the session's Latch accepts now; it is called
	// whenever that changes, with addrMu held.
	route(l *Latch)
}

// SessionStats are a Session's counters since NewSession.
type SessionStats struct {
	// PacketsIn counts the RTP packets accepted and handed to the handler.
	PacketsIn uint64
	// BytesIn counts the bytes of those packets, headers included.
	BytesIn uint64
	// PacketsOut counts the RTP packets sent.
	PacketsOut uint64
	// BytesOut counts the bytes of those packets, headers included.
	BytesOut uint64
	// Ignored counts the RTP packets, and with RTCP enabled the RTCP
	// packets, dropped because they came from a source the Latch does not
	// accept: another IP than the SDP's and the
	// signalling's, or, once latched, another source than the latched one.
	Ignored uint64
	// Withheld counts the packets not sent because no address was verified
	// yet (ErrNoRemote).
	Withheld uint64
	// RTCP counts the RTCP packets, multiplexed on the RTP port, that were
	// dropped unread because RTCP is not enabled (EnableRTCP).
	RTCP uint64
	// Invalid counts the datagrams that were not RTP version 2, and the
	// reads that failed.
	Invalid uint64
	// WriteErrors counts the packets the socket refused to send.
	WriteErrors uint64
	// Panics counts the packets whose handler panicked; each was dropped
	// and the session read on (see FirstPanic).
	Panics uint64
	// SRTPFailed counts the packets dropped because they failed SRTP or
	// SRTCP authentication, or replayed one (see SetSRTP).
	SRTPFailed uint64
}

// Session is one RTP session (RFC 3550) over a UDP socket: it receives the
// remote party's packets on one reader goroutine and sends ours. On a
// SharedLeg it starts no goroutine: the shared socket's reader hands it
// the packets its demultiplexer routes to it, and the Latch below still
// decides, as on a socket of its own.
//
// The session does symmetric RTP (RFC 4961) with latching, as a bridge
// behind or facing NAT must, under the rule of Latch: it accepts RTP only
// from the SDP's IP or the SIP signalling source IP (any port, for NAT),
// and latches on to the first such source that sends it valid RTP;
// packets from any other IP, and once latched from any other source, are
// dropped and counted as Ignored. It sends to the latched source; before
// that, to the SDP address only if its IP is the signalling source IP, so
// that a c= naming a third party is never sent to (no reflection), and
// never to a Reserved address. SetRemote, on a re-INVITE, sets a new SDP
// address and unlatches.
//
// It records when the last packet arrived so that the signalling layer can
// end a call whose media has gone silent (see TimedOut).
type Session struct {
	conn    UDPConn
	handler func(*rtp.Packet)

	stateMu sync.Mutex
	started bool // guarded by stateMu
	closed  bool // guarded by stateMu
	wg      sync.WaitGroup
	closing atomic.Bool
	once    sync.Once
	err     error // Close's result

	addrMu sync.Mutex
	latch  Latch                          // guarded by addrMu
	send   atomic.Pointer[netip.AddrPort] // the latch's target, nil while none: read per packet without the lock

	ssrc uint32
	// Owned by the one goroutine that sends (see WriteRTP).
	sendBuf []byte

	last  atomic.Int64 // UnixNano of the last accepted packet, or of Start
	stats struct {
		packetsIn, bytesIn, packetsOut, bytesOut atomic.Uint64
		ignored, rtcp, invalid, writeErrors      atomic.Uint64
		withheld, panics, srtpFailed             atomic.Uint64
	}
	firstPanic atomic.Pointer[string] // the first handler panic and its stack

	srtpKeys atomic.Pointer[srtpSet] // nil: plain RTP (srtp.go)
	srtpOut  srtpOut                 // owned by WriteRTP's goroutine
	srtpIn   srtpIn                  // owned by the reader goroutine
	rxPkt    rtp.Packet              // owned by the reader goroutine: the packet being received
	srtcpCtx srtcpCtx
	rtcp     *rtcpState // nil without RTCP; set before Start (EnableRTCP)
}

// NewSession returns a session on conn, which it owns from then on and
// closes in Close. peer names the SDP's address (RFC 8866 c= and m=
// lines; the zero AddrPort if the SDP gave none) and the signalling source
// IP: the only sources accepted, as Latch says. handler receives every
// accepted RTP packet (see Start). The SSRC is random, as RFC 3550 §5.1
// asks (a Packetizer numbers the packets). NewSession starts
// nothing; call Start. If NewSession fails, conn stays the caller's.
func NewSession(conn UDPConn, peer Peer, handler func(pkt *rtp.Packet)) (*Session, error) {
	if conn == nil {
		return nil, errors.New("media: new session: nil conn")
	}
	if handler == nil {
		return nil, errors.New("media: new session: nil handler")
	}
	s := &Session{
		conn:    conn,
		handler: handler,
		latch:   NewLatch(peer),
		ssrc:    rand.Uint32(),
		sendBuf: make([]byte, MaxPacketSize),
	}
	s.publish()
	return s, nil
}

// Start starts the reader goroutine. The handler passed to NewSession is
// called on that goroutine, once per accepted packet, in arrival order; it
// must return quickly, must not keep pkt or its payload after returning
// (both are reused for the next packet), and must not call Close. Start
// returns ErrSessionStarted if called twice and ErrSessionClosed after
// Close.
func (s *Session) Start() error {
	s.stateMu.Lock()
	defer s.stateMu.Unlock()
	if s.closed {
		return ErrSessionClosed
	}
	if s.started {
		return ErrSessionStarted
	}
	s.started = true
	s.last.Store(time.Now().UnixNano())
	if pc, ok := s.conn.(pushConn); ok {
		pc.serve(s.receive)
	} else {
		s.wg.Add(1)
		go s.read()
	}
	s.startRTCP()
	return nil
}

// Close closes the socket, which stops the reader goroutine, and waits for
// that goroutine to return (on a SharedLeg: for the datagram being handed
// over, if any). It is idempotent: later calls wait likewise and
// return the first call's result.
func (s *Session) Close() error {
	s.once.Do(func() {
		s.stateMu.Lock()
		s.closed = true
		s.stateMu.Unlock()
		s.closing.Store(true)
		s.stopRTCP()
		s.err = s.conn.Close()
		s.wg.Wait()
	})
	return s.err
}

// LocalAddr returns the address the session receives on.
func (s *Session) LocalAddr() netip.AddrPort {
	if a, ok := s.conn.LocalAddr().(*net.UDPAddr); ok {
		return a.AddrPort()
	}
	return netip.AddrPort{}
}

// Remote returns the latched source once RTP has arrived, else the
// address from the SDP (which is sent to only if verified: see Latch).
func (s *Session) Remote() netip.AddrPort {
	s.addrMu.Lock()
	defer s.addrMu.Unlock()
	return s.latch.Remote()
}

// Peer returns the SDP address (as last set) and signalling source IP the
// session accepts media from.
func (s *Session) Peer() Peer {
	s.addrMu.Lock()
	defer s.addrMu.Unlock()
	return s.latch.Peer()
}

// SetRemote sets the SDP address, as a new SDP offer or answer gives it,
// and unlatches: the next valid RTP from that IP or the signalling source
// IP is latched again (see Latch).
func (s *Session) SetRemote(addr netip.AddrPort) {
	s.addrMu.Lock()
	defer s.addrMu.Unlock()
	s.latch.SetSDP(addr)
	s.publish()
}

// publish makes the latch's target the one WriteRTP reads. addrMu is
// held (or the session not yet shared).
func (s *Session) publish() {
	if pc, ok := s.conn.(pushConn); ok {
		pc.route(&s.latch)
	}
	if to, ok := s.latch.Target(); ok {
		s.send.Store(&to)
		return
	}
	s.send.Store(nil)
}

// SSRC returns the synchronization source identifier of the packets the
// session sends (RFC 3550 §5.1).
func (s *Session) SSRC() uint32 { return s.ssrc }

// LastReceived returns when the last RTP packet was accepted, or when Start
// was called if none has been, or the zero time before Start.
func (s *Session) LastReceived() time.Time {
	ns := s.last.Load()
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns)
}

// TimedOut reports whether, at now, no RTP has been accepted for at least
// timeout (counting from Start if none ever was): the signalling layer
// hangs up on that (30 s is usual). It is false before Start.
func (s *Session) TimedOut(now time.Time, timeout time.Duration) bool {
	last := s.LastReceived()
	return !last.IsZero() && now.Sub(last) >= timeout
}

// Stats returns a snapshot of the counters.
func (s *Session) Stats() SessionStats {
	return SessionStats{
		PacketsIn:   s.stats.packetsIn.Load(),
		BytesIn:     s.stats.bytesIn.Load(),
		PacketsOut:  s.stats.packetsOut.Load(),
		BytesOut:    s.stats.bytesOut.Load(),
		Ignored:     s.stats.ignored.Load(),
		Withheld:    s.stats.withheld.Load(),
		Panics:      s.stats.panics.Load(),
		RTCP:        s.stats.rtcp.Load(),
		Invalid:     s.stats.invalid.Load(),
		WriteErrors: s.stats.writeErrors.Load(),
		SRTPFailed:  s.stats.srtpFailed.Load(),
	}
}

// WriteRTP sends pkt's payload behind a fixed RTP header (RFC 3550 §5.1)
// with pkt's marker, payload type, sequence number and timestamp and the
// session's SSRC; a Packetizer numbers the packets. pkt's CSRCs, header
// extensions and padding, which Parley never sends, are not sent. With
// keys set (SetSRTP) the packet goes out as SRTP. A UDP write does not wait for
// the peer: the kernel queues the datagram or drops it. While no address
// is verified (see Latch) nothing is sent and the result is ErrNoRemote.
//
// WriteRTP takes no lock (it reads the verified address atomically), so
// that nothing is held across the socket write: it must be called from
// one goroutine at a time (the one that drives the leg's output, through
// Stream.WriteAudio). It may run concurrently with every other method.
// It does not keep pkt.
func (s *Session) WriteRTP(pkt *rtp.Packet) error {
	if pkt.PayloadType > 127 {
		return fmt.Errorf("%w: %d", ErrPayloadType, pkt.PayloadType)
	}
	if len(pkt.Payload) > MaxPacketSize-rtpHeaderSize {
		return fmt.Errorf("%w: %d bytes", ErrPayloadTooLarge, len(pkt.Payload))
	}
	if s.closing.Load() {
		return ErrSessionClosed
	}
	dst := s.send.Load()
	if dst == nil {
		s.stats.withheld.Add(1)
		return ErrNoRemote
	}
	to := *dst
	b := s.sendBuf
	b[0] = 2 << 6 // version 2; no padding, extension or CSRC
	b[1] = pkt.PayloadType
	if pkt.Marker {
		b[1] |= 0x80
	}
	binary.BigEndian.PutUint16(b[2:4], pkt.SequenceNumber)
	binary.BigEndian.PutUint32(b[4:8], pkt.Timestamp)
	binary.BigEndian.PutUint32(b[8:12], s.ssrc)
	n := rtpHeaderSize + copy(b[rtpHeaderSize:], pkt.Payload)
	out, err := s.protect(b[:n])
	if err != nil {
		return err
	}
	n = len(out)
	if _, err := s.conn.WriteToUDPAddrPort(out, to); err != nil {
		s.stats.writeErrors.Add(1)
		if errors.Is(err, net.ErrClosed) {
			return ErrSessionClosed
		}
		return fmt.Errorf("media: send rtp to %s: %w", to, err)
	}
	s.stats.packetsOut.Add(1)
	s.stats.bytesOut.Add(uint64(n))
	if s.rtcp != nil {
		s.rtcp.sentRTP(pkt.SequenceNumber, pkt.Timestamp, len(pkt.Payload), time.Now().UnixNano())
	}
	return nil
}

// read is the reader goroutine of a socket of the session's own: it reads
// datagrams until the socket is closed and hands each to receive.
func (s *Session) read() {
	defer s.wg.Done()
	buf := make([]byte, MaxPacketSize)
	for {
		n, from, err := s.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if s.closing.Load() || errors.Is(err, net.ErrClosed) {
				return
			}
			// A transient error (an ICMP error reported on the
			// socket): the next datagram may be fine.
			s.stats.invalid.Add(1)
			continue
		}
		s.receive(buf[:n], from)
	}
}

// receive takes one datagram from from and hands it to the handler if it
// is RTP the session accepts, or to readRTCP if it is RTCP. It runs on the
// session's reader goroutine, or on a shared socket's (pushConn), one
// datagram at a time; b is reused after it returns.
func (s *Session) receive(b []byte, from netip.AddrPort) {
	n := len(b)
	if n < 2 || b[0]>>6 != 2 {
		s.stats.invalid.Add(1)
		return
	}
	if looksLikeRTCP(b) {
		if s.rtcp != nil {
			s.readRTCP(b, unmap(from))
			return
		}
		s.stats.rtcp.Add(1)
		return
	}
	if n < rtpHeaderSize {
		s.stats.invalid.Add(1)
		return
	}
	plain, ok := s.unprotect(b)
	if !ok {
		s.stats.srtpFailed.Add(1)
		return
	}
	pkt := &s.rxPkt
	if err := pkt.Unmarshal(plain); err != nil {
		s.stats.invalid.Add(1)
		return
	}
	if !s.accept(unmap(from)) {
		s.stats.ignored.Add(1)
		return
	}
	now := time.Now().UnixNano()
	s.last.Store(now)
	if s.rtcp != nil {
		s.rtcp.receivedRTP(pkt, now)
	}
	s.stats.packetsIn.Add(1)
	s.stats.bytesIn.Add(uint64(n))
	s.deliver(pkt)
}

// deliver hands pkt to the handler. A panic there (a packet that trips a
// bug in a decoder, say) costs that packet only: it is counted in
// Stats.Panics and the first one is kept for the edge to log (FirstPanic),
// so no packet a peer sends can end the process or the call.
func (s *Session) deliver(pkt *rtp.Packet) {
	defer func() {
		if v := recover(); v != nil {
			if s.stats.panics.Add(1) == 1 {
				msg := fmt.Sprintf("%v\n%s", v, debug.Stack())
				s.firstPanic.Store(&msg)
			}
		}
	}()
	s.handler(pkt)
}

// FirstPanic returns the value and stack of the first panic of the packet
// handler, or "" if it never panicked.
func (s *Session) FirstPanic() string {
	if p := s.firstPanic.Load(); p != nil {
		return *p
	}
	return ""
}

// accept reports whether a packet from from is to be accepted, latching
// on to it if it is the first (see Latch).
func (s *Session) accept(from netip.AddrPort) bool {
	s.addrMu.Lock()
	defer s.addrMu.Unlock()
	was := s.latch.Latched()
	ok := s.latch.Accept(from)
	if ok && !was {
		s.publish()
	}
	return ok
}

// looksLikeRTCP reports whether b, received on the RTP port, is RTCP
// multiplexed onto it. RFC 5761 §4 tells them apart by the second octet:
// RTCP packet types 192-223 fall where RTP has the marker bit and payload
// types 64-95, so those payload types are never used for RTP (RFC 3551
// §3). The compound packets RTCP sends always begin with SR or RR (RFC 3550
// §6.1), types 200 and 201, which read as payload types 72 and 73.
func looksLikeRTCP(b []byte) bool {
	pt := b[1] & 0x7f
	return pt >= 64 && pt <= 95
}

// unmap turns an IPv4-mapped IPv6 address, as a dual-stack socket reports
// IPv4 peers, into plain IPv4, so that addresses compare equal.
func unmap(a netip.AddrPort) netip.AddrPort {
	if !a.IsValid() {
		return a
	}
	return netip.AddrPortFrom(a.Addr().Unmap(), a.Port())
}
