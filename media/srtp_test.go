package media

import (
	"bytes"
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/pion/rtcp"
)

// srtpKeyPair returns mirrored keys for two sessions of suite: what a
// sends with, b receives with, and the other way round. seed makes each
// generation of keys different.
func srtpKeyPair(suite SRTPSuite, seed byte) (a, b SRTPKeys) {
	key, salt := suite.KeyLen()
	x, y := make([]byte, key+salt), make([]byte, key+salt)
	for i := range x {
		x[i], y[i] = seed+byte(i), seed^0x5a+byte(3*i)
	}
	return SRTPKeys{Suite: suite, Local: x, Remote: y}, SRTPKeys{Suite: suite, Local: y, Remote: x}
}

var allSuites = []SRTPSuite{SRTPAESCM128SHA1_80, SRTPAESCM128SHA1_32, SRTPAEADAES128GCM}

// tagLen is the SRTP overhead of each suite on an RTP packet.
var tagLen = map[SRTPSuite]int{SRTPAESCM128SHA1_80: 10, SRTPAESCM128SHA1_32: 4, SRTPAEADAES128GCM: 16}

func TestSRTPRoundTrip(t *testing.T) {
	for _, suite := range allSuites {
		t.Run(suite.String(), func(t *testing.T) {
			a, _ := newTestSession(t, netip.AddrPort{})
			b, bch := newTestSession(t, a.LocalAddr())
			ka, kb := srtpKeyPair(suite, 1)
			if err := a.SetSRTP(ka); err != nil {
				t.Fatal(err)
			}
			if err := b.SetSRTP(kb); err != nil {
				t.Fatal(err)
			}
			// What goes on the wire: a's packets to a plain socket.
			wire := listenLocal(t)
			a.SetRemote(addrOf(wire))
			payload := bytes.Repeat([]byte{0xff, 0x7f}, 80)
			pa := NewPacketizer(a, 0, PCMU)
			if err := pa.WritePayload(payload); err != nil {
				t.Fatal(err)
			}
			raw := readRaw(t, wire)
			if len(raw) != rtpHeaderSize+len(payload)+tagLen[suite] {
				t.Errorf("srtp packet of %d bytes, want %d", len(raw), rtpHeaderSize+len(payload)+tagLen[suite])
			}
			if bytes.Contains(raw, payload[:16]) {
				t.Error("the payload went out in the clear")
			}
			// Now to b, which decrypts.
			a.SetRemote(b.LocalAddr())
			for range 3 {
				if err := pa.WritePayload(payload); err != nil {
					t.Fatal(err)
				}
			}
			for range 3 {
				if r := recv(t, bch); !bytes.Equal(r.payload, payload) || r.hdr.SSRC != a.SSRC() {
					t.Fatalf("b got %x from %x", r.payload, r.hdr.SSRC)
				}
			}
			if got, ok := b.SRTP(); !ok || got != suite {
				t.Errorf("SRTP() = %v %v", got, ok)
			}
			if st := b.Stats(); st.SRTPFailed != 0 || st.PacketsIn != 3 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

func TestSRTPTamperedAndReplayedDropped(t *testing.T) {
	for _, suite := range allSuites {
		t.Run(suite.String(), func(t *testing.T) {
			a, _ := newTestSession(t, netip.AddrPort{})
			wire := listenLocal(t)
			a.SetRemote(addrOf(wire))
			b, bch := newTestSession(t, addrOf(wire))
			ka, kb := srtpKeyPair(suite, 7)
			a.SetSRTP(ka)
			b.SetSRTP(kb)
			pa := NewPacketizer(a, 0, PCMU)
			payload := bytes.Repeat([]byte{0x55}, 160)
			pa.WritePayload(payload)
			good := readRaw(t, wire)
			tampered := bytes.Clone(good)
			tampered[rtpHeaderSize+5] ^= 1
			plain := rawRTP(t, 0, 1, 160, payload) // no SRTP at all
			for _, p := range [][]byte{tampered, plain} {
				if _, err := wire.WriteToUDPAddrPort(p, b.LocalAddr()); err != nil {
					t.Fatal(err)
				}
			}
			waitFor(t, func() bool { return b.Stats().SRTPFailed == 2 })
			wire.WriteToUDPAddrPort(good, b.LocalAddr())
			if r := recv(t, bch); !bytes.Equal(r.payload, payload) {
				t.Fatalf("payload %x", r.payload)
			}
			wire.WriteToUDPAddrPort(good, b.LocalAddr()) // a replay
			waitFor(t, func() bool { return b.Stats().SRTPFailed == 3 })
			if st := b.Stats(); st.PacketsIn != 1 || len(bch) != 0 {
				t.Errorf("stats %+v, %d queued", st, len(bch))
			}
			// The tampered packet latched nothing: b answers nowhere yet
			// but the SDP address.
			if b.Remote() != addrOf(wire) {
				t.Errorf("b latched %v", b.Remote())
			}
		})
	}
}

func TestSRTPRekey(t *testing.T) {
	a, _ := newTestSession(t, netip.AddrPort{})
	wire := listenLocal(t)
	a.SetRemote(addrOf(wire))
	b, bch := newTestSession(t, addrOf(wire))
	k1a, k1b := srtpKeyPair(SRTPAESCM128SHA1_80, 1)
	a.SetSRTP(k1a)
	b.SetSRTP(k1b)
	pa := NewPacketizer(a, 0, PCMU)
	send := func(n byte) []byte {
		t.Helper()
		if err := pa.WritePayload([]byte{n, n, n}); err != nil {
			t.Fatal(err)
		}
		return readRaw(t, wire)
	}
	deliver := func(p []byte, want byte) {
		t.Helper()
		wire.WriteToUDPAddrPort(p, b.LocalAddr())
		if r := recv(t, bch); r.payload[0] != want {
			t.Fatalf("payload %x, want %x", r.payload, want)
		}
	}
	deliver(send(1), 1)
	inFlight := send(2) // sent with generation 1, arrives after the rekey
	// The same keys again: nothing changes (the replay window holds).
	b.SetSRTP(k1b)
	// Generation 2: a new context each way.
	k2a, k2b := srtpKeyPair(SRTPAEADAES128GCM, 9)
	a.SetSRTP(k2a)
	b.SetSRTP(k2b)
	p3 := send(3)
	if len(p3) != rtpHeaderSize+3+16 {
		t.Fatalf("after the rekey a sends %d bytes, want GCM's %d", len(p3), rtpHeaderSize+3+16)
	}
	deliver(p3, 3)
	deliver(inFlight, 2) // the previous generation still checks
	// Generation 3: generation 1 is refused now.
	k3a, k3b := srtpKeyPair(SRTPAESCM128SHA1_32, 20)
	a.SetSRTP(k3a)
	b.SetSRTP(k3b)
	deliver(send(4), 4)
	wire.WriteToUDPAddrPort(inFlight, b.LocalAddr())
	waitFor(t, func() bool { return b.Stats().SRTPFailed == 1 })
	deliver(send(5), 5)
}

func TestSRTCPRoundTrip(t *testing.T) {
	for _, suite := range allSuites {
		t.Run(suite.String(), func(t *testing.T) {
			a, _ := newTestSession(t, netip.AddrPort{})
			b, _ := newTestSession(t, netip.AddrPort{})
			rr, err := (&rtcp.ReceiverReport{SSRC: a.SSRC()}).Marshal()
			if err != nil {
				t.Fatal(err)
			}
			// Without keys: unchanged.
			if out, err := a.ProtectRTCP(nil, rr); err != nil || !bytes.Equal(out, rr) {
				t.Fatalf("plain ProtectRTCP = %x, %v", out, err)
			}
			ka, kb := srtpKeyPair(suite, 3)
			a.SetSRTP(ka)
			b.SetSRTP(kb)
			sec, err := a.ProtectRTCP(nil, rr)
			if err != nil || bytes.Equal(sec, rr) {
				t.Fatalf("ProtectRTCP = %x, %v", sec, err)
			}
			bad := bytes.Clone(sec)
			bad[len(bad)-1] ^= 1
			if _, err := b.UnprotectRTCP(nil, bad); !errors.Is(err, ErrSRTPAuth) {
				t.Errorf("tampered: %v, want ErrSRTPAuth", err)
			}
			got, err := b.UnprotectRTCP(nil, sec)
			if err != nil || !bytes.Equal(got, rr) {
				t.Errorf("UnprotectRTCP = %x, %v; want %x", got, err, rr)
			}
			if _, err := b.UnprotectRTCP(nil, sec); !errors.Is(err, ErrSRTPAuth) {
				t.Errorf("replayed: %v, want ErrSRTPAuth", err)
			}
			if n := b.Stats().SRTPFailed; n != 2 {
				t.Errorf("SRTPFailed %d, want 2", n)
			}
		})
	}
}

func TestSetSRTPValidates(t *testing.T) {
	good, _ := srtpKeyPair(SRTPAESCM128SHA1_80, 1)
	for name, k := range map[string]SRTPKeys{
		"unknown suite": {Suite: 0, Local: good.Local, Remote: good.Remote},
		"short local":   {Suite: SRTPAESCM128SHA1_80, Local: good.Local[:29], Remote: good.Remote},
		"long remote":   {Suite: SRTPAESCM128SHA1_80, Local: good.Local, Remote: append(bytes.Clone(good.Remote), 0)},
		"gcm with 30":   {Suite: SRTPAEADAES128GCM, Local: good.Local, Remote: good.Remote},
	} {
		a, _ := newTestSession(t, netip.AddrPort{})
		if err := a.SetSRTP(k); err == nil {
			t.Errorf("%s: no error", name)
		}
		if _, ok := a.SRTP(); ok {
			t.Errorf("%s: keys set", name)
		}
	}
}

// readRaw reads one datagram from c.
func readRaw(t *testing.T, c *net.UDPConn) []byte {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 1600)
	n, err := c.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	return buf[:n]
}
