package media

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
)

// ErrSharedClosed is returned by SharedPorts.Leg after Close.
var ErrSharedClosed = errors.New("media: shared rtp ports closed")

// SharedPorts is a few RTP sockets that every leg shares, instead of a
// socket per leg (PortRange): each socket has one reader goroutine that
// reads datagrams in batches (recvmmsg) and hands each to the session of
// the leg it is for (see demux), on that goroutine, and one writer that
// sends the legs' packets in batches (sendmmsg, see batchWriter). A leg's
// port, offered in SDP like any other, is its socket's. Legs are spread
// over the sockets, the least loaded first. It is safe for concurrent use.
type SharedPorts struct {
	mu      sync.Mutex
	sockets []*sharedSocket // guarded by mu; nil after Close
}

// NewSharedPorts binds n sockets on ip at ports of r, which keeps them
// until Close.
func NewSharedPorts(r *PortRange, ip netip.Addr, n int) (*SharedPorts, error) {
	if n < 1 {
		return nil, fmt.Errorf("media: shared rtp ports: want at least 1 socket, not %d", n)
	}
	sp := &SharedPorts{}
	for range n {
		port, err := r.Listen(ip)
		if err != nil {
			sp.Close()
			return nil, fmt.Errorf("media: shared rtp ports: %w", err)
		}
		s, err := newSharedSocket(port)
		if err != nil {
			port.Close()
			sp.Close()
			return nil, err
		}
		sp.sockets = append(sp.sockets, s)
	}
	return sp, nil
}

// Leg returns a new leg on the socket with the fewest legs. It receives
// nothing until a Session is made on it.
func (sp *SharedPorts) Leg() (*SharedLeg, error) {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if sp.sockets == nil {
		return nil, ErrSharedClosed
	}
	best := sp.sockets[0]
	for _, s := range sp.sockets[1:] {
		if s.legs.Load() < best.legs.Load() {
			best = s
		}
	}
	best.legs.Add(1)
	return &SharedLeg{s: best}, nil
}

// Ports returns the port numbers of the sockets, the ones SDP offers.
func (sp *SharedPorts) Ports() []int {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	ports := make([]int, len(sp.sockets))
	for i, s := range sp.sockets {
		ports[i] = s.port.Number()
	}
	return ports
}

// Stats returns the counters of every socket, summed.
func (sp *SharedPorts) Stats() SharedStats {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	var st SharedStats
	for _, s := range sp.sockets {
		st.add(s.stats())
	}
	return st
}

// Close closes the sockets and waits for their goroutines; legs still
// open stop receiving and fail to send. It is idempotent.
func (sp *SharedPorts) Close() error {
	sp.mu.Lock()
	sockets := sp.sockets
	sp.sockets = nil
	sp.mu.Unlock()
	var errs []error
	for _, s := range sockets {
		errs = append(errs, s.close())
	}
	return errors.Join(errs...)
}

// SharedStats are the counters of shared sockets; a leg's own are its
// Session's.
type SharedStats struct {
	// Legs counts the legs open.
	Legs int64
	// Reads counts the recvmmsg calls, and Received the datagrams they read.
	Reads, Received uint64
	// Unrouted counts the datagrams no leg took (see demux): strangers, and
	// sources several unlatched legs could claim.
	Unrouted uint64
	// Invalid counts the datagrams that were neither RTP nor RTCP, and the
	// reads that failed.
	Invalid uint64
	// Batches counts the sendmmsg calls, and Sent the datagrams they sent.
	Batches, Sent uint64
	// SendFailed counts the datagrams the kernel refused; Dropped those
	// refused because the send queue was full (ErrSendQueueFull).
	SendFailed, Dropped uint64
}

func (st *SharedStats) add(o SharedStats) {
	st.Legs += o.Legs
	st.Reads += o.Reads
	st.Received += o.Received
	st.Unrouted += o.Unrouted
	st.Invalid += o.Invalid
	st.Batches += o.Batches
	st.Sent += o.Sent
	st.SendFailed += o.SendFailed
	st.Dropped += o.Dropped
}

// sharedSocket is one socket of SharedPorts.
type sharedSocket struct {
	port   *Port
	in     *mmsg
	w      *batchWriter
	routes *demux
	legs   atomic.Int64
	done   chan struct{} // closed when the reader returns

	closing                            atomic.Bool
	reads, received, unrouted, invalid atomic.Uint64
}

// sharedBuffer is the socket buffer size a shared socket asks for, each
// way: every leg's packets queue there, where a per-leg socket has its own
// (the kernel caps it at net.core.rmem_max and wmem_max).
const sharedBuffer = 4 << 20

func newSharedSocket(port *Port) (*sharedSocket, error) {
	if err := port.SetReadBuffer(sharedBuffer); err != nil {
		return nil, fmt.Errorf("media: shared rtp socket: %w", err)
	}
	if err := port.SetWriteBuffer(sharedBuffer); err != nil {
		return nil, fmt.Errorf("media: shared rtp socket: %w", err)
	}
	in, err := newMMsg(port.UDPConn, batchSize, true)
	if err != nil {
		return nil, err
	}
	out, err := newMMsg(port.UDPConn, batchSize, false)
	if err != nil {
		return nil, err
	}
	s := &sharedSocket{port: port, in: in, w: newBatchWriter(out), routes: newDemux(), done: make(chan struct{})}
	go s.read()
	return s, nil
}

// read is the reader goroutine: it reads batches of datagrams until the
// socket is closed and hands each to its leg.
func (s *sharedSocket) read() {
	defer close(s.done)
	for {
		n, err := s.in.read()
		if err != nil {
			if s.closing.Load() || errors.Is(err, net.ErrClosed) {
				return
			}
			s.invalid.Add(1) // an ICMP error reported on the socket: read on
			continue
		}
		s.reads.Add(1)
		s.received.Add(uint64(n))
		for i := range n {
			s.dispatch(s.in.datagram(i))
		}
	}
}

// dispatch hands one datagram to the leg it is for.
func (s *sharedSocket) dispatch(b []byte, from netip.AddrPort) {
	if len(b) < 8 || b[0]>>6 != 2 {
		s.invalid.Add(1)
		return
	}
	from = unmap(from)
	var ssrc uint32
	rtcp := looksLikeRTCP(b)
	switch {
	case rtcp: // the sender's SSRC (RFC 3550 §6.4)
		ssrc = binary.BigEndian.Uint32(b[4:8])
	case len(b) >= rtpHeaderSize:
		ssrc = binary.BigEndian.Uint32(b[8:12])
	default:
		s.invalid.Add(1)
		return
	}
	leg := s.routes.lookup(from, ssrc, !rtcp)
	if leg == nil || !leg.deliver(b, from) {
		s.unrouted.Add(1)
	}
}

func (s *sharedSocket) stats() SharedStats {
	return SharedStats{Legs: s.legs.Load(), Reads: s.reads.Load(), Received: s.received.Load(),
		Unrouted: s.unrouted.Load(), Invalid: s.invalid.Load(), Batches: s.w.batches.Load(),
		Sent: s.w.sent.Load(), SendFailed: s.w.failed.Load(), Dropped: s.w.dropped.Load()}
}

func (s *sharedSocket) close() error {
	s.closing.Store(true)
	err := s.port.Close()
	<-s.done
	s.w.stop()
	return err
}

// SharedLeg is one leg's share of a SharedPorts socket: the UDPConn of its
// Session, which receives only the datagrams the socket's demultiplexer
// routes to it (on the socket's reader goroutine: the Session reads no
// socket of its own) and sends through the socket's batched writer.
// Close ends the share, not the socket.
type SharedLeg struct {
	s *sharedSocket

	mu     sync.Mutex                          // held while a datagram is handed to recv, and by Close
	recv   func(b []byte, from netip.AddrPort) // guarded by mu; nil until serve
	closed bool                                // guarded by mu
	gone   bool                                // guarded by s.routes.mu: removed, never to be routed again
}

// Number returns the port number, which is the socket's.
func (l *SharedLeg) Number() int { return l.s.port.Number() }

// LocalAddr returns the socket's address.
func (l *SharedLeg) LocalAddr() net.Addr { return l.s.port.LocalAddr() }

// ReadFromUDPAddrPort fails: a leg is not read, its datagrams are handed
// to its Session (see serve).
func (l *SharedLeg) ReadFromUDPAddrPort([]byte) (int, netip.AddrPort, error) {
	return 0, netip.AddrPort{}, errors.New("media: a shared leg is not read")
}

// WriteToUDPAddrPort queues a copy of b for to and returns; the socket's
// writer sends it with the other legs' (see batchWriter).
func (l *SharedLeg) WriteToUDPAddrPort(b []byte, to netip.AddrPort) (int, error) {
	if l.s.closing.Load() {
		return 0, net.ErrClosed
	}
	if err := l.s.w.write(b, to); err != nil {
		return 0, err
	}
	return len(b), nil
}

// Close takes the leg off its socket; once it returns, no datagram is
// being or will be handed to the leg. It is idempotent.
func (l *SharedLeg) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	l.s.routes.remove(l)
	l.s.legs.Add(-1)
	return nil
}

// serve hands the leg's datagrams to recv from then on (Session.Start).
func (l *SharedLeg) serve(recv func(b []byte, from netip.AddrPort)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.recv = recv
}

// route makes the demultiplexer send the leg what lt accepts (Session,
// whenever its Latch changes, possibly inside recv); after Close it does
// nothing.
func (l *SharedLeg) route(lt *Latch) { l.s.routes.set(l, routeOf(lt)) }

// deliver hands b to the leg's session, and reports whether it did.
func (l *SharedLeg) deliver(b []byte, from netip.AddrPort) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed || l.recv == nil {
		return false
	}
	l.recv(b, from)
	return true
}
