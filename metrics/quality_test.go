package metrics

import (
	"math"
	"testing"

	"github.com/parleyhq/parley/media"
	"github.com/parleyhq/parley/sip"
)

// TestQualityHistograms: an ended SIP leg's quality is observed by codec
// and transport, its outgoing loss and RTT only when the phone reported
// them; a leg without RTCP, or that received nothing, is not observed.
func TestQualityHistograms(t *testing.T) {
	m, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	m.MediaEnded(sip.RTPStats{Streams: 1, Quality: &sip.LegQuality{Codec: "PCMU", Transport: "UDP",
		Quality: media.Quality{Received: 950, LossIn: 5, JitterIn: 4, Reported: true, LossOut: 1, RTT: 30, MOS: 3.9}}})
	m.MediaEnded(sip.RTPStats{Streams: 1, Quality: &sip.LegQuality{Codec: "opus", Transport: "tls",
		Quality: media.Quality{Received: 10, MOS: 4.4}}})
	m.MediaEnded(sip.RTPStats{Streams: 1, Quality: &sip.LegQuality{Codec: "opus", Transport: "tls"}})
	m.MediaEnded(sip.RTPStats{Streams: 1})
	fams := scrape(t, m.Handler())
	pcmu := map[string]string{"codec": "pcmu", "transport": "udp"}
	opus := map[string]string{"codec": "opus", "transport": "tls"}
	with := func(l map[string]string, k, v string) map[string]string {
		out := map[string]string{k: v}
		for a, b := range l {
			out[a] = b
		}
		return out
	}
	wantValue(t, fams, "parley_call_loss_ratio", with(pcmu, "direction", "in"), 1)
	wantValue(t, fams, "parley_call_loss_ratio", with(pcmu, "direction", "out"), 1)
	wantValue(t, fams, "parley_call_loss_ratio", with(opus, "direction", "in"), 1)
	if _, ok := value(fams, "parley_call_loss_ratio", with(opus, "direction", "out")); ok {
		t.Error("outgoing loss observed for a leg whose phone sent no report")
	}
	wantValue(t, fams, "parley_call_mos", pcmu, 1)
	wantValue(t, fams, "parley_call_mos", opus, 1)
	wantValue(t, fams, "parley_call_rtt_seconds", pcmu, 1)
	wantValue(t, fams, "parley_call_jitter_seconds", pcmu, 1)
	for _, mm := range fams["parley_call_loss_ratio"].GetMetric() {
		if h := mm.GetHistogram(); len(mm.GetLabel()) == 3 && mm.GetLabel()[0].GetValue() == "pcmu" &&
			mm.GetLabel()[1].GetValue() == "in" && math.Abs(h.GetSampleSum()-0.05) > 1e-9 {
			t.Errorf("pcmu incoming loss sum %v, want 0.05", h.GetSampleSum())
		}
	}
}
