package main

import (
	"fmt"
	"log/slog"
	"net/http"

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
func joinPage(db *store.DB, b *bridge.Bridge, guests *webrtc.Server, log *slog.Logger) (http.Handler, error) {
	return web.New(web.Options{Links: db, Rooms: b, Guests: guests, Logger: log})
}
