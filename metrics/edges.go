package metrics

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/parleyhq/parley/notify"
	"github.com/parleyhq/parley/webhook"
	"github.com/parleyhq/parley/webrtc"
)

// BindingSource is what parley_registrations_active reads at each scrape:
// *sip.Server.
type BindingSource interface {
	// Bindings returns how many registrations are live now.
	Bindings() int
}

// GuestSource is what the parley_webrtc_sessions_* metrics read at each
// scrape: *webrtc.Server.
type GuestSource interface {
	// Stats returns the browser guests' counters so far.
	Stats() webrtc.Stats
}

// WebhookSource is what the parley_webhook_* counters read at each
// scrape: *webhook.Sender.
type WebhookSource interface {
	// Stats returns the deliveries counted so far.
	Stats() webhook.Stats
}

// SendSource is what parley_notifications_total reads at each scrape for
// one channel: *notify.Mailer or *notify.SMS.
type SendSource interface {
	// Stats returns the messages sent and failed so far.
	Stats() notify.SendStats
}

// StoreSource is what parley_store_errors_total reads at each scrape:
// *store.DB.
type StoreSource interface {
	// Errors returns how many reads and writes have failed so far.
	Errors() uint64
}

// edgeSources are the edges' counters an edgeCollector reads; each may be
// nil, and its metrics are then reported at 0 (no registrar, no webhook,
// no SMTP server configured), so that every series always exists.
type edgeSources struct {
	bindings  BindingSource
	guests    GuestSource
	webhooks  WebhookSource
	mail, sms SendSource
	store     StoreSource
}

// webhookResults are the values of parley_webhook_deliveries_total's
// result label.
var webhookResults = []string{"delivered", "failed", "dropped", "abandoned"}

// edgeCollector reads the edges' counters at scrape time: they are kept by
// the edges themselves (atomics), so that the edges need not import the
// metrics.
type edgeCollector struct {
	registrations, guestsActive, guestSessions *prometheus.Desc
	webhookDeliveries, webhookRetries          *prometheus.Desc
	notifications, storeErrors                 *prometheus.Desc

	mu  sync.Mutex
	src edgeSources // guarded by mu
}

var _ prometheus.Collector = (*edgeCollector)(nil)

func newEdgeCollector() *edgeCollector {
	return &edgeCollector{
		registrations: prometheus.NewDesc("parley_registrations_active",
			"Registrations (an extension's contact bindings) live now.", nil, nil),
		guestsActive: prometheus.NewDesc("parley_webrtc_sessions_active",
			"Browser guests whose call is running now (signalling, connecting or in a room).", nil, nil),
		guestSessions: prometheus.NewDesc("parley_webrtc_sessions_total",
			"Browser guests' calls that ended, by outcome: ended (left or hung up), refused (room locked, full or unknown), connect_failed (ICE never connected or failed), failed (anything else).",
			[]string{"outcome"}, nil),
		webhookDeliveries: prometheus.NewDesc("parley_webhook_deliveries_total",
			"Webhook deliveries (one event to one hook) by result: delivered (2xx), failed (refused or out of attempts), dropped (queue full), abandoned (still pending when the drain at shutdown ran out).",
			[]string{"result"}, nil),
		webhookRetries: prometheus.NewDesc("parley_webhook_retries_total",
			"Webhook attempts that failed and were tried again after a wait (network error, 429 or 5xx).", nil, nil),
		notifications: prometheus.NewDesc("parley_notifications_total",
			"Invitations sent by channel (email: SMTP, sms: the HTTP gateway) and result (sent, failed: the server or gateway unreachable or refusing).",
			[]string{"channel", "result"}, nil),
		storeErrors: prometheus.NewDesc("parley_store_errors_total",
			"Database reads and writes that failed (I/O, disk full, locked or corrupt database), not counting answers such as not found.", nil, nil),
	}
}

// setSources sets what Collect reads.
func (c *edgeCollector) setSources(s edgeSources) {
	c.mu.Lock()
	c.src = s
	c.mu.Unlock()
}

// Describe implements prometheus.Collector.
func (c *edgeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.registrations, c.guestsActive, c.guestSessions,
		c.webhookDeliveries, c.webhookRetries, c.notifications, c.storeErrors} {
		ch <- d
	}
}

// Collect implements prometheus.Collector. It reads the sources without
// holding c.mu.
func (c *edgeCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	s := c.src
	c.mu.Unlock()
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	bindings := 0
	if s.bindings != nil {
		bindings = s.bindings.Bindings()
	}
	gauge(c.registrations, float64(bindings))

	var guests webrtc.Stats
	if s.guests != nil {
		guests = s.guests.Stats()
	}
	gauge(c.guestsActive, float64(guests.Calls))
	for _, o := range []webrtc.SessionOutcome{webrtc.SessionEnded, webrtc.SessionRefused,
		webrtc.SessionConnectFailed, webrtc.SessionFailed} {
		counter(c.guestSessions, guests.Sessions[o], string(o))
	}

	var hooks webhook.Stats
	if s.webhooks != nil {
		hooks = s.webhooks.Stats()
	}
	for i, v := range []uint64{hooks.Delivered, hooks.Failed, hooks.Dropped, hooks.Abandoned} {
		counter(c.webhookDeliveries, v, webhookResults[i])
	}
	counter(c.webhookRetries, hooks.Retried)

	for _, n := range []struct {
		channel string
		src     SendSource
	}{{"email", s.mail}, {"sms", s.sms}} {
		var st notify.SendStats
		if n.src != nil {
			st = n.src.Stats()
		}
		counter(c.notifications, st.Sent, n.channel, "sent")
		counter(c.notifications, st.Failed, n.channel, "failed")
	}

	var storeErrors uint64
	if s.store != nil {
		storeErrors = s.store.Errors()
	}
	counter(c.storeErrors, storeErrors)
}
