package metrics

import (
	"sort"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/parleyhq/parley/bridge"
)

// knownRoles and knownVias are the participants series reported even at 0,
// so that a graph shows a zero rather than a gap. Other vias appear once a
// participant has them. RoleNoAccess is never admitted, so never counted.
var (
	knownRoles = []bridge.Role{bridge.RoleOwner, bridge.RoleModerator, bridge.RolePresenter,
		bridge.RoleAttendee, bridge.RoleSpectator}
	knownVias = []string{"sip", "webrtc"}
)

// collector reads the rooms and the live calls' media at scrape time.
//
// The RTP counters are what ended streams had (ended, fed by
// Metrics.MediaEnded) plus what the live streams have now (RTPSource).
// ended is read before the live streams, and a stream is reported ended
// only once it is out of the live set, so a stream ending during a scrape
// is at worst missed by that scrape, never counted twice. The collector
// then reports the largest total seen so far, so that a counter never goes
// back even for the scrape that missed it.
type collector struct {
	ended *rtpTotals

	roomsActive, participants, talkers  *prometheus.Desc
	callsActive, rtpIn, rtpOut, rtpLost *prometheus.Desc
	rtpIgnored, rtpWithheld             *prometheus.Desc
	jitterDelayMean, jitterDelayMax     *prometheus.Desc

	mu    sync.Mutex
	rooms RoomSource // guarded by mu
	rtp   RTPSource  // guarded by mu
	last  [5]uint64  // guarded by mu; the RTP counters last reported: in, out, lost, ignored, withheld
}

var _ prometheus.Collector = (*collector)(nil)

func newCollector(ended *rtpTotals) *collector {
	return &collector{
		ended: ended,
		roomsActive: prometheus.NewDesc("parley_rooms_active",
			"Rooms with at least one participant (their mixer is running).", nil, nil),
		participants: prometheus.NewDesc("parley_participants",
			"Participants in rooms, by role and by the edge that carries them (via: sip, webrtc).", []string{"role", "via"}, nil),
		talkers: prometheus.NewDesc("parley_talkers",
			"Participants mixed in as talkers in each room's last tick, summed over the rooms.", nil, nil),
		callsActive: prometheus.NewDesc("parley_calls_active",
			"SIP calls with media, in or out, in a room or still at the PIN prompt.", nil, nil),
		rtpIn: prometheus.NewDesc("parley_rtp_packets_received_total",
			"RTP packets received from callers and accepted (from the latched source).", nil, nil),
		rtpOut: prometheus.NewDesc("parley_rtp_packets_sent_total",
			"RTP packets sent to callers.", nil, nil),
		rtpLost: prometheus.NewDesc("parley_rtp_packets_lost_total",
			"RTP packets the jitter buffers found missing at playout time, each concealed.", nil, nil),
		rtpIgnored: prometheus.NewDesc("parley_rtp_packets_ignored_total",
			"RTP packets dropped because they came from an address the call's signalling does not name (hijack attempts, scans).", nil, nil),
		rtpWithheld: prometheus.NewDesc("parley_rtp_packets_withheld_total",
			"RTP packets not sent because no address of the call was verified yet (reflection attempts, peers silent until they hear us).", nil, nil),
		jitterDelayMean: prometheus.NewDesc("parley_jitter_buffer_delay_mean_seconds",
			"Mean over the live calls of their jitter buffer's current playout delay (it grows with the network's interarrival jitter).", nil, nil),
		jitterDelayMax: prometheus.NewDesc("parley_jitter_buffer_delay_max_seconds",
			"Largest current jitter-buffer playout delay among the live calls.", nil, nil),
	}
}

// setSources sets what Collect reads; nil leaves a source out.
func (c *collector) setSources(rooms RoomSource, rtp RTPSource) {
	c.mu.Lock()
	c.rooms, c.rtp = rooms, rtp
	c.mu.Unlock()
}

// Describe implements prometheus.Collector.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.roomsActive, c.participants, c.talkers, c.callsActive,
		c.rtpIn, c.rtpOut, c.rtpLost, c.rtpIgnored, c.rtpWithheld, c.jitterDelayMean, c.jitterDelayMax} {
		ch <- d
	}
}

// Collect implements prometheus.Collector. It runs on the scraping
// goroutine (several at once, if scrapes overlap) and calls the sources
// without holding c.mu.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	rooms, rtp := c.rooms, c.rtp
	c.mu.Unlock()
	if rooms != nil {
		c.collectRooms(ch, rooms.RoomStats())
	}
	c.collectRTP(ch, rtp)
}

func (c *collector) collectRooms(ch chan<- prometheus.Metric, stats []bridge.RoomStats) {
	active, talkers := 0, 0
	counts := make(map[bridge.ParticipantKey]int)
	for _, r := range knownRoles {
		for _, v := range knownVias {
			counts[bridge.ParticipantKey{Role: r, Via: v}] = 0
		}
	}
	for _, s := range stats {
		n := 0
		for k, v := range s.Participants {
			if k.Via == "" {
				k.Via = "unknown"
			}
			counts[k] += v
			n += v
		}
		if n > 0 {
			active++
		}
		if s.Mixing {
			talkers += s.Mixer.Talkers
		}
	}
	ch <- prometheus.MustNewConstMetric(c.roomsActive, prometheus.GaugeValue, float64(active))
	ch <- prometheus.MustNewConstMetric(c.talkers, prometheus.GaugeValue, float64(talkers))
	keys := make([]bridge.ParticipantKey, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { // the registry sorts too; this keeps Collect deterministic
		if keys[i].Role != keys[j].Role {
			return keys[i].Role < keys[j].Role
		}
		return keys[i].Via < keys[j].Via
	})
	for _, k := range keys {
		ch <- prometheus.MustNewConstMetric(c.participants, prometheus.GaugeValue, float64(counts[k]), string(k.Role), k.Via)
	}
}

// collectRTP reports the RTP counters and, with a source, the live calls'
// gauges. rtp may be nil: the counters then hold what the hook reported.
func (c *collector) collectRTP(ch chan<- prometheus.Metric, rtp RTPSource) {
	total := [5]uint64{c.ended.in.Load(), c.ended.out.Load(), c.ended.lost.Load(), // before the live ones
		c.ended.ignored.Load(), c.ended.withheld.Load()}
	if rtp != nil {
		live := rtp.RTPStats()
		total[0] += live.PacketsIn
		total[1] += live.PacketsOut
		total[2] += live.PacketsLost
		total[3] += live.PacketsIgnored
		total[4] += live.PacketsWithheld
		mean := 0.0
		if live.Streams > 0 {
			mean = live.JitterDelaySum.Seconds() / float64(live.Streams)
		}
		ch <- prometheus.MustNewConstMetric(c.callsActive, prometheus.GaugeValue, float64(live.Streams))
		ch <- prometheus.MustNewConstMetric(c.jitterDelayMean, prometheus.GaugeValue, mean)
		ch <- prometheus.MustNewConstMetric(c.jitterDelayMax, prometheus.GaugeValue, live.JitterDelayMax.Seconds())
	}
	c.mu.Lock()
	for i := range total {
		c.last[i] = max(c.last[i], total[i])
		total[i] = c.last[i]
	}
	c.mu.Unlock()
	ch <- prometheus.MustNewConstMetric(c.rtpIn, prometheus.CounterValue, float64(total[0]))
	ch <- prometheus.MustNewConstMetric(c.rtpOut, prometheus.CounterValue, float64(total[1]))
	ch <- prometheus.MustNewConstMetric(c.rtpLost, prometheus.CounterValue, float64(total[2]))
	ch <- prometheus.MustNewConstMetric(c.rtpIgnored, prometheus.CounterValue, float64(total[3]))
	ch <- prometheus.MustNewConstMetric(c.rtpWithheld, prometheus.CounterValue, float64(total[4]))
}
