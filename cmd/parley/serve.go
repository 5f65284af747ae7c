package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"time"

	"github.com/parleyhq/parley/api"
	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/config"
	"github.com/parleyhq/parley/media"
	"github.com/parleyhq/parley/sip"
)

// serve runs the bridge on cfg until a signal arrives on stop, then hangs
// up every call politely and returns.
func serve(cfg *config.Config, logOut io.Writer, stop <-chan os.Signal) error {
	log := newLogger(cfg.Log, logOut)
	ports, err := media.NewPortRange(cfg.RTP.Ports.Min, cfg.RTP.Ports.Max)
	if err != nil {
		return err
	}
	b, err := bridge.New(bridge.Options{Rooms: roomSettings(cfg.Rooms), Logger: log})
	if err != nil {
		return err
	}
	defer b.Close()
	var publicIP netip.Addr
	if cfg.SIP.PublicIP != "" {
		if publicIP, err = netip.ParseAddr(cfg.SIP.PublicIP); err != nil {
			return fmt.Errorf("sip.public_ip: %w", err)
		}
	}
	sipServer, err := sip.New(b, sip.Options{
		Listen: cfg.SIP.Listen, PublicIP: publicIP, Ports: ports,
		RTPTimeout: cfg.Media.RTPTimeout, Logger: log,
	})
	if err != nil {
		return err
	}
	if err := sipServer.Start(); err != nil {
		return err
	}
	defer sipServer.Close()

	ln, err := net.Listen("tcp", cfg.HTTP.Listen)
	if err != nil {
		return fmt.Errorf("http: %w", err)
	}
	httpServer := &http.Server{Handler: api.NewHandler(readyFunc(func() error { return nil })), ReadHeaderTimeout: 10 * time.Second}
	httpDone := make(chan error, 1)
	go func() { httpDone <- httpServer.Serve(ln) }()
	log.Info("http listening", "addr", ln.Addr().String())
	log.Info("parley ready", "rooms", len(cfg.Rooms), "rtp_ports", fmt.Sprintf("%d-%d", cfg.RTP.Ports.Min, cfg.RTP.Ports.Max))

	select {
	case sig := <-stop:
		log.Info("shutting down", "signal", sig.String())
	case err := <-httpDone:
		return fmt.Errorf("http: %w", err)
	}
	sipServer.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := httpServer.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("http: %w", err)
	}
	log.Info("stopped")
	return nil
}

type readyFunc func() error

func (f readyFunc) Ready() error { return f() }

func roomSettings(rooms []config.Room) []bridge.RoomSettings {
	out := make([]bridge.RoomSettings, len(rooms))
	for i, r := range rooms {
		out[i] = bridge.RoomSettings{Number: r.Number, Name: r.Name, PIN: r.PIN.Reveal()}
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
