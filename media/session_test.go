package media

import (
	"bytes"
	"errors"
	"net"
	"net/netip"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtp"
)

// received is a copy of a packet a session handed to its handler.
type received struct {
	hdr     rtp.Header
	payload []byte
}

// newTestSession returns a started session on 127.0.0.1:0 whose handler
// copies packets into the returned channel; its SDP address is remote and
// its signalling source IP 127.0.0.1, so every test socket may latch.
func newTestSession(t *testing.T, remote netip.AddrPort) (*Session, chan received) {
	t.Helper()
	conn := listenLocal(t)
	ch := make(chan received, 100)
	s, err := NewSession(conn, Peer{SDP: remote, Signalling: localhost}, func(p *rtp.Packet) {
		ch <- received{p.Header.Clone(), bytes.Clone(p.Payload)}
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, ch
}

func listenLocal(t *testing.T) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(localhost, 0)))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func addrOf(c *net.UDPConn) netip.AddrPort { return c.LocalAddr().(*net.UDPAddr).AddrPort() }

func recv(t *testing.T, ch chan received) received {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(2 * time.Second):
		t.Fatal("no packet within 2 s")
		return received{}
	}
}

// rawRTP marshals an RTP packet for sending from a plain socket.
func rawRTP(t *testing.T, pt uint8, seq uint16, ts uint32, payload []byte) []byte {
	t.Helper()
	b, err := (&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: pt, SequenceNumber: seq, Timestamp: ts, SSRC: 0x1234}, Payload: payload}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// readRTP reads one RTP packet from c.
func readRTP(t *testing.T, c *net.UDPConn) *rtp.Packet {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 1500)
	n, err := c.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	var p rtp.Packet
	if err := p.Unmarshal(buf[:n]); err != nil {
		t.Fatal(err)
	}
	return &p
}

func TestSessionRoundTrip(t *testing.T) {
	a, _ := newTestSession(t, netip.AddrPort{})
	b, bch := newTestSession(t, a.LocalAddr())
	a.SetRemote(b.LocalAddr())

	pa := NewPacketizer(a, 0, PCMU)
	for i := range 3 {
		if err := pa.WritePayload([]byte{byte(i), 1, 2, 3}); err != nil {
			t.Fatal(err)
		}
	}
	var first rtp.Header
	for i := range 3 {
		r := recv(t, bch)
		if i == 0 {
			first = r.hdr
		}
		if r.hdr.SSRC != a.SSRC() || r.hdr.PayloadType != 0 || r.hdr.Marker != (i == 0) {
			t.Errorf("packet %d: header %+v", i, r.hdr)
		}
		if r.hdr.SequenceNumber != first.SequenceNumber+uint16(i) || r.hdr.Timestamp != first.Timestamp+uint32(160*i) {
			t.Errorf("packet %d: seq %d ts %d, want %d and %d", i, r.hdr.SequenceNumber, r.hdr.Timestamp,
				first.SequenceNumber+uint16(i), first.Timestamp+uint32(160*i))
		}
		if !bytes.Equal(r.payload, []byte{byte(i), 1, 2, 3}) {
			t.Errorf("packet %d: payload %x", i, r.payload)
		}
	}
	// b latched on to a and answers there.
	if got := b.Remote(); got != a.LocalAddr() {
		t.Errorf("b sends to %v, want %v", got, a.LocalAddr())
	}
	if err := NewPacketizer(b, 8, PCMA).WritePayload([]byte{9}); err != nil {
		t.Fatal(err)
	}
	// a's handler is not collected here; check its counters.
	waitFor(t, func() bool { return a.Stats().PacketsIn == 1 })

	as, bs := a.Stats(), b.Stats()
	if as.PacketsOut != 3 || as.BytesOut != 3*16 || bs.PacketsIn != 3 || bs.BytesIn != 3*16 || bs.PacketsOut != 1 {
		t.Errorf("stats a %+v, b %+v", as, bs)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal("condition not met within 2 s")
}

// TestSessionLatching checks symmetric RTP: the session sends to the SDP
// address until RTP arrives, then to the source of that RTP, and ignores
// every other source.
func TestSessionLatching(t *testing.T) {
	sdp := listenLocal(t)
	defer sdp.Close()
	s, ch := newTestSession(t, addrOf(sdp))

	// Before any RTP arrives, packets go to the SDP address.
	ps := NewPacketizer(s, 0, PCMU)
	if err := ps.WritePayload([]byte{1}); err != nil {
		t.Fatal(err)
	}
	if p := readRTP(t, sdp); p.Payload[0] != 1 {
		t.Errorf("SDP address got payload %x", p.Payload)
	}

	// The peer sends from elsewhere (behind a NAT): latch on to it.
	peer := listenLocal(t)
	defer peer.Close()
	if _, err := peer.WriteToUDPAddrPort(rawRTP(t, 0, 1, 0, []byte{0xAA}), s.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	if r := recv(t, ch); r.payload[0] != 0xAA {
		t.Errorf("handler got %x", r.payload)
	}
	if got := s.Remote(); got != addrOf(peer) {
		t.Fatalf("remote after latching = %v, want %v", got, addrOf(peer))
	}
	if err := ps.WritePayload([]byte{2}); err != nil {
		t.Fatal(err)
	}
	if p := readRTP(t, peer); p.Payload[0] != 2 {
		t.Errorf("latched peer got payload %x", p.Payload)
	}

	// A second source is ignored, and does not move the latch.
	other := listenLocal(t)
	defer other.Close()
	other.WriteToUDPAddrPort(rawRTP(t, 0, 2, 160, []byte{0xBB}), s.LocalAddr())
	peer.WriteToUDPAddrPort(rawRTP(t, 0, 2, 160, []byte{0xCC}), s.LocalAddr())
	if r := recv(t, ch); r.payload[0] != 0xCC {
		t.Errorf("handler got %x, want the latched peer's cc", r.payload)
	}
	if st := s.Stats(); st.Ignored != 1 || st.PacketsIn != 2 {
		t.Errorf("stats %+v, want 1 ignored and 2 in", st)
	}
	if got := s.Remote(); got != addrOf(peer) {
		t.Errorf("remote = %v, want still %v", got, addrOf(peer))
	}

	// A re-INVITE's SetRemote unlatches.
	s.SetRemote(addrOf(sdp))
	other.WriteToUDPAddrPort(rawRTP(t, 0, 3, 320, []byte{0xDD}), s.LocalAddr())
	if r := recv(t, ch); r.payload[0] != 0xDD {
		t.Errorf("after SetRemote handler got %x", r.payload)
	}
	if got := s.Remote(); got != addrOf(other) {
		t.Errorf("remote after SetRemote and RTP = %v, want %v", got, addrOf(other))
	}
}

func TestSessionDropsRTCPAndJunk(t *testing.T) {
	s, ch := newTestSession(t, netip.AddrPort{})
	peer := listenLocal(t)
	defer peer.Close()
	rr := []byte{0x80, 201, 0, 1, 0, 0, 0x12, 0x34} // RTCP RR, no report blocks (RFC 3550 §6.4.2)
	for _, b := range [][]byte{rr, {0x80, 0, 0}, {0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}} {
		peer.WriteToUDPAddrPort(b, s.LocalAddr())
	}
	peer.WriteToUDPAddrPort(rawRTP(t, 0, 1, 0, []byte{1}), s.LocalAddr())
	recv(t, ch)
	if st := s.Stats(); st.RTCP != 1 || st.Invalid != 2 || st.PacketsIn != 1 {
		t.Errorf("stats %+v, want 1 RTCP, 2 invalid, 1 in", st)
	}
	if got := s.Remote(); got != addrOf(peer) {
		t.Errorf("remote = %v, want %v (RTCP and junk must not latch)", got, addrOf(peer))
	}
}

func TestSessionTimeout(t *testing.T) {
	conn := listenLocal(t)
	s, err := NewSession(conn, Peer{Signalling: localhost}, func(*rtp.Packet) {})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Now()
	if s.TimedOut(now.Add(time.Hour), 30*time.Second) {
		t.Error("timed out before Start")
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); !errors.Is(err, ErrSessionStarted) {
		t.Errorf("second Start: %v, want ErrSessionStarted", err)
	}
	start := s.LastReceived()
	if start.Before(now) {
		t.Errorf("LastReceived before any packet = %v, want the Start time", start)
	}
	if s.TimedOut(start.Add(29*time.Second), 30*time.Second) || !s.TimedOut(start.Add(30*time.Second), 30*time.Second) {
		t.Error("30 s timeout not counted from Start")
	}
	time.Sleep(10 * time.Millisecond)
	peer := listenLocal(t)
	defer peer.Close()
	peer.WriteToUDPAddrPort(rawRTP(t, 0, 1, 0, []byte{1}), s.LocalAddr())
	waitFor(t, func() bool { return s.LastReceived().After(start) })
	if s.TimedOut(start.Add(30*time.Second), 30*time.Second) {
		t.Error("timed out 30 s after Start although a packet arrived since")
	}
}

func TestSessionWriteErrors(t *testing.T) {
	s, _ := newTestSession(t, netip.AddrPort{})
	if err := NewPacketizer(s, 0, PCMU).WritePayload([]byte{1}); !errors.Is(err, ErrNoRemote) {
		t.Errorf("write with no remote: %v, want ErrNoRemote", err)
	}
	s.SetRemote(s.LocalAddr())
	if err := NewPacketizer(s, 128, PCMU).WritePayload([]byte{1}); !errors.Is(err, ErrPayloadType) {
		t.Errorf("payload type 128: %v, want ErrPayloadType", err)
	}
	if err := NewPacketizer(s, 0, PCMU).WritePayload(make([]byte, MaxPacketSize)); !errors.Is(err, ErrPayloadTooLarge) {
		t.Errorf("huge payload: %v, want ErrPayloadTooLarge", err)
	}
}

// trackingConn counts the goroutines inside ReadFromUDPAddrPort.
type trackingConn struct {
	*net.UDPConn
	reading atomic.Int32
}

func (c *trackingConn) ReadFromUDPAddrPort(b []byte) (int, netip.AddrPort, error) {
	c.reading.Add(1)
	defer c.reading.Add(-1)
	return c.UDPConn.ReadFromUDPAddrPort(b)
}

// TestSessionCloseStopsReader checks that Close stops and waits for the
// reader goroutine, is idempotent, and that the session refuses work after.
func TestSessionCloseStopsReader(t *testing.T) {
	before := runtime.NumGoroutine()
	conn := &trackingConn{UDPConn: listenLocal(t)}
	s, err := NewSession(conn, Peer{Signalling: localhost}, func(*rtp.Packet) {})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return conn.reading.Load() == 1 })
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Close waited: the reader has left the socket by the time it returns.
	if n := conn.reading.Load(); n != 0 {
		t.Errorf("%d readers still in the socket after Close", n)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	waitFor(t, func() bool { return runtime.NumGoroutine() <= before })
	if err := s.Start(); !errors.Is(err, ErrSessionClosed) {
		t.Errorf("Start after Close: %v, want ErrSessionClosed", err)
	}
	s.SetRemote(netip.MustParseAddrPort("127.0.0.1:9"))
	if err := NewPacketizer(s, 0, PCMU).WritePayload([]byte{1}); !errors.Is(err, ErrSessionClosed) {
		t.Errorf("write after Close: %v, want ErrSessionClosed", err)
	}
}

// TestSessionPortRange runs a session on a Port, whose Close gives the port
// back to the range.
func TestSessionPortRange(t *testing.T) {
	r, err := NewPortRange(29300, 29309)
	if err != nil {
		t.Fatal(err)
	}
	p, err := r.Listen(localhost)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSession(p, Peer{Signalling: localhost}, func(*rtp.Packet) {})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	if got := s.LocalAddr().Port(); int(got) != p.Number() {
		t.Errorf("session on port %d, want %d", got, p.Number())
	}
	s.Close()
	if r.InUse() != 0 {
		t.Errorf("InUse after the session closed = %d, want 0", r.InUse())
	}
}

func BenchmarkWritePayload(b *testing.B) {
	sink, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	defer sink.Close()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	s, err := NewSession(conn, Peer{SDP: sink.LocalAddr().(*net.UDPAddr).AddrPort(), Signalling: localhost}, func(*rtp.Packet) {})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	p := NewPacketizer(s, 0, PCMU)
	payload := make([]byte, 160)
	b.ReportAllocs()
	for b.Loop() {
		p.WritePayload(payload)
	}
}

// discardConn is a UDPConn whose writes go nowhere, to measure what
// a Packetizer's WritePayload to a Session costs besides the system call.
type discardConn struct{ *net.UDPConn }

func (discardConn) WriteToUDPAddrPort(b []byte, _ netip.AddrPort) (int, error) { return len(b), nil }

// BenchmarkWritePayloadNoSyscall is a Packetizer's WritePayload to a
// Session latched on a verified address without the socket write: the
// header, the send gate and the counters.
func BenchmarkWritePayloadNoSyscall(b *testing.B) {
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	to := netip.MustParseAddrPort("127.0.0.1:9")
	s, err := NewSession(discardConn{conn}, Peer{SDP: to, Signalling: to.Addr()}, func(*rtp.Packet) {})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	p := NewPacketizer(s, 0, PCMU)
	payload := make([]byte, 160)
	b.ReportAllocs()
	for b.Loop() {
		p.WritePayload(payload)
	}
}

// A handler that panics on a packet costs that packet only: the session
// counts it, keeps the first panic for the log, and reads on.
func TestSessionHandlerPanic(t *testing.T) {
	got := make(chan byte, 4)
	conn := listenLocal(t)
	peer := listenLocal(t)
	s, err := NewSession(conn, Peer{SDP: addrOf(peer), Signalling: localhost}, func(p *rtp.Packet) {
		if p.Payload[0] == 0xee {
			panic("decoder bug")
		}
		got <- p.Payload[0]
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	for i, b := range []byte{1, 0xee, 2} {
		if _, err := peer.WriteToUDPAddrPort(rawRTP(t, 0, uint16(i), 0, []byte{b}), s.LocalAddr()); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range []byte{1, 2} {
		select {
		case b := <-got:
			if b != want {
				t.Fatalf("handler got %d, want %d", b, want)
			}
		case <-time.After(2 * time.Second):
			t.Fatalf("packet %d never reached the handler", want)
		}
	}
	if st := s.Stats(); st.Panics != 1 {
		t.Errorf("Panics = %d, want 1", st.Panics)
	}
	if fp := s.FirstPanic(); !strings.Contains(fp, "decoder bug") || !strings.Contains(fp, "goroutine") {
		t.Errorf("FirstPanic = %q, want the value and a stack", fp)
	}
}
