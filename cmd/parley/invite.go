package main

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/parleyhq/parley/api"
	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/config"
	"github.com/parleyhq/parley/notify"
	"github.com/parleyhq/parley/store"
	"github.com/parleyhq/parley/web"
	"github.com/parleyhq/parley/webrtc"
)

// inviteOptions fills in the parts of the API's options that invitations
// need: the public URL, the dial-in numbers, and the mailer and SMS
// gateway when the config has smtp and sms sections (nil otherwise, so
// that the API answers 503 "not configured" rather than calling a typed
// nil).
func inviteOptions(cfg *config.Config, opts *api.Options) error {
	opts.PublicURL = cfg.HTTP.PublicURL
	opts.SIPHost = sipHost(cfg)
	for _, d := range cfg.DialIn {
		opts.DialIn = append(opts.DialIn, api.DialInNumber{Number: d.Number, Label: d.Label})
	}
	if cfg.SMTP != nil {
		m, err := notify.NewMailer(notify.MailConfigFrom(cfg.SMTP))
		if err != nil {
			return fmt.Errorf("smtp: %w", err)
		}
		opts.Mailer = m
	}
	if cfg.SMS != nil {
		s, err := notify.NewSMS(notify.SMSConfigFrom(cfg.SMS))
		if err != nil {
			return fmt.Errorf("sms: %w", err)
		}
		opts.SMS = s
		opts.PhoneCountry = cfg.SMS.DefaultCountry
	}
	return nil
}

// joinPage returns the guest join page, to be mounted at /join/; guests
// runs the calls of those who join from the browser.
func joinPage(db *store.DB, b *bridge.Bridge, guests *webrtc.Server, nodes web.Nodes, log *slog.Logger) (http.Handler, error) {
	return web.New(web.Options{Links: db, Rooms: b, Guests: guests, Nodes: nodes, Logger: log})
}

// sipHost is the host SIP phones reach Parley at, for the rooms' SIP
// addresses in join info: sip.domain, else sip.public_ip, else the host of
// http.public_url; with the port of the first sip.listen address when it
// is not 5060 (nor 0, a test's). "" when none is set.
func sipHost(cfg *config.Config) string {
	host := cfg.SIP.Domain
	if host == "" {
		host = cfg.SIP.PublicIP
	}
	if host == "" && cfg.HTTP.PublicURL != "" {
		if u, err := url.Parse(cfg.HTTP.PublicURL); err == nil {
			host = u.Hostname()
		}
	}
	if host == "" {
		return ""
	}
	if len(cfg.SIP.Listen) > 0 {
		if _, addr, err := config.ParseListen(cfg.SIP.Listen[0]); err == nil {
			if _, port, err := net.SplitHostPort(addr); err == nil && port != "5060" && port != "0" {
				return net.JoinHostPort(host, port)
			}
		}
	}
	if strings.Contains(host, ":") {
		return "[" + host + "]" // an IPv6 address
	}
	return host
}
