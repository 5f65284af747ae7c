package metrics

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/parleyhq/parley/media"
)

// SharedRTPSource is what the parley_rtp_shared_* metrics read at each
// scrape: *media.SharedPorts (rtp.shared_ports).
type SharedRTPSource interface {
	// Stats returns the sockets' counters, summed. It is called on the
	// scraping goroutine and must not block for long.
	Stats() media.SharedStats
}

// WatchSharedRTP adds the counters of the RTP sockets SIP legs share
// (rtp.shared_ports), read from src at each scrape. Call it once, and only
// when the sockets exist.
func (m *Metrics) WatchSharedRTP(src SharedRTPSource) error {
	if err := m.reg.Register(newSharedRTPCollector(src)); err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	return nil
}

// sharedRTPCollector reports media.SharedStats.
type sharedRTPCollector struct {
	src                                    SharedRTPSource
	legs, reads, received, unrouted        *prometheus.Desc
	invalid, writes, sent, failed, dropped *prometheus.Desc
}

func newSharedRTPCollector(src SharedRTPSource) *sharedRTPCollector {
	d := func(name, help string) *prometheus.Desc { return prometheus.NewDesc(name, help, nil, nil) }
	return &sharedRTPCollector{
		src:  src,
		legs: d("parley_rtp_shared_legs", "SIP legs whose RTP is on the shared sockets (rtp.shared_ports) now."),
		reads: d("parley_rtp_shared_reads_total",
			"recvmmsg calls on the shared RTP sockets (datagrams received ÷ reads is the batch size)."),
		received: d("parley_rtp_shared_datagrams_received_total", "Datagrams the shared RTP sockets read, RTP and RTCP."),
		unrouted: d("parley_rtp_shared_datagrams_unrouted_total",
			"Datagrams the shared RTP sockets read that no leg took: strangers, and sources several unlatched legs could claim."),
		invalid: d("parley_rtp_shared_datagrams_invalid_total",
			"Datagrams on the shared RTP sockets that were neither RTP nor RTCP, and reads that failed."),
		writes: d("parley_rtp_shared_writes_total",
			"sendmmsg calls on the shared RTP sockets (datagrams sent ÷ writes is the batch size)."),
		sent: d("parley_rtp_shared_datagrams_sent_total", "Datagrams the shared RTP sockets sent."),
		failed: d("parley_rtp_shared_datagrams_send_failed_total",
			"Datagrams the kernel refused to send on the shared RTP sockets."),
		dropped: d("parley_rtp_shared_datagrams_dropped_total",
			"Datagrams not sent because a shared RTP socket's send queue was full."),
	}
}

// Describe implements prometheus.Collector.
func (c *sharedRTPCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.legs, c.reads, c.received, c.unrouted, c.invalid, c.writes, c.sent, c.failed, c.dropped} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *sharedRTPCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.src.Stats()
	ch <- prometheus.MustNewConstMetric(c.legs, prometheus.GaugeValue, float64(s.Legs))
	for _, v := range []struct {
		d *prometheus.Desc
		n uint64
	}{{c.reads, s.Reads}, {c.received, s.Received}, {c.unrouted, s.Unrouted}, {c.invalid, s.Invalid},
		{c.writes, s.Batches}, {c.sent, s.Sent}, {c.failed, s.SendFailed}, {c.dropped, s.Dropped}} {
		ch <- prometheus.MustNewConstMetric(v.d, prometheus.CounterValue, float64(v.n))
	}
}
