package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"sync"
	"syscall"
	"time"

	gosip "github.com/emiago/sipgo/sip"

	"github.com/parleyhq/parley/api"
	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/config"
	"github.com/parleyhq/parley/guard"
	"github.com/parleyhq/parley/media"
	"github.com/parleyhq/parley/metrics"
	"github.com/parleyhq/parley/prompts"
	"github.com/parleyhq/parley/sip"
	"github.com/parleyhq/parley/sip/digest"
	"github.com/parleyhq/parley/store"
	"github.com/parleyhq/parley/web"
	"github.com/parleyhq/parley/webhook"
	"github.com/parleyhq/parley/webrtc"
)

// serve runs the bridge on cfg until a signal arrives on stop, then hangs
// up every call politely and returns.
func serve(cfg *config.Config, logOut io.Writer, stop <-chan os.Signal) error {
	log := newLogger(cfg.Log, logOut)
	gosip.SetDefaultLogger(log) // sipgo's own warnings go to our log, in its format
	ports, err := media.NewPortRange(cfg.RTP.Ports.Min, cfg.RTP.Ports.Max)
	if err != nil {
		return err
	}
	// The bridge dials out through the SIP server, which needs the bridge:
	// the dialer reaches the server once it exists.
	var sipServer *sip.Server
	dialer := bridge.DialerFunc(func(ctx context.Context, out bridge.Outbound) (bridge.Leg, error) {
		return sipServer.Dial(ctx, out)
	})
	db, err := store.Open(cfg.Store.Path)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	defer db.Close()
	rooms, err := loadRooms(db, cfg.Rooms)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	voice, err := prompts.Load(cfg.Prompts.Dir)
	if err != nil {
		return fmt.Errorf("prompts.dir: %w", err)
	}
	mtr, err := metrics.New(metrics.Options{Logger: log})
	if err != nil {
		return err
	}
	// One guard against guessing, shared by the registrar, the PIN prompt,
	// the console sign-in and the API's bearer tokens.
	g := cfg.Guard
	grd, err := guard.New(guard.Options{FreeFailures: g.FreeFailures, BaseDelay: g.BaseDelay, MaxDelay: g.MaxDelay,
		BanAfter: g.BanAfter, BanFor: g.BanFor, Window: g.Window, KeyFreeFailures: g.KeyFreeFailures,
		GlobalFreeFailures: g.GlobalFreeFailures, MaxEntries: g.MaxEntries, Logger: log})
	if err != nil {
		return fmt.Errorf("guard: %w", err)
	}
	if err := mtr.WatchGuard(grd); err != nil {
		return err
	}
	router, err := routerFromConfig(cfg)
	if err != nil {
		return err
	}
	// A direct target may not reach Parley itself: the SIP server's bound
	// addresses, known once it exists (before any dial can be requested).
	router.Self = func() []netip.AddrPort {
		if sipServer == nil {
			return nil
		}
		return selfAddrs(sipServer.Addrs())
	}
	b, err := bridge.New(bridge.Options{Rooms: rooms, Logger: log, Records: db, State: db,
		Router: router, Dialer: dialer, Prompts: voice, OnMixerTick: mtr.ObserveTick,
		AnnounceJoinLeave: cfg.Prompts.AnnounceJoinLeave})
	if err != nil {
		return err
	}
	defer b.Close()
	stopHooks, err := startWebhooks(cfg, b, log)
	if err != nil {
		return err
	}
	defer stopHooks()
	var publicIP netip.Addr
	if cfg.SIP.PublicIP != "" {
		if publicIP, err = netip.ParseAddr(cfg.SIP.PublicIP); err != nil {
			return fmt.Errorf("sip.public_ip: %w", err)
		}
	}
	algs := make([]digest.Algorithm, len(cfg.SIP.AuthAlgorithms))
	for i, a := range cfg.SIP.AuthAlgorithms {
		if algs[i], err = digest.ParseAlgorithm(a); err != nil {
			return fmt.Errorf("sip.auth_algorithms: %w", err)
		}
	}
	keys, err := sip.ParseKeys(cfg.SIP.Keys)
	if err != nil {
		return fmt.Errorf("sip.keys: %w", err)
	}
	var tlsConfig *tls.Config
	if cfg.SIP.TLS.Cert != "" {
		cert, err := tls.LoadX509KeyPair(cfg.SIP.TLS.Cert, cfg.SIP.TLS.Key)
		if err != nil {
			return fmt.Errorf("sip.tls: %w", err)
		}
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	sipServer, err = sip.New(b, sip.Options{
		TLS:    tlsConfig,
		Listen: cfg.SIP.Listen, PublicIP: publicIP, Ports: ports, Domain: cfg.SIP.Domain,
		RTPListenIP: cfg.RTPListenIP(), MaxUnacked: cfg.SIP.MaxUnackedPerSource, AckTimeout: cfg.SIP.AckTimeout,
		RTPTimeout: cfg.Media.RTPTimeout, Logger: log,
		Extensions: sipExtensions(cfg.Extensions), Trunks: trunkAuth(cfg.Trunks),
		AuthAlgorithms: algs, Keys: keys, Prompts: voice,
		OnMediaEnded: mtr.MediaEnded, OnCallIn: mtr.CallIn,
		TCP: sip.TCPLimits{ReadTimeout: cfg.SIP.TCP.ReadTimeout, IdleTimeout: cfg.SIP.TCP.IdleTimeout,
			MaxConnsPerIP: cfg.SIP.TCP.MaxConnsPerIP, MaxConns: cfg.SIP.TCP.MaxConns},
		DigestGuard: grd.For(guard.SIPDigest), PINGuard: grd.For(guard.PIN),
	})
	if err != nil {
		return err
	}
	if err := sipServer.Start(); err != nil {
		return err
	}
	defer sipServer.Close()
	guests, err := newWebRTC(cfg.WebRTC, b, log)
	if err != nil {
		return err
	}
	defer guests.Close() // before the bridge closes: hijacked WebSockets outlive http.Server.Shutdown
	if err := mtr.Start(metrics.Sources{Rooms: b, RTP: sipServer, Events: b}); err != nil {
		return err
	}
	defer mtr.Close()

	ln, err := net.Listen("tcp", cfg.HTTP.Listen)
	if err != nil {
		return fmt.Errorf("http: %w", err)
	}
	tokens := make([]string, len(cfg.AdminTokens))
	for i, t := range cfg.AdminTokens {
		tokens[i] = t.Reveal()
	}
	apiDone := make(chan struct{}) // closed on shutdown: ends the API's event streams (WebSockets)
	apiOpts := api.Options{Ready: readyFunc(func() error { return nil }), Bridge: b, Stores: api.StoresOf(db),
		AdminTokens: tokens, Operators: operators(cfg.Extensions), Done: apiDone, Logger: log,
		ConsoleGuard: grd.For(guard.Console), AuthGuard: grd.For(guard.API),
		TokenTTL: cfg.API.TokenTTL, TokenMaxTTL: cfg.API.TokenMaxTTL}
	if err := inviteOptions(cfg, &apiOpts); err != nil {
		return err
	}
	join, err := joinPage(db, b, guests, log)
	if err != nil {
		return err
	}
	console, err := web.NewConsole(web.ConsoleOptions{Rooms: b, Logger: log})
	if err != nil {
		return err
	}
	handler := api.NewHandler(apiOpts)
	mux := http.NewServeMux()
	if cfg.Metrics.Listen == "" {
		mux.Handle("GET /metrics", mtr.Handler())
	} else {
		metricsServer, metricsDone, err := serveMetrics(cfg.Metrics.Listen, mtr.Handler(), log)
		if err != nil {
			return err
		}
		defer func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = metricsServer.Shutdown(ctx)
			<-metricsDone
		}()
	}
	mux.Handle("/join/", join)
	mux.Handle("/console/", console)
	mux.Handle("/", handler)
	httpServer := newHTTPServer(mux, defaultHTTPTimeouts(), log)
	httpServer.RegisterOnShutdown(func() { close(apiDone) })
	httpDone := make(chan error, 1)
	go func() { httpDone <- httpServer.Serve(ln) }()
	log.Info("http listening", "addr", ln.Addr().String())
	bg, stopBg := context.WithCancel(context.Background())
	var bgWG sync.WaitGroup
	bgWG.Add(1)
	go func() {
		defer bgWG.Done()
		b.RunSchedules(bg, db, time.Second)
	}()
	defer func() { stopBg(); bgWG.Wait() }()
	log.Info("parley ready", "rooms", len(rooms), "store", cfg.Store.Path, "rtp_ports", fmt.Sprintf("%d-%d", cfg.RTP.Ports.Min, cfg.RTP.Ports.Max))

	if err := waitStop(stop, httpDone, log); err != nil {
		return err
	}
	b.BeginShutdown() // the calls end now because we stop: rooms keep their locks
	sipServer.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := httpServer.Shutdown(ctx); errors.Is(err, context.DeadlineExceeded) {
		// A client holds a connection open (one it dialled and never used,
		// say): the calls are over, so cut it rather than fail the stop.
		log.Warn("http connections still open at shutdown: closed", "after", "5s")
		httpServer.Close()
	} else if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("http: %w", err)
	}
	stopHooks() // after the calls ended, so their left and ended events go out
	log.Info("stopped")
	return nil
}

// waitStop returns when a signal other than SIGHUP arrives on stop (nil) or
// the HTTP server fails (its error). SIGHUP is logged and ignored: nothing
// is reloaded yet, and the calls go on.
func waitStop(stop <-chan os.Signal, httpDone <-chan error, log *slog.Logger) error {
	for {
		select {
		case sig := <-stop:
			if sig == syscall.SIGHUP {
				log.Warn("SIGHUP: reload is not supported yet; ignored")
				continue
			}
			log.Info("shutting down", "signal", sig.String())
			return nil
		case err := <-httpDone:
			return fmt.Errorf("http: %w", err)
		}
	}
}

type readyFunc func() error

func (f readyFunc) Ready() error { return f() }

// loadRooms makes the store's config-owned rooms those of the config file
// and returns every stored room (config-owned and API-created) for the
// bridge.
func loadRooms(db *store.DB, rooms []config.Room) ([]bridge.RoomSettings, error) {
	ctx := context.Background()
	fromConfig := make([]store.Room, len(rooms))
	for i, r := range rooms {
		fromConfig[i] = store.Room{Number: r.Number, Name: r.Name, PIN: r.PIN.Reveal(), ModeratorPIN: r.ModeratorPIN.Reveal(),
			Owner: r.Owner, Members: r.Members, Quota: r.Quota, Capacity: r.Capacity, GuestAccess: r.GuestAccess,
			GuestRole: r.GuestRole, GuestWait: r.GuestWait, CallerID: r.CallerID, ConfigOwned: true}
	}
	if err := db.SyncConfigRooms(ctx, fromConfig); err != nil {
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
		out[t.Name] = sip.TrunkAuth{Username: t.Username, Password: t.Password.Reveal()}
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

// startWebhooks delivers the bridge's events to the configured webhooks
// until the returned stop is called (idempotent; it waits for queued
// deliveries, at most webhook.DefaultDrainTimeout).
func startWebhooks(cfg *config.Config, b *bridge.Bridge, log *slog.Logger) (stop func(), err error) {
	hooks := make([]webhook.Hook, len(cfg.Webhooks))
	for i, h := range cfg.Webhooks {
		hooks[i] = webhook.Hook{URL: h.URL, Secret: h.Secret.Reveal(), Events: h.Events}
	}
	sender, err := webhook.New(hooks, webhook.Options{Logger: log})
	if err != nil {
		return nil, fmt.Errorf("webhooks: %w", err)
	}
	sub := b.Subscribe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		sender.Run(context.Background(), sub.C)
	}()
	var once sync.Once
	return func() { once.Do(func() { sub.Close(); <-done }) }, nil
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
