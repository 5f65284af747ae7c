package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// httpTimeouts bound what one HTTP connection may hold: a slow header or
// body (slowloris), a response the client does not read, an idle
// keep-alive. WebSockets clear the read and write deadlines when they
// upgrade (http.ResponseController) and keep themselves alive with pings.
type httpTimeouts struct {
	readHeader, read, write, idle time.Duration
}

// defaultHTTPTimeouts are the timeouts of Parley's HTTP servers. Request
// bodies are small (JSON, a guest CSV) and so are responses (the largest
// is an attendance CSV), so a minute is plenty for either.
func defaultHTTPTimeouts() httpTimeouts {
	return httpTimeouts{readHeader: 10 * time.Second, read: time.Minute, write: time.Minute, idle: 2 * time.Minute}
}

// newHTTPServer returns a server for h with the timeouts t.
func newHTTPServer(h http.Handler, t httpTimeouts, log *slog.Logger) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: t.readHeader, ReadTimeout: t.read,
		WriteTimeout: t.write, IdleTimeout: t.idle,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
}

// serveMetrics serves GET /metrics alone on addr until the returned
// server is shut down; ln is what it listens on (a reload may rebind it),
// and done receives Serve's error. ctx bounds the binding only.
func serveMetrics(ctx context.Context, addr string, h http.Handler, log *slog.Logger) (_ *http.Server, ln *swapListener, done <-chan error, _ error) {
	var lc net.ListenConfig
	bound, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("metrics.listen: %w", err)
	}
	ln = newSwapListener(bound)
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
	srv := newHTTPServer(mux, defaultHTTPTimeouts(), log)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("metrics listening", "addr", ln.Addr().String())
	return srv, ln, served, nil
}
