// Package metrics exposes Parley's metrics in the Prometheus text format at
// /metrics: rooms and participants, calls by direction and result, the
// mixer's tick durations and late ticks, RTP packets and jitter-buffer
// delay, SIP requests and responses, registrations, browser guests'
// sessions, webhook and invitation deliveries, store errors, TLS
// certificates' expiry, and the process and Go runtime collectors.
//
// Everything lives on the Metrics value's own registry, never on
// prometheus.DefaultRegisterer: two Metrics (two tests) do not meet. Gauges
// of the bridge and the SIP server are read at scrape time through the small
// interfaces RoomSource and RTPSource; counters of events are fed by hooks
// (ObserveTick, CallIn, MediaEnded) and by the bridge's event stream.
package metrics

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/sip"
)

// RoomSource is what the metrics read of the rooms at each scrape:
// *bridge.Bridge.
type RoomSource interface {
	// RoomStats returns a snapshot of every room. It is called on the
	// scraping goroutine and must not block for long.
	RoomStats() []bridge.RoomStats
}

// RTPSource is what the metrics read of the live calls' media at each
// scrape: *sip.Server.
type RTPSource interface {
	// RTPStats returns the RTP counters summed over the live calls. It is
	// called on the scraping goroutine and must not block for long.
	RTPStats() sip.RTPStats
}

// EventSource is where the calls out are counted from: *bridge.Bridge.
type EventSource interface {
	// Subscribe returns a subscription to every room's events.
	Subscribe() *bridge.Subscription
}

// Sources are what Start reads and listens to. Each may be nil (an
// untyped nil: not a nil pointer in an interface); its metrics are then
// left out (RoomSource), count only what the hooks report (RTPSource,
// EventSource) or stay at 0 (the rest).
type Sources struct {
	// Rooms gives parley_rooms_active, parley_participants and
	// parley_talkers.
	Rooms RoomSource
	// RTP gives the live calls' share of the parley_rtp_* counters,
	// parley_calls_active and the jitter-buffer delay gauges.
	RTP RTPSource
	// Events gives parley_calls_total{direction="out"} from the dial
	// events.
	Events EventSource
	// Bindings gives parley_registrations_active.
	Bindings BindingSource
	// Guests gives parley_webrtc_sessions_active and _total.
	Guests GuestSource
	// Webhooks gives parley_webhook_deliveries_total and
	// parley_webhook_retries_total.
	Webhooks WebhookSource
	// Mail and SMS give parley_notifications_total{channel="email"} and
	// {channel="sms"}.
	Mail, SMS SendSource
	// Store gives parley_store_errors_total.
	Store StoreSource
}

// Options configure a Metrics.
type Options struct {
	// Logger receives the rare events worth a line (a scrape that failed,
	// events missed by lagging); nil discards them.
	Logger *slog.Logger
}

// Call results, the values of parley_calls_total's result label. They are
// the bridge's dial statuses (bridge.DialStatus) plus refused, for calls
// in that Parley turned away.
var results = []string{"answered", "refused", "busy", "declined", "not_found", "no_answer", "failed"}

// tickBuckets are the bucket bounds of parley_mixer_tick_seconds, in
// seconds: fine below a millisecond, where a healthy tick lies, and around
// the 20 ms tick period, past which ticks fall behind.
var tickBuckets = []float64{0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05}

// ErrStarted is returned by Start on a Metrics already started or closed.
var ErrStarted = errors.New("metrics: already started")

// Metrics holds Parley's metrics and serves them. Its hooks (ObserveTick,
// CallIn, MediaEnded, SIPMessage, SetCertExpiry, CertLoaded, WatchCert)
// and Handler may be used from any goroutine, before Start and after
// Close.
type Metrics struct {
	log     *slog.Logger
	reg     *prometheus.Registry
	handler http.Handler

	calls    *prometheus.CounterVec // parley_calls_total{direction, result}
	tick     prometheus.Histogram   // parley_mixer_tick_seconds
	lateTick prometheus.Counter     // parley_mixer_late_ticks_total
	ended    rtpTotals              // what ended streams had, for the RTP counters
	col      *collector
	sip      *sipCounters
	edges    *edgeCollector
	certs    *certCollector // parley_tls_cert_expiry_seconds{listener}
	quality  *qualityHistograms

	mu      sync.Mutex
	started bool                 // guarded by mu
	closed  bool                 // guarded by mu
	sub     *bridge.Subscription // guarded by mu; nil without an EventSource
	done    chan struct{}        // guarded by mu; closed when the event loop returns
}

// New returns Metrics on a registry of their own, with the process and Go
// runtime collectors on it. It starts nothing and reads nothing: Start
// does.
func New(opts Options) (*Metrics, error) {
	m := &Metrics{log: opts.Logger, reg: prometheus.NewRegistry()}
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	m.calls = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "parley_calls_total",
		Help: "Calls that reached a final result, by direction (in: dialled into Parley; out: called out of a room) and result.",
	}, []string{"direction", "result"})
	m.tick = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "parley_mixer_tick_seconds",
		Help:    "Wall-clock time one mixer tick took (read, mix, encode and send 20 ms for one room).",
		Buckets: tickBuckets,
	})
	m.lateTick = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "parley_mixer_late_ticks_total",
		Help: "Mixer ticks run one 20 ms period or more after they were due, to catch up after a stall.",
	})
	m.col = newCollector(&m.ended)
	m.sip = newSIPCounters()
	m.edges = newEdgeCollector()
	m.certs = newCertCollector()
	m.quality = newQualityHistograms()
	for _, dir := range []string{"in", "out"} { // every series exists from the start, at 0
		for _, r := range results {
			m.calls.WithLabelValues(dir, r)
		}
	}
	for _, c := range append([]prometheus.Collector{
		m.calls, m.tick, m.lateTick, m.col, m.edges, m.certs,
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewGoCollector(),
	}, append(m.sip.collectors(), m.quality.collectors()...)...) {
		if err := m.reg.Register(c); err != nil {
			return nil, fmt.Errorf("metrics: %w", err)
		}
	}
	m.handler = promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog:      errorLog{m.log},
		ErrorHandling: promhttp.ContinueOnError,
		Registry:      m.reg, // counts the handler's own errors
	})
	return m, nil
}

// Handler returns the handler to mount at /metrics. It serves the text
// exposition format (or protobuf, if the scraper asks), compressed when the
// scraper accepts gzip.
func (m *Metrics) Handler() http.Handler { return m.handler }

// Start makes the scrape-time gauges read s.Rooms and s.RTP, and counts
// the calls out from s.Events on a goroutine of its own, which Close stops
// and waits for. It returns ErrStarted if called twice or after Close.
func (m *Metrics) Start(s Sources) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.started || m.closed {
		return ErrStarted
	}
	m.started = true
	m.col.setSources(s.Rooms, s.RTP)
	m.edges.setSources(edgeSources{bindings: s.Bindings, guests: s.Guests, webhooks: s.Webhooks,
		mail: s.Mail, sms: s.SMS, store: s.Store})
	if s.Events == nil {
		return nil
	}
	m.sub = s.Events.Subscribe()
	m.done = make(chan struct{})
	go m.countDials(m.sub, m.done)
	return nil
}

// Close stops counting events and waits for Start's goroutine. The
// handler and the hooks keep working. Close is idempotent.
func (m *Metrics) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	sub, done := m.sub, m.done
	m.mu.Unlock()
	if sub != nil {
		sub.Close() // closes sub.C, which ends countDials
		<-done
	}
	return nil
}

// countDials counts the calls out as their dial events reach a final
// status, until sub is closed.
func (m *Metrics) countDials(sub *bridge.Subscription, done chan<- struct{}) {
	defer close(done)
	dropped := 0
	for e := range sub.C {
		if e.Type == bridge.EventDial && e.Status != bridge.DialRinging {
			m.calls.WithLabelValues("out", resultOf(string(e.Status))).Inc()
		}
		if n := sub.Dropped(); n > dropped { // never per event: only when some were lost
			m.log.Warn("metrics missed bridge events: calls out undercounted", "missed", n-dropped)
			dropped = n
		}
	}
}

// ObserveTick records one mixer tick: how long it took, wall clock, and
// whether the mixer's Metronome ran it late (catching up after a stall). It is the mixer's
// tick hook: it runs on the tick goroutine, does not block and does not
// allocate.
func (m *Metrics) ObserveTick(d time.Duration, late bool) {
	m.tick.Observe(d.Seconds())
	if late {
		m.lateTick.Inc()
	}
}

// CallIn counts a call in that reached its final result: one of answered,
// refused, busy, declined, not_found, no_answer, failed; anything else
// counts as failed, so the label's values stay few. It may be called from
// any goroutine and does not block.
func (m *Metrics) CallIn(result string) {
	m.calls.WithLabelValues("in", resultOf(result)).Inc()
}

// MediaEnded adds to the RTP counters what a stream had counted when it
// ended: a call's media when the call is released, or the old stream a
// re-INVITE replaced. Call it once per stream, after the stream is closed
// and no longer reachable through the RTPSource, so that no packet is
// counted twice. A stream's call quality (s.Quality) goes into the
// parley_call_* histograms. It may be called from any goroutine and does
// not block.
func (m *Metrics) MediaEnded(s sip.RTPStats) {
	m.ended.add(s)
	m.quality.observe(s.Quality)
}

// resultOf maps r to a value of the result label.
func resultOf(r string) string {
	for _, v := range results {
		if v == r {
			return r
		}
	}
	return "failed"
}

// rtpTotals are the RTP counters of the streams that have ended.
type rtpTotals struct {
	in, out, lost, ignored, withheld atomic.Uint64
}

func (t *rtpTotals) add(s sip.RTPStats) {
	t.in.Add(s.PacketsIn)
	t.out.Add(s.PacketsOut)
	t.lost.Add(s.PacketsLost)
	t.ignored.Add(s.PacketsIgnored)
	t.withheld.Add(s.PacketsWithheld)
}

// errorLog adapts a *slog.Logger to promhttp.Logger.
type errorLog struct{ log *slog.Logger }

func (l errorLog) Println(v ...any) { l.log.Warn("metrics scrape failed", "err", fmt.Sprint(v...)) }
