package metrics

import (
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/parleyhq/parley/sip"
)

// Buckets of the call-quality histograms.
var (
	lossBuckets   = []float64{0.001, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2}
	jitterBuckets = []float64{0.001, 0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1}
	rttBuckets    = []float64{0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 1}
	mosBuckets    = []float64{1.5, 2, 2.5, 3, 3.5, 3.8, 4, 4.2, 4.4}
)

// qualityHistograms are the call quality of the SIP legs, observed once
// per leg when its media ends, by codec and SIP transport: so that a
// dashboard shows how many calls had a bad line, and on what.
type qualityHistograms struct {
	loss   *prometheus.HistogramVec // parley_call_loss_ratio{codec, transport, direction}
	jitter *prometheus.HistogramVec // parley_call_jitter_seconds{codec, transport}
	rtt    *prometheus.HistogramVec // parley_call_rtt_seconds{codec, transport}
	mos    *prometheus.HistogramVec // parley_call_mos{codec, transport}
}

func newQualityHistograms() *qualityHistograms {
	h := func(name, help string, buckets []float64, labels ...string) *prometheus.HistogramVec {
		return prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: name, Help: help, Buckets: buckets},
			append([]string{"codec", "transport"}, labels...))
	}
	return &qualityHistograms{
		loss: h("parley_call_loss_ratio", "Packet loss of a SIP leg over the whole call, as a ratio, by direction "+
			"(in: toward Parley, measured by Parley; out: toward the phone, from its RTCP reports).", lossBuckets, "direction"),
		jitter: h("parley_call_jitter_seconds", "Interarrival jitter of a SIP leg's packets toward Parley at the end of the call (RFC 3550).", jitterBuckets),
		rtt:    h("parley_call_rtt_seconds", "Round-trip time of a SIP leg from its last RTCP report (legs whose phone sent none are not observed).", rttBuckets),
		mos:    h("parley_call_mos", "Estimated MOS of a SIP leg at the end of the call (ITU-T G.107 E-model, worse direction).", mosBuckets),
	}
}

func (q *qualityHistograms) collectors() []prometheus.Collector {
	return []prometheus.Collector{q.loss, q.jitter, q.rtt, q.mos}
}

// observe records the quality of one ended leg, if it has one and
// received anything.
func (q *qualityHistograms) observe(lq *sip.LegQuality) {
	if lq == nil || lq.Received == 0 {
		return
	}
	codec, transport := strings.ToLower(lq.Codec), strings.ToLower(lq.Transport)
	q.loss.WithLabelValues(codec, transport, "in").Observe(lq.LossIn / 100)
	if lq.Reported {
		q.loss.WithLabelValues(codec, transport, "out").Observe(lq.LossOut / 100)
	}
	q.jitter.WithLabelValues(codec, transport).Observe(lq.JitterIn / 1000)
	if lq.RTT > 0 {
		q.rtt.WithLabelValues(codec, transport).Observe(lq.RTT / 1000)
	}
	q.mos.WithLabelValues(codec, transport).Observe(lq.MOS)
}
