package media

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/pion/rtp"
)

var (
	phoneSDP  = netip.MustParseAddrPort("192.0.2.10:4000")    // what the phone's SDP says
	natIP     = netip.MustParseAddr("198.51.100.7")           // where its SIP comes from
	natRTP    = netip.MustParseAddrPort("198.51.100.7:31000") // its RTP, through the NAT
	attacker  = netip.MustParseAddrPort("203.0.113.66:4000")
	thirdPart = netip.MustParseAddrPort("203.0.113.99:9")
)

// TestLatchAccept is the latch rule: before latching only the SDP's IP and
// the signalling source IP (any port) are accepted and the first latches;
// after, only the latched source.
func TestLatchAccept(t *testing.T) {
	tests := []struct {
		name    string
		peer    Peer
		packets []netip.AddrPort // in order
		want    []bool
		remote  netip.AddrPort // after the packets
	}{
		{"SDP address latches", Peer{SDP: phoneSDP, Signalling: natIP},
			[]netip.AddrPort{phoneSDP, natRTP}, []bool{true, false}, phoneSDP},
		{"SDP IP, another port, latches", Peer{SDP: phoneSDP},
			[]netip.AddrPort{netip.AddrPortFrom(phoneSDP.Addr(), 4002)}, []bool{true}, netip.AddrPortFrom(phoneSDP.Addr(), 4002)},
		{"NAT: signalling IP, any port, latches", Peer{SDP: phoneSDP, Signalling: natIP},
			[]netip.AddrPort{natRTP, phoneSDP}, []bool{true, false}, natRTP},
		{"attacker first is dropped, phone still latches", Peer{SDP: phoneSDP, Signalling: natIP},
			[]netip.AddrPort{attacker, attacker, natRTP, attacker}, []bool{false, false, true, false}, natRTP},
		{"no address known accepts nothing", Peer{},
			[]netip.AddrPort{natRTP, attacker}, []bool{false, false}, netip.AddrPort{}},
		{"port zero is not a source", Peer{Signalling: natIP},
			[]netip.AddrPort{netip.AddrPortFrom(natIP, 0)}, []bool{false}, netip.AddrPort{}},
		{"multicast SDP is dropped", Peer{SDP: netip.MustParseAddrPort("239.1.2.3:4000")},
			[]netip.AddrPort{netip.MustParseAddrPort("239.1.2.3:4000")}, []bool{false}, netip.AddrPort{}},
		{"broadcast signalling is dropped", Peer{Signalling: netip.MustParseAddr("255.255.255.255")},
			[]netip.AddrPort{netip.MustParseAddrPort("255.255.255.255:4000")}, []bool{false}, netip.AddrPort{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := NewLatch(tt.peer)
			for i, from := range tt.packets {
				if got := l.Accept(from); got != tt.want[i] {
					t.Errorf("packet %d from %v: accepted %v, want %v", i, from, got, tt.want[i])
				}
			}
			if got := l.Remote(); got != tt.remote {
				t.Errorf("remote = %v, want %v", got, tt.remote)
			}
		})
	}
}

// TestLatchSendGate is the send gate: nothing goes to a c= address until
// media came from it, unless its IP is the signalling source IP; never to
// a reserved address.
func TestLatchSendGate(t *testing.T) {
	tests := []struct {
		name string
		peer Peer
		from netip.AddrPort // a packet first, if valid
		want netip.AddrPort // zero: nothing may be sent
	}{
		{"c= names a third party", Peer{SDP: thirdPart, Signalling: natIP}, netip.AddrPort{}, netip.AddrPort{}},
		{"c= is the signalling IP", Peer{SDP: natRTP, Signalling: natIP}, netip.AddrPort{}, natRTP},
		{"c= private behind NAT: after media, to its source", Peer{SDP: phoneSDP, Signalling: natIP}, natRTP, natRTP},
		{"c= elsewhere: after media from it", Peer{SDP: phoneSDP, Signalling: natIP}, phoneSDP, phoneSDP},
		{"c= third party, attacker sends: nothing", Peer{SDP: thirdPart, Signalling: natIP}, attacker, netip.AddrPort{}},
		{"no SDP address", Peer{Signalling: natIP}, netip.AddrPort{}, netip.AddrPort{}},
		{"c= port zero", Peer{SDP: netip.AddrPortFrom(natIP, 0), Signalling: natIP}, netip.AddrPort{}, netip.AddrPort{}},
		{"c= multicast", Peer{SDP: netip.MustParseAddrPort("224.0.0.1:4000"), Signalling: netip.MustParseAddr("224.0.0.1")}, netip.AddrPort{}, netip.AddrPort{}},
		{"c= limited broadcast", Peer{SDP: netip.MustParseAddrPort("255.255.255.255:4000"), Signalling: netip.MustParseAddr("255.255.255.255")}, netip.AddrPort{}, netip.AddrPort{}},
		{"c= 0.0.0.0 (hold)", Peer{SDP: netip.MustParseAddrPort("0.0.0.0:4000"), Signalling: natIP}, netip.AddrPort{}, netip.AddrPort{}},
		{"c= IPv4-mapped signalling IP", Peer{SDP: netip.MustParseAddrPort("[::ffff:198.51.100.7]:31000"), Signalling: natIP}, netip.AddrPort{}, natRTP},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := NewLatch(tt.peer)
			if tt.from.IsValid() {
				l.Accept(tt.from)
			}
			got, ok := l.Target()
			if got != tt.want || ok != tt.want.IsValid() {
				t.Errorf("target = %v, %v; want %v", got, ok, tt.want)
			}
		})
	}
}

// TestLatchSetSDP: a re-INVITE's new address unlatches and becomes the
// allowed SDP address; the old one is no longer accepted.
func TestLatchSetSDP(t *testing.T) {
	l := NewLatch(Peer{SDP: phoneSDP, Signalling: natIP})
	l.Accept(phoneSDP)
	moved := netip.MustParseAddrPort("192.0.2.20:5000")
	l.SetSDP(moved)
	if l.Latched() {
		t.Fatal("still latched after SetSDP")
	}
	if _, ok := l.Target(); ok {
		t.Error("sends to the new, unverified SDP address")
	}
	if l.Accept(phoneSDP) {
		t.Error("the old SDP address latched after the re-INVITE")
	}
	if !l.Accept(moved) {
		t.Error("the new SDP address was not accepted")
	}
	if to, _ := l.Target(); to != moved {
		t.Errorf("target = %v, want %v", to, moved)
	}
	if !l.Verified(moved.Addr()) || !l.Verified(natIP) || l.Verified(attacker.Addr()) {
		t.Error("Verified does not name exactly the latched and signalling IPs")
	}
}

func TestReserved(t *testing.T) {
	for _, tt := range []struct {
		ip   string
		want bool
	}{
		{"0.0.0.0", true}, {"0.1.2.3", true}, {"224.0.0.1", true}, {"239.255.255.250", true},
		{"240.0.0.1", true}, {"255.255.255.255", true}, {"::", true}, {"ff02::1", true},
		{"::ffff:255.255.255.255", true}, {"::ffff:224.1.1.1", true}, {"::2", true},
		{"127.0.0.1", false}, {"10.0.0.1", false}, {"192.0.2.1", false}, {"223.255.255.254", false},
		{"::1", false}, {"2001:db8::1", false}, {"fe80::1", false}, {"::ffff:10.1.2.3", false},
	} {
		if got := Reserved(netip.MustParseAddr(tt.ip)); got != tt.want {
			t.Errorf("Reserved(%s) = %v, want %v", tt.ip, got, tt.want)
		}
	}
	if !Reserved(netip.Addr{}) {
		t.Error("the zero Addr is not reserved")
	}
}

func TestDirectedBroadcast(t *testing.T) {
	for _, tt := range []struct {
		cidr string
		want string // empty: none
	}{
		{"192.168.1.10/24", "192.168.1.255"}, {"10.1.2.3/8", "10.255.255.255"}, {"172.16.5.1/30", "172.16.5.3"},
		{"172.16.5.1/31", ""}, {"172.16.5.1/32", ""}, {"2001:db8::1/64", ""},
	} {
		ip, n, err := net.ParseCIDR(tt.cidr)
		if err != nil {
			t.Fatal(err)
		}
		n.IP = ip
		got, ok := directedBroadcast(n)
		if (tt.want == "" && ok) || (tt.want != "" && got.String() != tt.want) {
			t.Errorf("directedBroadcast(%s) = %v, %v; want %q", tt.cidr, got, ok, tt.want)
		}
	}
	// A 16-byte mask, as some platforms give IPv4 interfaces.
	n := &net.IPNet{IP: net.ParseIP("192.168.7.9"), Mask: net.CIDRMask(120, 128)}
	if got, ok := directedBroadcast(n); !ok || got.String() != "192.168.7.255" {
		t.Errorf("16-byte mask: %v, %v", got, ok)
	}
	if _, err := LocalBroadcasts(); err != nil {
		t.Fatal(err)
	}
}

// TestSessionHijack is the regression test of the RTP hijack: an attacker
// on another IP (127.0.0.2) sprays RTP before the phone sends; the session
// drops it, latches on to the phone (the signalling source IP 127.0.0.1)
// and never sends the attacker anything.
func TestSessionHijack(t *testing.T) {
	att, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 2)})
	if err != nil {
		t.Skip("no 127.0.0.2:", err)
	}
	defer att.Close()
	phone := listenLocal(t)
	defer phone.Close()
	// The SDP names an address nobody listens on (a phone behind NAT).
	s, ch := newTestSession(t, netip.MustParseAddrPort("127.0.0.1:9"))
	for i := range 5 {
		att.WriteToUDPAddrPort(rawRTP(t, 0, uint16(i), 0, []byte{0xEE}), s.LocalAddr())
	}
	waitFor(t, func() bool { return s.Stats().Ignored == 5 })
	phone.WriteToUDPAddrPort(rawRTP(t, 0, 1, 0, []byte{0x11}), s.LocalAddr())
	if r := recv(t, ch); r.payload[0] != 0x11 {
		t.Fatalf("handler got %x, want the phone's 11", r.payload)
	}
	att.WriteToUDPAddrPort(rawRTP(t, 0, 9, 0, []byte{0xEE}), s.LocalAddr())
	waitFor(t, func() bool { return s.Stats().Ignored == 6 })
	if err := NewPacketizer(s, 0, PCMU).WritePayload([]byte{2}); err != nil {
		t.Fatal(err)
	}
	if p := readRTP(t, phone); p.Payload[0] != 2 {
		t.Errorf("phone got %x", p.Payload)
	}
	att.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if n, _, err := att.ReadFromUDPAddrPort(make([]byte, 1500)); err == nil {
		t.Errorf("the attacker received %d bytes", n)
	}
}

// TestSessionNoReflection is the regression test of the reflection: a c=
// naming a third party (127.0.0.3) gets nothing until media comes from it.
func TestSessionNoReflection(t *testing.T) {
	victim, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 3)})
	if err != nil {
		t.Skip("no 127.0.0.3:", err)
	}
	defer victim.Close()
	conn := listenLocal(t)
	s, err := NewSession(conn, Peer{SDP: addrOf(victim), Signalling: localhost}, func(*rtp.Packet) {})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	p := NewPacketizer(s, 0, PCMU)
	for range 10 {
		if err := p.WritePayload(make([]byte, 160)); err != ErrNoRemote {
			t.Fatalf("write to an unverified c=: %v, want ErrNoRemote", err)
		}
	}
	if st := s.Stats(); st.Withheld != 10 || st.PacketsOut != 0 {
		t.Errorf("stats %+v, want 10 withheld, none out", st)
	}
	victim.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if n, _, err := victim.ReadFromUDPAddrPort(make([]byte, 1500)); err == nil {
		t.Errorf("the third party received %d bytes", n)
	}
}

// FuzzLatch drives a Latch with a peer and a sequence of packet sources and
// SDP changes taken from the input, and checks the rule's invariants after
// every step: nothing is sent to a reserved address; what is sent to is the
// latched source or an SDP address whose IP is the signalling IP; a source
// is accepted only from the SDP's or the signalling IP; once latched, only
// the latched source is.
func FuzzLatch(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 0x0f, 0xa0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0x0f, 0xa2, 5, 6, 7, 8, 0x10, 0})
	f.Add([]byte{10, 0, 0, 1, 0x10, 0, 203, 0, 113, 9, 0, 1, 10, 0, 0, 1, 0x20, 0, 255, 255, 255, 255, 0, 9})
	f.Add([]byte{224, 0, 0, 1, 0, 9, 224, 0, 0, 1, 224, 0, 0, 1, 0, 9})
	f.Fuzz(func(t *testing.T, b []byte) {
		addr := func() (netip.AddrPort, bool) {
			if len(b) < 6 {
				return netip.AddrPort{}, false
			}
			a := netip.AddrPortFrom(netip.AddrFrom4([4]byte(b[:4])), uint16(b[4])<<8|uint16(b[5]))
			b = b[6:]
			return a, true
		}
		sdp, _ := addr()
		sigAP, _ := addr()
		sig := sigAP.Addr()
		l := NewLatch(Peer{SDP: sdp, Signalling: sig})
		for {
			a, ok := addr()
			if !ok {
				return
			}
			if a.Port()%7 == 0 { // now and then, a re-INVITE
				l.SetSDP(a)
			} else {
				before, wasLatched := l.Remote(), l.Latched()
				allowed := !Reserved(a.Addr()) && a.Port() != 0 &&
					(a.Addr() == l.Peer().SDP.Addr() || a.Addr() == sig)
				got := l.Accept(a)
				switch {
				case wasLatched && got != (a == before):
					t.Fatalf("latched to %v: accepted %v = %v", before, a, got)
				case !wasLatched && got != allowed:
					t.Fatalf("not latched (peer %+v): accepted %v = %v, want %v", l.Peer(), a, got, allowed)
				}
			}
			if to, ok := l.Target(); ok {
				if Reserved(to.Addr()) || to.Port() == 0 {
					t.Fatalf("sends to %v", to)
				}
				if !l.Latched() && to.Addr() != sig {
					t.Fatalf("sends to %v before latching, signalling IP %v", to, sig)
				}
				if l.Latched() && to != l.Remote() {
					t.Fatalf("sends to %v, latched %v", to, l.Remote())
				}
			}
		}
	})
}
