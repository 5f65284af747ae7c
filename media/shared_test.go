package media

import (
	"net"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtp"
)

// newShared returns one shared socket on 127.0.0.1, closed at cleanup.
func newShared(t *testing.T) *SharedPorts {
	t.Helper()
	r, err := NewPortRange(31000, 31998)
	if err != nil {
		t.Fatal(err)
	}
	sp, err := NewSharedPorts(r, localhost, 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sp.Close() })
	return sp
}

// newSharedSession starts a session on a new leg of sp whose handler
// copies packets to the returned channel.
func newSharedSession(t *testing.T, sp *SharedPorts, peer Peer, handler func(*rtp.Packet)) (*Session, chan received) {
	t.Helper()
	leg, err := sp.Leg()
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan received, 100)
	if handler == nil {
		handler = func(p *rtp.Packet) {
			select { // never block the socket's reader
			case ch <- received{p.Header.Clone(), append([]byte(nil), p.Payload...)}:
			default:
			}
		}
	}
	s, err := NewSession(leg, peer, handler)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, ch
}

// Two legs whose phones share an IP share a port; each gets its own
// phone's packets and answers it from that port.
func TestSharedLegsRoundTrip(t *testing.T) {
	sp := newShared(t)
	phones := []*net.UDPConn{listenLocal(t), listenLocal(t)}
	var sessions []*Session
	var chans []chan received
	for _, ph := range phones {
		t.Cleanup(func() { ph.Close() })
		s, ch := newSharedSession(t, sp, Peer{SDP: addrOf(ph), Signalling: localhost}, nil)
		sessions, chans = append(sessions, s), append(chans, ch)
	}
	if sessions[0].LocalAddr() != sessions[1].LocalAddr() {
		t.Fatalf("legs on %s and %s, want one shared port", sessions[0].LocalAddr(), sessions[1].LocalAddr())
	}
	for i, ph := range phones {
		if _, err := ph.WriteToUDPAddrPort(rawRTP(t, 0, uint16(i), 0, []byte{byte(10 + i)}), sessions[i].LocalAddr()); err != nil {
			t.Fatal(err)
		}
	}
	for i, ch := range chans {
		if got := recv(t, ch); got.payload[0] != byte(10+i) {
			t.Errorf("leg %d got payload %d, want %d", i, got.payload[0], 10+i)
		}
	}
	for i, s := range sessions {
		if err := s.WriteRTP(&rtp.Packet{Header: rtp.Header{SequenceNumber: 7}, Payload: []byte{byte(20 + i)}}); err != nil {
			t.Fatal(err)
		}
	}
	for i, ph := range phones {
		p := readRTP(t, ph)
		if p.Payload[0] != byte(20+i) || p.SSRC != sessions[i].SSRC() {
			t.Errorf("phone %d got payload %d SSRC %x, want %d %x", i, p.Payload[0], p.SSRC, 20+i, sessions[i].SSRC())
		}
	}
	for i, ch := range chans {
		select {
		case r := <-ch:
			t.Errorf("leg %d got a second packet %v", i, r.hdr)
		default:
		}
	}
}

// Behind NAT the phone sends from another port than its SDP's: the leg
// latches on it and answers there; a stranger's packets reach no leg.
func TestSharedNATAndStrangers(t *testing.T) {
	sp := newShared(t)
	phone := listenLocal(t)
	t.Cleanup(func() { phone.Close() })
	sdp := netip.AddrPortFrom(localhost, 9) // what the SDP said; the NAT chose otherwise
	s, ch := newSharedSession(t, sp, Peer{SDP: sdp, Signalling: localhost}, nil)
	stranger, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 2)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stranger.Close() })
	if _, err := stranger.WriteToUDPAddrPort(rawRTP(t, 0, 1, 0, []byte{66}), s.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return sp.Stats().Unrouted == 1 })
	if _, err := phone.WriteToUDPAddrPort(rawRTP(t, 0, 2, 0, []byte{1}), s.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	if got := recv(t, ch); got.payload[0] != 1 {
		t.Fatalf("got payload %d, want the phone's", got.payload[0])
	}
	if s.Remote() != addrOf(phone) {
		t.Errorf("latched on %s, want %s", s.Remote(), addrOf(phone))
	}
	if err := s.WriteRTP(&rtp.Packet{Payload: []byte{5}}); err != nil {
		t.Fatal(err)
	}
	if p := readRTP(t, phone); p.Payload[0] != 5 {
		t.Errorf("phone got payload %d, want 5", p.Payload[0])
	}
}

// A handler panic costs one packet, as on a socket of the session's own;
// the socket's reader serves on.
func TestSharedHandlerPanic(t *testing.T) {
	sp := newShared(t)
	phone := listenLocal(t)
	t.Cleanup(func() { phone.Close() })
	got := make(chan byte, 4)
	s, _ := newSharedSession(t, sp, Peer{SDP: addrOf(phone), Signalling: localhost}, func(p *rtp.Packet) {
		if p.Payload[0] == 0xee {
			panic("decoder bug")
		}
		got <- p.Payload[0]
	})
	for i, b := range []byte{1, 0xee, 2} {
		if _, err := phone.WriteToUDPAddrPort(rawRTP(t, 0, uint16(i), 0, []byte{b}), s.LocalAddr()); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range []byte{1, 2} {
		select {
		case b := <-got:
			if b != want {
				t.Errorf("got %d, want %d", b, want)
			}
		case <-time.After(2 * time.Second):
			t.Fatal("the reader stopped after the panic")
		}
	}
	if st := s.Stats(); st.Panics != 1 || s.FirstPanic() == "" {
		t.Errorf("Panics = %d, FirstPanic %q; want 1 and the panic", st.Panics, s.FirstPanic())
	}
}

// Closing a session while its phone sends: once Close returns its handler
// is never called again, its late packets do not latch another leg of the
// same IP, and the socket serves the other legs on.
func TestSharedCloseWhileReading(t *testing.T) {
	sp := newShared(t)
	phone, other := listenLocal(t), listenLocal(t)
	t.Cleanup(func() { phone.Close(); other.Close() })
	var closed atomic.Bool
	var late atomic.Int64
	s, _ := newSharedSession(t, sp, Peer{SDP: addrOf(phone), Signalling: localhost}, func(*rtp.Packet) {
		if closed.Load() {
			late.Add(1)
		}
	})
	s2, ch2 := newSharedSession(t, sp, Peer{SDP: addrOf(other), Signalling: localhost}, nil)
	stop := make(chan struct{})
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		pkt := rawRTP(t, 0, 1, 0, []byte{1})
		for {
			select {
			case <-stop:
				return
			default:
				phone.WriteToUDPAddrPort(pkt, s.LocalAddr())
			}
		}
	}()
	waitFor(t, func() bool { return s.Stats().PacketsIn > 10 })
	s.Close()
	closed.Store(true)
	time.Sleep(20 * time.Millisecond) // packets keep coming meanwhile
	close(stop)
	<-sent
	if n := late.Load(); n != 0 {
		t.Errorf("handler called %d times after Close", n)
	}
	if st := s2.Stats(); st.PacketsIn != 0 {
		t.Errorf("the other leg took %d of the closed leg's late packets", st.PacketsIn)
	}
	if _, err := other.WriteToUDPAddrPort(rawRTP(t, 0, 1, 0, []byte{3}), s2.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	if got := recv(t, ch2); got.payload[0] != 3 {
		t.Errorf("other leg got %d, want 3", got.payload[0])
	}
	if err := s.WriteRTP(&rtp.Packet{Payload: []byte{1}}); err != ErrSessionClosed {
		t.Errorf("WriteRTP after Close = %v, want ErrSessionClosed", err)
	}
}

// Many writes leave in few sendmmsg calls, all of them, in order.
func TestBatchWriter(t *testing.T) {
	sp := newShared(t)
	sink := listenLocal(t)
	t.Cleanup(func() { sink.Close() })
	if err := sink.SetReadBuffer(1 << 20); err != nil { // room for them all
		t.Fatal(err)
	}
	leg, err := sp.Leg()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { leg.Close() })
	const n = 300
	for i := range n {
		if _, err := leg.WriteToUDPAddrPort([]byte{byte(i >> 8), byte(i)}, addrOf(sink)); err != nil {
			t.Fatal(err)
		}
	}
	buf := make([]byte, 16)
	sink.SetReadDeadline(time.Now().Add(2 * time.Second))
	for i := range n {
		k, err := sink.Read(buf)
		if err != nil {
			t.Fatalf("datagram %d: %v", i, err)
		}
		if got := int(buf[0])<<8 | int(buf[1]); k != 2 || got != i {
			t.Fatalf("datagram %d is %d (%d bytes)", i, got, k)
		}
	}
	st := sp.Stats()
	if st.Sent != n || st.Batches == 0 || st.Batches > n/2 {
		t.Errorf("Sent %d in %d batches; want %d in at most %d", st.Sent, st.Batches, n, n/2)
	}
}

// A closed SharedPorts hands out no leg, and its legs fail to send.
func TestSharedPortsClose(t *testing.T) {
	sp := newShared(t)
	leg, err := sp.Leg()
	if err != nil {
		t.Fatal(err)
	}
	if err := sp.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := sp.Leg(); err != ErrSharedClosed {
		t.Errorf("Leg after Close = %v, want ErrSharedClosed", err)
	}
	if _, err := leg.WriteToUDPAddrPort([]byte{1}, netip.MustParseAddrPort("127.0.0.1:9")); err == nil {
		t.Error("write on a closed socket succeeded")
	}
}
