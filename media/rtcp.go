package media

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

// DefaultRTCPInterval is the mean RTCP report interval of a two-party
// session: the 5 s minimum of RFC 3550 §6.2.
const DefaultRTCPInterval = 5 * time.Second

// RTCPConfig turns on a Session's RTCP (RFC 3550 §6): sender or receiver
// reports at randomised intervals, and the far end's reports read for the
// leg's Quality.
type RTCPConfig struct {
	// Conn is the RTCP socket, on the RTP port + 1 (RFC 3550 §11); the
	// Session owns it from EnableRTCP on and closes it in Close. nil
	// multiplexes RTCP on the RTP socket (RFC 5761), and then it goes where
	// RTP goes.
	Conn UDPConn
	// Remote is where the SDP says RTCP goes (a=rtcp, RFC 3605, else the RTP
	// port + 1); used with Conn only, and only while its IP is verified
	// (Latch.Verified). Once RTCP arrives on Conn, it goes to that source.
	Remote netip.AddrPort
	// Interval is the mean report interval; 0 means DefaultRTCPInterval.
	// Each interval is drawn from 0.5 to 1.5 times it (RFC 3550 §6.3.1).
	Interval time.Duration
	// Format is the stream's encoding: its clock rate times the reports
	// and the jitter, its name picks the MOS's codec impairment.
	Format Format
}

// rtcpState is the RTCP of one session. The reader goroutine updates the
// receive statistics and WriteRTP the sender's, so the lock is held only
// to copy a few words per packet.
type rtcpState struct {
	cfg  RTCPConfig
	ssrc uint32 // ours
	now  func() time.Time

	// The sender's side, written by WriteRTP without a lock.
	lastTS     atomic.Uint32
	lastTSAt   atomic.Int64 // UnixNano of the last RTP packet sent, 0 before
	packetsOut atomic.Uint32
	octetsOut  atomic.Uint32
	firstSeq   atomic.Uint32 // sequence number of the first RTP packet sent, once sent
	sentAny    atomic.Bool

	mu         sync.Mutex
	recv       receiveStats   // guarded by mu
	lastSR     uint32         // guarded by mu: middle 32 bits of the far end's last SR's NTP time
	lastSRAt   int64          // guarded by mu: UnixNano it arrived at
	reported   bool           // guarded by mu: a report block about our stream arrived
	lostOut    int32          // guarded by mu: its cumulative loss
	highestOut uint32         // guarded by mu: its extended highest sequence number
	jitterOut  uint32         // guarded by mu: its jitter, in RTP units
	rtt        time.Duration  // guarded by mu: 0 while unknown
	xr         *VoIPMetrics   // guarded by mu
	from       netip.AddrPort // guarded by mu: the latched RTCP source on Conn
	remote     netip.AddrPort // guarded by mu: the SDP's RTCP address (cfg.Remote, then SetRTCPRemote)
	sentPrior  uint32         // guarded by mu: packetsOut at the last report

	timer   *time.Timer // guarded by mu: the next report; nil before Start
	stopped bool        // guarded by mu: Close has begun

	received, invalid atomic.Uint64 // RTCP packets read, and those that did not parse
}

// EnableRTCP turns on RTCP for the session; call it before Start. The
// session then sends a report at every interval to the far end (see
// RTCPConfig) and reads its reports from the same addresses it accepts
// RTP from (Latch.Allowed).
//
// Every RTCP packet sent goes through writeRTCP and every one received
// through readRTCP: the two places an SRTCP layer (RFC 3711) wraps.
func (s *Session) EnableRTCP(cfg RTCPConfig) error {
	s.stateMu.Lock()
	defer s.stateMu.Unlock()
	if s.closed {
		return ErrSessionClosed
	}
	if s.started {
		return ErrSessionStarted
	}
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultRTCPInterval
	}
	st := &rtcpState{cfg: cfg, ssrc: s.ssrc, now: time.Now, remote: cfg.Remote}
	st.recv.clockRate = int64(cfg.Format.ClockRate)
	s.rtcp = st
	return nil
}

// startRTCP schedules the first report and, with a socket of its own,
// starts the RTCP reader. stateMu is held.
func (s *Session) startRTCP() {
	if s.rtcp == nil {
		return
	}
	// The first report comes after half an interval (RFC 3550 §6.2). A
	// timer, not a goroutine, waits for each: a leg costs no goroutine
	// between reports.
	s.rtcp.mu.Lock()
	s.rtcp.timer = time.AfterFunc(jittered(s.rtcp.cfg.Interval/2), s.sendReport)
	s.rtcp.mu.Unlock()
	if s.rtcp.cfg.Conn != nil {
		s.wg.Add(1)
		go s.readRTCPConn()
	}
}

// sendReport sends a report and schedules the next one, unless the
// session is closing; it runs on the timer's goroutine.
func (s *Session) sendReport() {
	if pkt, err := s.rtcp.report(false); err == nil {
		_ = s.writeRTCP(pkt)
	}
	s.rtcp.mu.Lock()
	defer s.rtcp.mu.Unlock()
	if !s.rtcp.stopped {
		s.rtcp.timer.Reset(jittered(s.rtcp.cfg.Interval))
	}
}

// stopRTCP stops the reports, sends a last one with a BYE (RFC 3550 §6.6)
// and closes the RTCP socket; it runs in Close before the RTP socket
// closes. A report on its way meanwhile may fail on the closed socket.
func (s *Session) stopRTCP() {
	if s.rtcp == nil {
		return
	}
	s.rtcp.mu.Lock()
	s.rtcp.stopped = true
	started := s.rtcp.timer != nil
	if started {
		s.rtcp.timer.Stop()
	}
	s.rtcp.mu.Unlock()
	if started {
		if pkt, err := s.rtcp.report(true); err == nil {
			_ = s.writeRTCP(pkt)
		}
	}
	if s.rtcp.cfg.Conn != nil {
		_ = s.rtcp.cfg.Conn.Close()
	}
}

// jittered returns d times a random factor from 0.5 to 1.5.
func jittered(d time.Duration) time.Duration {
	return time.Duration(float64(d) * (0.5 + rand.Float64()))
}

// writeRTCP sends one compound RTCP packet to the far end: on the RTCP
// socket to the latched RTCP source or the SDP's verified RTCP address,
// or, multiplexed, where RTP goes. It is the one place RTCP leaves.
func (s *Session) writeRTCP(pkt []byte) error {
	conn, to := s.conn, netip.AddrPort{}
	if s.rtcp.cfg.Conn != nil {
		conn = s.rtcp.cfg.Conn
		s.rtcp.mu.Lock()
		sdp := s.rtcp.remote
		to = s.rtcp.from
		s.rtcp.mu.Unlock()
		if !to.IsValid() {
			s.addrMu.Lock()
			if s.latch.Verified(sdp.Addr()) && sdp.Port() != 0 {
				to = unmap(sdp)
			}
			s.addrMu.Unlock()
		}
	} else if dst := s.send.Load(); dst != nil {
		to = *dst
	}
	if !to.IsValid() {
		return ErrNoRemote
	}
	pkt, err := s.ProtectRTCP(nil, pkt) // SRTCP once the session has keys
	if err != nil {
		return err
	}
	if _, err := conn.WriteToUDPAddrPort(pkt, to); err != nil {
		return fmt.Errorf("media: send rtcp to %s: %w", to, err)
	}
	return nil
}

// SetRTCPRemote sets the SDP's RTCP address, as a new offer or answer
// gives it, and forgets the RTCP source learnt so far, as SetRemote does
// for RTP. It does nothing without RTCP or with RTCP multiplexed.
func (s *Session) SetRTCPRemote(addr netip.AddrPort) {
	if s.rtcp == nil || s.rtcp.cfg.Conn == nil {
		return
	}
	s.rtcp.mu.Lock()
	defer s.rtcp.mu.Unlock()
	s.rtcp.remote, s.rtcp.from = addr, netip.AddrPort{}
}

// readRTCPConn reads the RTCP socket until it is closed.
func (s *Session) readRTCPConn() {
	defer s.wg.Done()
	buf := make([]byte, MaxPacketSize)
	for {
		n, from, err := s.rtcp.cfg.Conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if s.closing.Load() || errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		s.readRTCP(buf[:n], unmap(from))
	}
}

// readRTCP takes one compound RTCP packet from from, if from may send
// media to the session (Latch.Allowed), after SRTCP's check and decryption
// when the session has keys: the one place RTCP comes in. On
// its own socket, the first accepted source is where RTCP goes from then
// on (symmetric RTCP, for NAT).
func (s *Session) readRTCP(b []byte, from netip.AddrPort) {
	s.addrMu.Lock()
	ok := s.latch.Allowed(from.Addr())
	s.addrMu.Unlock()
	if !ok {
		s.stats.ignored.Add(1)
		return
	}
	b, err := s.UnprotectRTCP(nil, b) // SRTCP once the session has keys; a forgery is counted and dropped
	if err != nil {
		return
	}
	if err := s.rtcp.handle(b); err != nil {
		return
	}
	if s.rtcp.cfg.Conn != nil {
		s.rtcp.mu.Lock()
		if !s.rtcp.from.IsValid() {
			s.rtcp.from = from
		}
		s.rtcp.mu.Unlock()
	}
}

// receivedRTP accounts for one accepted RTP packet, on the reader goroutine.
func (r *rtcpState) receivedRTP(pkt *rtp.Packet, arrivalNS int64) {
	r.mu.Lock()
	r.recv.update(pkt.SSRC, pkt.SequenceNumber, pkt.Timestamp, arrivalNS)
	r.mu.Unlock()
}

// sentRTP accounts for one RTP packet sent, on WriteRTP's goroutine.
func (r *rtcpState) sentRTP(seq uint16, ts uint32, payload int, atNS int64) {
	if !r.sentAny.Load() {
		r.firstSeq.Store(uint32(seq))
		r.sentAny.Store(true)
	}
	r.lastTS.Store(ts)
	r.lastTSAt.Store(atNS)
	r.packetsOut.Add(1)
	r.octetsOut.Add(uint32(payload))
}

// handle reads one compound RTCP packet: the far end's SR (for the LSR of
// our next report block), its report block about our stream (loss,
// jitter, round trip), and its RTCP-XR VoIP metrics. A packet that does
// not parse is counted and its error returned.
func (r *rtcpState) handle(b []byte) error {
	pkts, err := rtcp.Unmarshal(b)
	if err != nil {
		r.invalid.Add(1)
		return fmt.Errorf("media: rtcp: %w", err)
	}
	r.received.Add(1)
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range pkts {
		switch p := p.(type) {
		case *rtcp.SenderReport:
			r.lastSR, r.lastSRAt = uint32(p.NTPTime>>16), now.UnixNano()
			r.reports(p.Reports, now)
		case *rtcp.ReceiverReport:
			r.reports(p.Reports, now)
		case *rtcp.ExtendedReport:
			for _, blk := range p.Reports {
				if v, ok := blk.(*rtcp.VoIPMetricsReportBlock); ok && v.SSRC == r.ssrc {
					r.xr = voipMetrics(v)
				}
			}
		}
	}
	return nil
}

// reports takes the report blocks about our stream. r.mu is held.
func (r *rtcpState) reports(blocks []rtcp.ReceptionReport, now time.Time) {
	for _, rr := range blocks {
		if rr.SSRC != r.ssrc {
			continue
		}
		r.reported = true
		r.lostOut = int32(rr.TotalLost<<8) >> 8 // 24-bit signed
		r.highestOut = rr.LastSequenceNumber
		r.jitterOut = rr.Jitter
		if rr.LastSenderReport != 0 {
			if rtt, ok := roundTrip(ntpTime(now), rr.LastSenderReport, rr.Delay); ok {
				r.rtt = rtt
			}
		}
	}
}

// roundTrip returns the round-trip time of RFC 3550 §6.4.1, A - LSR -
// DLSR, from the middle 32 bits of the NTP time now and a report block's
// LSR and DLSR (units of 1/65536 s); false when it comes out negative or
// longer than a minute (a clock or echo gone wrong).
func roundTrip(now uint64, lsr, dlsr uint32) (time.Duration, bool) {
	a := uint32(now >> 16)
	d := int64(int32(a - lsr - dlsr))
	if d < 0 || d > 60<<16 {
		return 0, false
	}
	return time.Duration(d * int64(time.Second) >> 16), true
}

// voipMetrics reads an RTCP-XR VoIP metrics block (RFC 3611 §4.7.1-4.7.5).
func voipMetrics(v *rtcp.VoIPMetricsReportBlock) *VoIPMetrics {
	mos := func(b uint8) float64 {
		if b == 127 || b == 0 {
			return 0
		}
		return float64(b) / 10
	}
	return &VoIPMetrics{
		LossRate: float64(v.LossRate) * 100 / 256, DiscardRate: float64(v.DiscardRate) * 100 / 256,
		RoundTrip: float64(v.RoundTripDelay), RFactor: int(v.RFactor), MOSLQ: mos(v.MOSLQ), MOSCQ: mos(v.MOSCQ),
	}
}

// ntpEpochOffset is the seconds from 1900 (NTP's epoch) to 1970.
const ntpEpochOffset = 2208988800

// ntpTime returns t as a 64-bit NTP timestamp (RFC 3550 §4).
func ntpTime(t time.Time) uint64 {
	ns := t.UnixNano()
	secs := uint64(ns/1e9) + ntpEpochOffset
	frac := uint64(ns%1e9) << 32 / 1e9
	return secs<<32 | frac
}

// report builds our compound report: an SR if we sent RTP since the last
// report, else an RR, with a report block about the far end's stream once
// it has sent; then an SDES CNAME (RFC 3550 §6.1) and, with bye, a BYE.
func (r *rtcpState) report(bye bool) ([]byte, error) {
	now := r.now()
	out := r.packetsOut.Load()
	r.mu.Lock()
	var blocks []rtcp.ReceptionReport
	if r.recv.started {
		blk := rtcp.ReceptionReport{
			SSRC: r.recv.ssrc, FractionLost: r.recv.interval(), TotalLost: uint32(r.recv.lost()) & 0xffffff,
			LastSequenceNumber: r.recv.extendedMax(), Jitter: r.recv.jitterRTP(),
		}
		if r.lastSRAt != 0 {
			blk.LastSenderReport = r.lastSR
			blk.Delay = uint32((now.UnixNano() - r.lastSRAt) << 16 / int64(time.Second))
		}
		blocks = append(blocks, blk)
	}
	sent := out != r.sentPrior
	r.sentPrior = out
	r.mu.Unlock()

	var first rtcp.Packet
	if sent {
		ts := r.lastTS.Load()
		if at := r.lastTSAt.Load(); at != 0 && r.cfg.Format.ClockRate > 0 {
			// The RTP time of now, on the clock of the packets sent.
			ts += uint32((now.UnixNano() - at) * int64(r.cfg.Format.ClockRate) / int64(time.Second))
		}
		first = &rtcp.SenderReport{SSRC: r.ssrc, NTPTime: ntpTime(now), RTPTime: ts,
			PacketCount: out, OctetCount: r.octetsOut.Load(), Reports: blocks}
	} else {
		first = &rtcp.ReceiverReport{SSRC: r.ssrc, Reports: blocks}
	}
	pkts := []rtcp.Packet{first, &rtcp.SourceDescription{Chunks: []rtcp.SourceDescriptionChunk{{
		Source: r.ssrc, Items: []rtcp.SourceDescriptionItem{{Type: rtcp.SDESCNAME, Text: "parley-" + strconv.FormatUint(uint64(r.ssrc), 16)}},
	}}}}
	if bye {
		pkts = append(pkts, &rtcp.Goodbye{Sources: []uint32{r.ssrc}})
	}
	b, err := rtcp.Marshal(pkts)
	if err != nil {
		return nil, fmt.Errorf("media: build rtcp: %w", err)
	}
	return b, nil
}

// quality returns the leg's quality so far.
func (r *rtcpState) quality() Quality {
	r.mu.Lock()
	defer r.mu.Unlock()
	rate := float64(r.cfg.Format.ClockRate)
	q := Quality{Received: uint64(r.recv.received), Expected: uint64(r.recv.expected()), Reported: r.reported,
		RTT: float64(r.rtt) / float64(time.Millisecond)}
	if q.Expected > 0 {
		q.LossIn = percent(float64(r.recv.lost()), float64(q.Expected))
	}
	if rate > 0 {
		q.JitterIn = float64(r.recv.jitterRTP()) * 1000 / rate
		q.JitterOut = float64(r.jitterOut) * 1000 / rate
	}
	if r.reported {
		// The far end's expected count is not in its report block: its
		// highest sequence number less our first, else our packets sent.
		expected := float64(r.packetsOut.Load())
		if r.sentAny.Load() {
			if e := r.highestOut - r.firstSeq.Load() + 1; e > 0 && e < 1<<31 {
				expected = float64(e)
			}
		}
		if expected > 0 {
			q.LossOut = percent(float64(r.lostOut), expected)
		}
	}
	if r.xr != nil {
		xr := *r.xr
		q.XR = &xr
	}
	q.estimateMOS(r.cfg.Format.Name)
	return q
}

// percent returns 100 part/whole, clamped to 0-100.
func percent(part, whole float64) float64 {
	return min(max(100*part/whole, 0), 100)
}

// Quality returns the leg's call quality so far, and false when RTCP is
// not enabled (EnableRTCP).
func (s *Session) Quality() (Quality, bool) {
	if s.rtcp == nil {
		return Quality{}, false
	}
	return s.rtcp.quality(), true
}
