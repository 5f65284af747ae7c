package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"syscall"

	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/config"
	"github.com/parleyhq/parley/sip"
	"github.com/parleyhq/parley/store"
	"github.com/parleyhq/parley/webhook"
	"github.com/parleyhq/parley/webrtc"
)

// serve runs the bridge on cfg until a signal other than SIGHUP arrives
// on stop, then drains (refuses new calls and lets those in progress end,
// for shutdown.grace or until a second signal), hangs up every call left
// politely and returns. SIGHUP reloads cfg's file (app.Reload).
func serve(cfg *config.Config, logOut io.Writer, stop <-chan os.Signal) error {
	a, err := newApp(cfg, logOut)
	if err != nil {
		return err
	}
	if err := a.Start(context.Background()); err != nil {
		return err
	}
	reload := func() { _, _ = a.Reload(context.Background()) } // it logs what it did
	if err := waitStop(stop, a.Failed(), a.log, reload); err != nil {
		a.Close()
		return err
	}
	a.Drain(stop) // drain.go: the calls in progress may end by themselves
	return a.Shutdown(context.Background())
}

// waitStop returns when a signal other than SIGHUP arrives on stop (nil) or
// the HTTP server fails (its error). SIGHUP calls reload, and the calls go
// on.
func waitStop(stop <-chan os.Signal, httpDone <-chan error, log *slog.Logger, reload func()) error {
	for {
		select {
		case sig := <-stop:
			if sig == syscall.SIGHUP {
				log.Info("SIGHUP: reloading the config")
				reload()
				continue
			}
			log.Info("shutting down", "signal", sig.String())
			return nil
		case err := <-httpDone:
			return fmt.Errorf("http: %w", err)
		}
	}
}

// loadRooms makes the store's config-owned rooms those of the config file
// and returns every stored room (config-owned and API-created) for the
// bridge.
func loadRooms(db *store.DB, rooms []config.Room) ([]bridge.RoomSettings, error) {
	ctx := context.Background()
	if err := db.SyncConfigRooms(ctx, storeRooms(rooms)); err != nil {
		return nil, err
	}
	stored, err := db.Rooms(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]bridge.RoomSettings, len(stored))
	for i, r := range stored {
		out[i] = bridge.SettingsOf(r)
	}
	return out, nil
}

func sipExtensions(exts []config.Extension) []sip.Extension {
	out := make([]sip.Extension, len(exts))
	for i, e := range exts {
		out[i] = sip.Extension{Number: e.Number, Name: e.Name, Password: e.Password.Reveal()}
	}
	return out
}

func trunkAuth(trunks []config.Trunk) map[string]sip.TrunkAuth {
	out := make(map[string]sip.TrunkAuth, len(trunks))
	for _, t := range trunks {
		out[t.Name] = sip.TrunkAuth{Username: t.Username, Password: t.Password.Reveal(), SRTP: sip.SRTPMode(t.SRTP)}
	}
	return out
}

// newLogger builds the process logger from the log section of the config.
func newLogger(c config.Log, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.Level}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// startWebhooks delivers the bridge's events to the configured webhooks,
// through the returned sender (whose counters the metrics read, and whose
// hooks a reload changes), until the returned stop is called (idempotent;
// it waits for queued deliveries, at most webhook.DefaultDrainTimeout).
func startWebhooks(cfg *config.Config, b *bridge.Bridge, log *slog.Logger) (sender *webhook.Sender, stop func(), err error) {
	sender, err = webhook.New(webhookHooks(cfg), webhook.Options{Logger: log})
	if err != nil {
		return nil, nil, fmt.Errorf("webhooks: %w", err)
	}
	sub := b.Subscribe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		sender.Run(context.Background(), sub.C)
	}()
	var once sync.Once
	return sender, func() { once.Do(func() { sub.Close(); <-done }) }, nil
}

// newWebRTC starts the browser guests' media on the configured UDP port.
func newWebRTC(cfg config.WebRTC, b *bridge.Bridge, log *slog.Logger) (*webrtc.Server, error) {
	ice := make([]webrtc.ICEServer, len(cfg.ICEServers))
	for i, s := range cfg.ICEServers {
		ice[i] = webrtc.ICEServer{URLs: s.URLs, Username: s.Username, Credential: s.Credential.Reveal()}
	}
	srv, err := webrtc.New(webrtc.Options{Bridge: b, ListenIP: cfg.ListenIP, UDPPort: cfg.UDPPort,
		PublicIP: cfg.PublicIP, ICEServers: ice, Logger: log.With("edge", "webrtc")})
	if err != nil {
		return nil, fmt.Errorf("webrtc: %w", err)
	}
	log.Info("webrtc listening", "udp", srv.Addr().String())
	return srv, nil
}
