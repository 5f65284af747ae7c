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
	"sync"
	"time"

	gosip "github.com/emiago/sipgo/sip"

	"github.com/parleyhq/parley/api"
	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/config"
	"github.com/parleyhq/parley/guard"
	"github.com/parleyhq/parley/h323"
	"github.com/parleyhq/parley/ivr"
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

// app is Parley assembled from a config: the store, the bridge, the SIP
// and WebRTC edges, the HTTP server (API, join page, console, metrics),
// the webhooks and the schedule loop. newApp builds it and binds nothing;
// Start binds the listeners and starts the work; Drain (drain.go) refuses
// new calls and lets those in progress end; Shutdown ends the calls
// politely and releases everything. `parley serve` runs one until a
// signal, and the tests run one in the process.
//
// Start, Drain and Shutdown are called once each, from one goroutine; the
// address methods may be called from any goroutine once Start returned.
type app struct {
	cfg *config.Config
	log *slog.Logger

	// Built by newApp.
	db       *store.DB
	rooms    int // stored rooms handed to the bridge, for the ready line
	b        *bridge.Bridge
	mtr      *metrics.Metrics
	sip      *sip.Server
	h323     *h323.Server
	voice323 h323Voice // the prompts H.323 calls hear; a reload swaps them
	apiOpts  api.Options
	apiDone  chan struct{} // closed on shutdown: ends the API's event streams (WebSockets)
	console  http.Handler
	webApp   http.Handler
	httpLn   *swapListener // bound by Start; a reload may rebind it
	httpSrv  *http.Server
	httpDone chan error // receives the HTTP server's Serve error
	front    *httpFront // HTTPS, the redirect, trusted proxies (https.go)
	guests   *webrtc.Server
	metrics  *swapListener // the separate metrics listener, if any; a reload may rebind it
	stopHook func()        // stops the webhooks; idempotent
	hooks    *webhook.Sender

	clusterRouter clusterRouter // routes SIP calls once the cluster joined (cluster.go)
	remoteEvents  bridge.Feed   // the other nodes' room events, for the API's event streams (cluster.go)

	ports *media.PortRange // the RTP port range; cascade links take theirs from it too (cascade.go)

	// Reload (reload.go): one at a time, under reloadMu.
	reloadMu sync.Mutex
	reloader

	// drainOnce starts the drain once: SIGTERM or POST /api/v1/drain
	// (drain.go).
	drainOnce sync.Once

	// closers release what is acquired, in order; closeAll runs them
	// last first, as deferred calls would.
	closers []func()
}

// newApp builds Parley from cfg, logging to logOut. It opens the store
// and syncs the config's rooms into it, but binds no port and starts no
// goroutine; on error it has released what it opened.
func newApp(cfg *config.Config, logOut io.Writer) (_ *app, err error) {
	log := newLogger(cfg.Log, logOut)
	gosip.SetDefaultLogger(log) // sipgo's own warnings go to our log, in its format
	a := &app{cfg: cfg, log: log, apiDone: make(chan struct{}), reloader: reloader{running: cfg}}
	defer func() {
		if err != nil {
			a.closeAll()
		}
	}()
	if err := cfg.CheckCodecs(media.Supported); err != nil {
		return nil, err
	}
	ports, err := media.NewPortRange(cfg.RTP.Ports.Min, cfg.RTP.Ports.Max)
	if err != nil {
		return nil, err
	}
	shared, err := newSharedRTP(cfg, ports, log)
	if err != nil {
		return nil, err
	}
	if shared != nil {
		a.closers = append(a.closers, func() { shared.Close() }) // last: after the calls on it
	}
	a.ports = ports
	// The bridge dials out through the SIP and H.323 servers, which need
	// the bridge: the dialer reaches them once they exist.
	var sipServer *sip.Server
	dialer := &edgeDialer{}
	db, err := openStore(cfg.Store, log)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	a.db = db
	a.closers = append(a.closers, func() { db.Close() })
	rooms, err := loadRooms(db, cfg.Rooms)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	a.rooms = len(rooms)
	voice, err := prompts.Load(cfg.Prompts.Dir)
	if err != nil {
		return nil, fmt.Errorf("prompts.dir: %w", err)
	}
	mtr, err := metrics.New(metrics.Options{Logger: log})
	if err != nil {
		return nil, err
	}
	a.mtr = mtr
	if err := mtr.SetBuildInfo(readBuildInfo().metric()); err != nil {
		return nil, err
	}
	// One guard against guessing, shared by the registrar, the PIN prompt,
	// the console sign-in and the API's bearer tokens.
	g := cfg.Guard
	grd, err := guard.New(guard.Options{FreeFailures: g.FreeFailures, BaseDelay: g.BaseDelay, MaxDelay: g.MaxDelay,
		BanAfter: g.BanAfter, BanFor: g.BanFor, Window: g.Window, KeyFreeFailures: g.KeyFreeFailures,
		GlobalFreeFailures: g.GlobalFreeFailures, MaxEntries: g.MaxEntries, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("guard: %w", err)
	}
	if err := mtr.WatchGuard(grd); err != nil {
		return nil, err
	}
	if err := watchSharedRTP(mtr, shared); err != nil {
		return nil, err
	}
	router, err := routerFromConfig(cfg)
	if err != nil {
		return nil, err
	}
	// A direct target may not reach Parley itself: the SIP server's bound
	// addresses, known once it exists (before any dial can be requested).
	// An extension with no registered device is refused before ringing.
	router.Registered = func(ext string) bool { return sipServer != nil && sipServer.Registered(ext) }
	router.Self = func() []netip.AddrPort {
		if sipServer == nil {
			return nil
		}
		return selfAddrs(sipServer.Addrs())
	}
	router.SelfH323 = func() []netip.AddrPort { return h323Self(a.h323)() }
	b, err := bridge.New(bridge.Options{Rooms: rooms, Logger: log, Records: db, State: db,
		Router: router, Dialer: dialer, Prompts: voice, OnMixerTick: mtr.ObserveTick,
		AnnounceJoinLeave: cfg.Prompts.AnnounceJoinLeave})
	if err != nil {
		return nil, err
	}
	a.b = b
	a.closers = append(a.closers, func() { b.Close() })
	var publicIP netip.Addr
	if cfg.SIP.PublicIP != "" {
		if publicIP, err = netip.ParseAddr(cfg.SIP.PublicIP); err != nil {
			return nil, fmt.Errorf("sip.public_ip: %w", err)
		}
	}
	algs := make([]digest.Algorithm, len(cfg.SIP.AuthAlgorithms))
	for i, alg := range cfg.SIP.AuthAlgorithms {
		if algs[i], err = digest.ParseAlgorithm(alg); err != nil {
			return nil, fmt.Errorf("sip.auth_algorithms: %w", err)
		}
	}
	keys, err := ivr.ParseKeys(cfg.SIP.Keys)
	if err != nil {
		return nil, fmt.Errorf("sip.keys: %w", err)
	}
	var tlsConfig *tls.Config
	if cfg.SIP.TLS.Cert != "" {
		cert, err := tls.LoadX509KeyPair(cfg.SIP.TLS.Cert, cfg.SIP.TLS.Key)
		if err != nil {
			return nil, fmt.Errorf("sip.tls: %w", err)
		}
		if err := mtr.CertLoaded("sip", &cert); err != nil {
			return nil, fmt.Errorf("sip.tls: %w", err)
		}
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	tr, err := newTrace(cfg.SIP.Trace, log)
	if err != nil {
		return nil, err
	}
	a.closers = append(a.closers, func() { tr.Close() })
	sipServer, err = sip.New(b, sip.Options{
		Trace:  tr,
		TLS:    tlsConfig,
		Listen: cfg.SIP.Listen, PublicIP: publicIP, Ports: ports, Shared: shared, Domain: cfg.SIP.Domain,
		RTPListenIP: cfg.RTPListenIP(), MaxUnacked: cfg.SIP.MaxUnackedPerSource, AckTimeout: cfg.SIP.AckTimeout,
		RTPTimeout: cfg.Media.RTPTimeout, SRTP: sip.SRTPMode(cfg.RTP.SRTP), Logger: log,
		Extensions: sipExtensions(cfg.Extensions), Trunks: trunkAuth(cfg.Trunks),
		SharedBindings: sharedBindings(cfg.Store, db), Node: nodeName(cfg.Cluster),
		AuthAlgorithms: algs, Keys: keys, Prompts: voice,
		OnMediaEnded: mtr.MediaEnded, OnCallIn: mtr.CallIn, OnMessage: mtr.SIPMessage,
		TCP: sip.TCPLimits{ReadTimeout: cfg.SIP.TCP.ReadTimeout, IdleTimeout: cfg.SIP.TCP.IdleTimeout,
			MaxConnsPerIP: cfg.SIP.TCP.MaxConnsPerIP, MaxConns: cfg.SIP.TCP.MaxConns},
		DigestGuard: grd.For(guard.SIPDigest), PINGuard: grd.For(guard.PIN),
		Codecs: sipCodecs(cfg), Cluster: a.callRouter(),
	})
	if err != nil {
		return nil, err
	}
	a.sip = sipServer
	a.voice323.Store(voice)
	if a.h323, err = newH323(cfg, b, ports, &a.voice323, keys, grd.For(guard.PIN), publicIP, a.callRouter(), log); err != nil {
		return nil, err
	}
	dialer.sip, dialer.h323 = sipServer, a.h323
	tokens := make([]string, len(cfg.AdminTokens))
	for i, t := range cfg.AdminTokens {
		tokens[i] = t.Reveal()
	}
	ready := readiness{draining: func() bool { return b.Draining() || a.clusterDraining() }, sip: sipServer, rtp: ports, store: db}
	a.apiOpts = api.Options{Ready: ready, Bridge: b, Stores: api.StoresOf(db),
		AdminTokens: tokens, Operators: operators(cfg.Extensions), Done: a.apiDone, Logger: log,
		ConsoleGuard: grd.For(guard.Console), AuthGuard: grd.For(guard.API),
		TokenTTL: cfg.API.TokenTTL, TokenMaxTTL: cfg.API.TokenMaxTTL, Reload: a, Drain: a}
	a.apiOpts.Trace = tr
	a.apiOpts.RemoteEvents = a.clusterEvents()
	a.apiOpts.Meetings = meetingOptions(cfg)
	if a.apiOpts.Accounts, err = newAccounts(cfg); err != nil {
		return nil, err
	}
	a.apiOpts.LoginGuard = grd.For(guard.Login)
	a.apiOpts.SessionIdle, a.apiOpts.SessionMaxAge = cfg.Session.IdleTimeout, cfg.Session.MaxAge
	if err := inviteOptions(cfg, &a.apiOpts); err != nil {
		return nil, err
	}
	if err := directoryOptions(cfg, sipServer, &a.apiOpts); err != nil {
		return nil, err
	}
	a.webApp = web.NewApp(web.AppOptions{Logger: log})
	if a.console, err = web.NewConsole(web.ConsoleOptions{Rooms: b, Logger: log}); err != nil {
		return nil, err
	}
	if a.front, err = newHTTPFront(cfg.HTTP, log); err != nil {
		return nil, err
	}
	a.onReload = append(a.onReload, func(*config.Config) error { return a.front.reloadCert() })
	a.watchCerts()
	return a, nil
}

// Start delivers the webhooks, binds the SIP, WebRTC, HTTP and metrics
// listeners and serves them, and runs the schedule loop. ctx bounds the
// binding of the HTTP listeners only; it is not kept. On error Start has
// released everything, newApp's part too, and the app is spent.
func (a *app) Start(ctx context.Context) (err error) {
	defer func() {
		if err != nil {
			a.closeAll()
		}
	}()
	cfg, log, b, db := a.cfg, a.log, a.b, a.db
	hooks, stopHook, err := startWebhooks(cfg, b, log)
	if err != nil {
		return err
	}
	a.hooks, a.stopHook = hooks, stopHook
	a.closers = append(a.closers, a.stopHook)
	if err := a.sip.Start(); err != nil {
		return err
	}
	a.closers = append(a.closers, func() { a.sip.Close() })
	if err := a.h323.Start(); err != nil {
		return err
	}
	a.closers = append(a.closers, a.h323.Close)
	guests, err := newWebRTC(cfg.WebRTC, b, log)
	if err != nil {
		return err
	}
	a.guests = guests
	a.closers = append(a.closers, func() { guests.Close() }) // before the bridge closes: hijacked WebSockets outlive http.Server.Shutdown
	if err := a.mtr.Start(a.metricsSources(hooks)); err != nil {
		return err
	}
	a.closers = append(a.closers, func() { a.mtr.Close() })

	var lc net.ListenConfig
	bound, err := lc.Listen(ctx, "tcp", cfg.HTTP.Listen)
	if err != nil {
		return fmt.Errorf("http: %w", err)
	}
	ln := newSwapListener(bound)
	a.httpLn = ln
	join, err := joinPage(db, b, guests, a.joinNodes(), log)
	if err != nil {
		ln.Close()
		return err
	}
	handler, err := a.startCluster(api.NewHandler(a.apiOpts))
	if err != nil {
		ln.Close()
		return err
	}
	mux := http.NewServeMux()
	if cfg.Metrics.Listen == "" {
		mux.Handle("GET /metrics", a.mtr.Handler())
	} else {
		metricsServer, metricsLn, metricsDone, err := serveMetrics(ctx, cfg.Metrics.Listen, a.mtr.Handler(), log)
		if err != nil {
			ln.Close()
			return err
		}
		a.metrics = metricsLn
		a.closers = append(a.closers, func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = metricsServer.Shutdown(ctx)
			<-metricsDone
		})
	}
	mux.Handle("/join/", join)
	mux.Handle("/console/", a.console)
	mux.Handle("/app/", a.webApp)
	mux.Handle("/", handler)
	if err := a.startRedirect(ctx, mux); err != nil {
		ln.Close()
		return err
	}
	a.httpSrv = newHTTPServer(a.front.handler(mux), defaultHTTPTimeouts(), log)
	a.httpSrv.RegisterOnShutdown(func() { close(a.apiDone) })
	a.httpDone = make(chan error, 1)
	go func() { a.httpDone <- a.front.serve(a.httpSrv, ln) }()
	log.Info("http listening", "addr", ln.Addr().String(), "https", a.front.tls != nil)
	bg, stopBg := context.WithCancel(context.Background())
	var bgWG sync.WaitGroup
	bgWG.Add(1)
	go func() {
		defer bgWG.Done()
		b.RunSchedules(bg, a.scheduleStore(db), time.Second) // clusterschedule.go
	}()
	bgWG.Add(1)
	go func() {
		defer bgWG.Done()
		a.syncRooms(bg, db) // roomsync.go
	}()
	a.closers = append(a.closers, func() { stopBg(); bgWG.Wait() })
	build := readBuildInfo()
	log.Info("parley ready", "version", build.Version, "commit", build.Commit, "rooms", a.rooms, "store", storeLabel(cfg.Store), "rtp_ports", fmt.Sprintf("%d-%d", cfg.RTP.Ports.Min, cfg.RTP.Ports.Max))
	return nil
}

// SIPAddrs returns the bound SIP listen addresses as transport://host:port.
func (a *app) SIPAddrs() []string { return a.sip.Addrs() }

// HTTPAddr returns the bound address of the HTTP server.
func (a *app) HTTPAddr() net.Addr { return a.httpLn.Addr() }

// MetricsAddr returns the bound address of the metrics listener; nil when
// /metrics is served by the HTTP server (metrics.listen unset).
func (a *app) MetricsAddr() net.Addr {
	if a.metrics == nil {
		return nil
	}
	return a.metrics.Addr()
}

// WebRTCAddr returns the UDP address of the browser guests' media.
func (a *app) WebRTCAddr() netip.AddrPort { return a.guests.Addr() }

// Failed receives the HTTP server's error if it stops serving before
// Shutdown; the caller then releases the app with Close.
func (a *app) Failed() <-chan error { return a.httpDone }

// httpDrain is how long Shutdown lets HTTP connections finish once the
// calls have ended.
const httpDrain = 5 * time.Second

// Shutdown stops the app: the rooms keep their locks (the calls end
// because Parley stops), every call is hung up with BYE, the HTTP server
// drains its connections for httpDrain (or until ctx ends) and then cuts
// them, the webhooks deliver the events of the calls' end, and everything
// else is released. It returns the HTTP server's error, if any, other
// than a cut drain.
func (a *app) Shutdown(ctx context.Context) error {
	defer a.closeAll()
	a.b.BeginShutdown() // the calls end now because we stop: rooms keep their locks
	a.sip.Close()
	a.h323.Close()
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, httpDrain)
	defer cancel()
	if err := a.httpSrv.Shutdown(ctx); errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		// A client holds a connection open (one it dialled and never used,
		// say): the calls are over, so cut it rather than fail the stop.
		a.log.Warn("http connections still open at shutdown: closed", "after", time.Since(start).Round(time.Second).String())
		a.httpSrv.Close()
	} else if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("http: %w", err)
	}
	a.stopHook() // after the calls ended, so their left and ended events go out
	a.log.Info("stopped")
	return nil
}

// Close releases the app without the polite part of Shutdown, for when
// serving failed (Failed). It is idempotent.
func (a *app) Close() { a.closeAll() }

// closeAll runs the closers, last first, and forgets them.
func (a *app) closeAll() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		a.closers[i]()
	}
	a.closers = nil
}
