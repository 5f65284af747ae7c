package media

import (
	"math"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

// newRTCPState returns RTCP state for SSRC ssrc at 8 kHz PCMU whose clock
// is *now.
func newRTCPState(ssrc uint32, now *time.Time) *rtcpState {
	r := &rtcpState{cfg: RTCPConfig{Format: PCMU, Interval: DefaultRTCPInterval}, ssrc: ssrc,
		now: func() time.Time { return *now }}
	r.recv.clockRate = 8000
	return r
}

// TestRTCPReportRoundTrip has a sends RTP to b with every 20th packet
// lost, b reports, a reads the report: a's view of its outgoing loss and
// the round trip come out as set up.
func TestRTCPReportRoundTrip(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	a, b := newRTCPState(0xa, &now), newRTCPState(0xb, &now)
	for i := range 1000 {
		at := now.Add(time.Duration(i) * 20 * time.Millisecond).UnixNano()
		a.sentRTP(uint16(i), uint32(i*160), 160, at)
		if i%20 != 10 {
			b.receivedRTP(&rtp.Packet{Header: rtp.Header{SSRC: 0xa, SequenceNumber: uint16(i), Timestamp: uint32(i * 160)}}, at)
		}
	}
	now = now.Add(20 * time.Second)
	sr, err := a.report(false)
	if err != nil {
		t.Fatal(err)
	}
	pkts, err := rtcp.Unmarshal(sr)
	if err != nil {
		t.Fatal(err)
	}
	s, ok := pkts[0].(*rtcp.SenderReport)
	if !ok || s.PacketCount != 1000 || s.OctetCount != 160_000 || s.SSRC != 0xa {
		t.Fatalf("a's first report: %+v, want an SR of 1000 packets, 160000 octets", pkts[0])
	}
	if _, ok := pkts[1].(*rtcp.SourceDescription); !ok {
		t.Errorf("second packet %T, want SDES", pkts[1])
	}
	// b reads a's SR; 100 ms later b reports; 150 ms after that a reads it.
	now = now.Add(50 * time.Millisecond)
	if err := b.handle(sr); err != nil {
		t.Fatal(err)
	}
	now = now.Add(100 * time.Millisecond)
	rr, err := b.report(false)
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := rtcp.Unmarshal(rr); len(p) == 0 {
		t.Fatal("empty report")
	} else if _, ok := p[0].(*rtcp.ReceiverReport); !ok {
		t.Errorf("b sent no RTP, yet its report is %T, not an RR", p[0])
	}
	// a sends on while the report travels: its loss is of what b had
	// expected when it reported, not of all a has sent.
	for i := 1000; i < 1100; i++ {
		a.sentRTP(uint16(i), uint32(i*160), 160, now.UnixNano())
	}
	now = now.Add(50 * time.Millisecond)
	if err := a.handle(rr); err != nil {
		t.Fatal(err)
	}
	qa, qb := a.quality(), b.quality()
	if !qa.Reported || math.Abs(qa.LossOut-5) > 0.01 {
		t.Errorf("a's outgoing loss = %v%% (reported %v), want 5%%", qa.LossOut, qa.Reported)
	}
	if math.Abs(qa.RTT-100) > 1 { // 50 ms there, 50 ms back; 100 ms held at b
		t.Errorf("RTT = %v ms, want 100", qa.RTT)
	}
	if math.Abs(qb.LossIn-5) > 0.01 || qb.Received != 950 || qb.Expected != 1000 {
		t.Errorf("b's incoming: loss %v%% received %d expected %d, want 5%% 950 1000", qb.LossIn, qb.Received, qb.Expected)
	}
	if qb.MOS >= 4.3 || qb.MOS < 3 {
		t.Errorf("b's MOS at 5%% loss = %.2f, want 3-4.3", qb.MOS)
	}
	// The SR of the packets sent meanwhile; then one with nothing sent
	// since: an RR.
	if _, err := a.report(false); err != nil {
		t.Fatal(err)
	}
	if b2, _ := a.report(true); len(b2) > 0 {
		p, _ := rtcp.Unmarshal(b2)
		if _, ok := p[0].(*rtcp.ReceiverReport); !ok {
			t.Errorf("report after an idle interval is %T, want RR", p[0])
		}
		if _, ok := p[len(p)-1].(*rtcp.Goodbye); !ok {
			t.Errorf("last packet of the final report is %T, want BYE", p[len(p)-1])
		}
	}
}

func TestRoundTrip(t *testing.T) {
	at := ntpTime(time.Unix(1_800_000_000, 0))
	mid := uint32(at >> 16)
	tests := []struct {
		name      string
		lsr, dlsr uint32
		want      time.Duration
		ok        bool
	}{
		{"250 ms, 1 s held", mid - 1<<16 - 1<<14, 1 << 16, 250 * time.Millisecond, true},
		{"zero", mid - 1<<15, 1 << 15, 0, true},
		{"negative", mid, 1 << 16, 0, false},
		{"over a minute", mid - 61<<16, 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := roundTrip(at, tt.lsr, tt.dlsr)
			if ok != tt.ok || got != tt.want {
				t.Errorf("roundTrip = %v %v, want %v %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestRTCPXR(t *testing.T) {
	now := time.Now()
	r := newRTCPState(0xa, &now)
	b, err := rtcp.Marshal([]rtcp.Packet{
		&rtcp.ReceiverReport{SSRC: 0xb},
		&rtcp.ExtendedReport{SenderSSRC: 0xb, Reports: []rtcp.ReportBlock{&rtcp.VoIPMetricsReportBlock{
			SSRC: 0xa, LossRate: 64, DiscardRate: 0, RoundTripDelay: 80, RFactor: 70, MOSLQ: 36, MOSCQ: 127,
		}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.handle(b); err != nil {
		t.Fatal(err)
	}
	xr := r.quality().XR
	if xr == nil || xr.LossRate != 25 || xr.RoundTrip != 80 || xr.RFactor != 70 || xr.MOSLQ != 3.6 || xr.MOSCQ != 0 {
		t.Errorf("XR = %+v, want 25%% loss, 80 ms, R 70, MOS-LQ 3.6, no MOS-CQ", xr)
	}
}

// TestSessionRTCP runs two sessions against each other over the loopback,
// RTCP multiplexed for one and on its own port for the other: each reads
// the other's reports; RTCP from a source the latch does not allow is
// ignored.
func TestSessionRTCP(t *testing.T) {
	a, b := rtcpPair(t, nil, nil)
	br := b.rtcp
	if err := a.EnableRTCP(RTCPConfig{}); err != ErrSessionStarted {
		t.Errorf("EnableRTCP after Start = %v, want ErrSessionStarted", err)
	}
	exchangeReports(t, a, b)
	// A stranger's RTCP, on the RTP port and on the RTCP port: ignored.
	stranger := listenLocalOn(t, netip.MustParseAddr("127.0.0.2"))
	// Its report carries an XR block, which b never sends: if it were
	// taken, it would show.
	pkt, err := rtcp.Marshal([]rtcp.Packet{&rtcp.ReceiverReport{SSRC: 0xbad},
		&rtcp.ExtendedReport{SenderSSRC: 0xbad, Reports: []rtcp.ReportBlock{&rtcp.VoIPMetricsReportBlock{SSRC: a.SSRC(), LossRate: 200}}}})
	if err != nil {
		t.Fatal(err)
	}
	ignored := a.Stats().Ignored + b.Stats().Ignored
	for _, to := range []netip.AddrPort{a.LocalAddr(), br.cfg.Conn.LocalAddr().(interface{ AddrPort() netip.AddrPort }).AddrPort()} {
		if _, err := stranger.WriteToUDPAddrPort(pkt, to); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, func() bool { return a.Stats().Ignored+b.Stats().Ignored >= ignored+2 })
	qa, _ := a.Quality()
	qb, _ := b.Quality()
	if qa.XR != nil || qb.XR != nil {
		t.Errorf("a stranger's report was taken: XR %+v %+v", qa.XR, qb.XR)
	}
}

// listenLocalOn binds a UDP socket on ip, port 0.
func listenLocalOn(t *testing.T, ip netip.Addr) interface {
	WriteToUDPAddrPort([]byte, netip.AddrPort) (int, error)
} {
	t.Helper()
	c := listenLocal(t)
	c.Close()
	conn, err := listenUDP(ip)
	if err != nil {
		t.Skipf("cannot bind %s: %v", ip, err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func BenchmarkRTCPReport(b *testing.B) {
	now := time.Now()
	r := newRTCPState(1, &now)
	for i := range 100 {
		r.receivedRTP(&rtp.Packet{Header: rtp.Header{SSRC: 2, SequenceNumber: uint16(i), Timestamp: uint32(i * 160)}}, int64(i)*20e6)
		r.sentRTP(uint16(i), uint32(i*160), 160, int64(i)*20e6)
	}
	b.ReportAllocs()
	for b.Loop() {
		r.packetsOut.Add(1)
		if _, err := r.report(false); err != nil {
			b.Fatal(err)
		}
	}
}

func listenUDP(ip netip.Addr) (*net.UDPConn, error) {
	return net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, 0)))
}

// BenchmarkReceivedRTP is the per-packet cost a Session with RTCP adds to
// its reader: the statistics under their lock.
func BenchmarkReceivedRTP(b *testing.B) {
	now := time.Now()
	r := newRTCPState(1, &now)
	pkt := &rtp.Packet{Header: rtp.Header{SSRC: 2}}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		pkt.SequenceNumber, pkt.Timestamp = uint16(i), uint32(i)*160
		r.receivedRTP(pkt, int64(i)*20e6)
	}
}

// BenchmarkRTCPHandle reads a phone's compound SR with one report block.
func BenchmarkRTCPHandle(b *testing.B) {
	now := time.Now()
	r := newRTCPState(1, &now)
	pkt, err := rtcp.Marshal([]rtcp.Packet{&rtcp.SenderReport{SSRC: 2, NTPTime: ntpTime(now),
		Reports: []rtcp.ReceptionReport{{SSRC: 1, TotalLost: 3, LastSenderReport: 5, Delay: 7}}},
		&rtcp.SourceDescription{Chunks: []rtcp.SourceDescriptionChunk{{Source: 2,
			Items: []rtcp.SourceDescriptionItem{{Type: rtcp.SDESCNAME, Text: "phone@example.com"}}}}}})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := r.handle(pkt); err != nil {
			b.Fatal(err)
		}
	}
}

// TestSessionRTCPOverSRTP: two sessions with SRTP keys exchange their
// reports as SRTCP, multiplexed and on the RTCP port alike; a plain RTCP
// report from the right address is refused (counted in SRTPFailed), not
// taken.
func TestSessionRTCPOverSRTP(t *testing.T) {
	ka, kb := srtpKeyPair(SRTPAESCM128SHA1_80, 7)
	a, b := rtcpPair(t, &ka, &kb)
	exchangeReports(t, a, b)
	if f := a.Stats().SRTPFailed + b.Stats().SRTPFailed; f != 0 {
		t.Fatalf("%d SRTP/SRTCP packets failed between the two", f)
	}
	// A plain report sent to a's RTP port from b's own address: not SRTCP,
	// so refused.
	plain, err := rtcp.Marshal([]rtcp.Packet{&rtcp.ReceiverReport{SSRC: b.SSRC()}})
	if err != nil {
		t.Fatal(err)
	}
	failed := a.Stats().SRTPFailed
	if _, err := b.conn.WriteToUDPAddrPort(plain, a.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return a.Stats().SRTPFailed > failed })
}

// rtcpPair starts two sessions with RTCP every 40 ms, a's multiplexed on
// its RTP port and b's on a socket of its own, each sending to the other;
// with keys, each protects its media with them.
func rtcpPair(t *testing.T, ka, kb *SRTPKeys) (a, b *Session) {
	t.Helper()
	mk := func(mux bool, k *SRTPKeys) *Session {
		s, err := NewSession(listenLocal(t), Peer{Signalling: localhost}, func(*rtp.Packet) {})
		if err != nil {
			t.Fatal(err)
		}
		cfg := RTCPConfig{Format: PCMU, Interval: 40 * time.Millisecond}
		if !mux {
			cfg.Conn = listenLocal(t)
		}
		if err := s.EnableRTCP(cfg); err != nil {
			t.Fatal(err)
		}
		if k != nil {
			if err := s.SetSRTP(*k); err != nil {
				t.Fatal(err)
			}
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	a, b = mk(true, ka), mk(false, kb)
	a.SetRemote(b.LocalAddr())
	b.SetRemote(a.LocalAddr())
	a.SetRTCPRemote(netip.MustParseAddrPort("127.0.0.1:9")) // multiplexed: no effect
	b.SetRTCPRemote(a.LocalAddr())
	for _, s := range []*Session{a, b} {
		if err := s.Start(); err != nil {
			t.Fatal(err)
		}
	}
	return a, b
}

// exchangeReports sends 50 packets each way between a and b and waits
// until each has received them all and a report from the other.
func exchangeReports(t *testing.T, a, b *Session) {
	t.Helper()
	for i := range 50 {
		for _, s := range []*Session{a, b} {
			if err := s.WriteRTP(&rtp.Packet{Header: rtp.Header{SequenceNumber: uint16(i), Timestamp: uint32(i * 160)}, Payload: make([]byte, 160)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	waitFor(t, func() bool {
		qa, _ := a.Quality()
		qb, _ := b.Quality()
		return qa.Reported && qb.Reported && qa.Received == 50 && qb.Received == 50
	})
}
