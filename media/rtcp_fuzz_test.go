package media

import (
	"testing"
	"time"

	"github.com/pion/rtcp"
)

// FuzzRTCP hands arbitrary datagrams to the RTCP reader, then builds a
// report and reads the quality, as the session would: whatever a peer
// sends, nothing panics and the figures stay in range.
func FuzzRTCP(f *testing.F) {
	seed := func(pkts ...rtcp.Packet) {
		b, err := rtcp.Marshal(pkts)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	seed(&rtcp.SenderReport{SSRC: 2, NTPTime: 1 << 40, Reports: []rtcp.ReceptionReport{{SSRC: 1, TotalLost: 5, LastSenderReport: 7, Delay: 9}}})
	seed(&rtcp.ReceiverReport{SSRC: 2, Reports: []rtcp.ReceptionReport{{SSRC: 1, TotalLost: 0xffffff, Jitter: 1 << 30}}})
	seed(&rtcp.ReceiverReport{SSRC: 2}, &rtcp.ExtendedReport{SenderSSRC: 2, Reports: []rtcp.ReportBlock{
		&rtcp.VoIPMetricsReportBlock{SSRC: 1, LossRate: 255, MOSLQ: 45}}})
	seed(&rtcp.ReceiverReport{SSRC: 2}, &rtcp.Goodbye{Sources: []uint32{2}})
	f.Add([]byte{0x80, 0xc9, 0x00, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		now := time.Unix(1_800_000_000, 0)
		r := newRTCPState(1, &now)
		r.sentRTP(0, 0, 160, now.UnixNano())
		_ = r.handle(b)
		if _, err := r.report(false); err != nil {
			t.Fatalf("report after %x: %v", b, err)
		}
		q := r.quality()
		if q.LossOut < 0 || q.LossOut > 100 || q.RTT < 0 || q.RTT > 60_000 {
			t.Fatalf("quality out of range after %x: %+v", b, q)
		}
	})
}
