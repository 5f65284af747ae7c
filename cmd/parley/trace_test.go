package main

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/api"
	"github.com/parleyhq/parley/config"
	"github.com/parleyhq/parley/trace"
)

// TestTraceCommand: parley trace on, list, off and follow against the API
// on a real trace switch.
func TestTraceCommand(t *testing.T) {
	sw, err := trace.New(trace.Options{File: filepath.Join(t.TempDir(), "t.log"), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer sw.Close()
	srv := httptest.NewServer(api.NewHandler(api.Options{AdminTokens: []string{cliToken}, Trace: sw, Logger: slog.New(slog.DiscardHandler)}))
	defer srv.Close()
	t.Setenv("PARLEY_API", srv.URL)
	t.Setenv("PARLEY_TOKEN", cliToken)
	for _, tt := range []cliCase{
		{name: "on source", args: []string{"trace", "on", "--source", "192.0.2.10"}, stdout: []string{"trace 1 on: source 192.0.2.10/32 until "}},
		{name: "on call id", args: []string{"trace", "on", "--call-id", "abc@h", "--for", "1m"}, stdout: []string{"trace 2 on: call-id abc@h"}},
		{name: "too long", args: []string{"trace", "on", "--source", "192.0.2.0/24", "--for", "2h"}, code: 1,
			stderr: []string{"400 Bad Request", "(field expires_in)"}},
		{name: "host name", args: []string{"trace", "on", "--source", "pbx.example"}, code: 1, stderr: []string{"(field source)"}},
		{name: "nothing to trace", args: []string{"trace", "on"}, code: 2, stderr: []string{"needs --source or --call-id"}},
		{name: "list", args: []string{"trace", "list"}, stdout: []string{"ID  TRACES", "1   source 192.0.2.10/32", "2   call-id abc@h"}},
		{name: "off one", args: []string{"trace", "off", "1"}, stdout: []string{"trace 1 off"}},
		{name: "off unknown", args: []string{"trace", "off", "1"}, code: 1, stderr: []string{"404 Not Found"}},
		{name: "off all", args: []string{"trace", "off"}, stdout: []string{"1 traces off"}},
		{name: "usage", args: []string{"trace", "sideways"}, code: 2, stderr: []string{"usage: parley trace on"}},
		{name: "no token", args: []string{"trace", "list", "--token", ""}, code: 1, stderr: []string{"give --token"}},
	} {
		t.Run(tt.name, func(t *testing.T) { tt.run(t) })
	}

	// --follow prints each traced message as it comes.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := (&apiFlags{url: srv.URL, token: cliToken}).client()
	var out syncBuffer
	done := make(chan error, 1)
	go func() { done <- c.stream(ctx, "/trace/stream", &out) }()
	sw.Start(trace.Filter{CallID: "abc"})
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "OPTIONS sip:a@b") {
		if time.Now().After(deadline) {
			t.Fatalf("follow printed %q", out.String())
		}
		// The stream may not be registered yet: trace until it shows.
		sw.Observe(trace.Message{Dir: trace.Received, Transport: "udp", Local: netip.MustParseAddrPort("192.0.2.1:5060"),
			Remote: netip.MustParseAddrPort("192.0.2.10:5060"), Data: []byte("OPTIONS sip:a@b SIP/2.0\r\nCall-ID: abc\r\n\r\n")})
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil && ctx.Err() == nil {
		t.Errorf("stream: %v", err)
	}
}

// TestAppTraceFileRefused: a trace file that cannot be opened stops serve
// before anything binds, naming sip.trace.
func TestAppTraceFileRefused(t *testing.T) {
	cfg := config.Default()
	cfg.Store.Path = filepath.Join(t.TempDir(), "parley.db")
	cfg.SIP.Trace.File = filepath.Join(t.TempDir(), "no", "such", "dir", "trace.log")
	var logs syncBuffer
	a, err := newApp(cfg, &logs)
	if err == nil {
		a.Close()
		t.Fatal("newApp with an unwritable trace file: no error")
	}
	if !strings.Contains(err.Error(), "sip.trace: ") || !strings.Contains(err.Error(), "no such file or directory") {
		t.Errorf("error %q, want it to name sip.trace and why", err)
	}
}
