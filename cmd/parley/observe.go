package main

import (
	"github.com/parleyhq/parley/metrics"
	"github.com/parleyhq/parley/notify"
	"github.com/parleyhq/parley/webhook"
)

// metricsSources is what the metrics read of the app's parts once they
// are built and bound: the bridge, the SIP server (media, registrations),
// the browser guests, the webhooks, the store, and the mailer and SMS
// gateway when configured (left nil otherwise, so that their counters
// read 0).
func (a *app) metricsSources(hooks *webhook.Sender) metrics.Sources {
	s := metrics.Sources{Rooms: a.b, RTP: a.sip, Events: a.b, Bindings: a.sip, Guests: a.guests,
		Webhooks: hooks, Store: a.db}
	if m, ok := a.apiOpts.Mailer.(*notify.Mailer); ok {
		s.Mail = m
	}
	if m, ok := a.apiOpts.SMS.(*notify.SMS); ok {
		s.SMS = m
	}
	return s
}

// watchCerts makes parley_tls_cert_expiry_seconds{listener="http"} read
// the HTTPS certificate in use at each scrape, when it comes from files
// (reloaded on SIGHUP or when they change). ACME's certificates are left
// out: autocert renews them itself. sip.tls's is recorded once, when
// newApp loads it.
func (a *app) watchCerts() {
	if a.front.cert != nil {
		a.mtr.WatchCert("http", a.front.cert.GetCertificate)
	}
}
