package sip

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/media"
)

// TestDrainRefusesNewCallsOnly: while the bridge drains, an INVITE
// outside a dialog gets 503 with Retry-After: 60 (the restarting
// prompt's "a minute"), and OPTIONS and REGISTER are answered as before.
func TestDrainRefusesNewCallsOnly(t *testing.T) {
	h := newHarness(t)
	invite := func(n string) string {
		return request("INVITE", sdpOffer, "Call-ID: drain-"+n+"@127.0.0.1", "Via: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK-d"+n)
	}
	if res := h.send(t, invite("1")); res.StatusCode != 200 {
		t.Fatalf("INVITE before the drain: %d, want 200", res.StatusCode)
	}
	h.s.bridge.Drain()
	res := h.send(t, invite("2"))
	if res.StatusCode != 503 {
		t.Fatalf("INVITE while draining: %d %s, want 503", res.StatusCode, res.Reason)
	}
	if ra := res.GetHeader("Retry-After"); ra == nil || ra.Value() != "60" {
		t.Errorf("Retry-After %v, want 60", ra)
	}
	if !strings.Contains(h.log.String(), "reason=\"service is restarting\"") {
		t.Errorf("no log line says why the call was refused:\n%s", h.log.String())
	}
	for _, tt := range []struct {
		method string
		want   int
	}{{"OPTIONS", 200}, {"REGISTER", 401}} {
		req := request(tt.method, "", "To: <sip:2001@127.0.0.1>", "From: <sip:2001@127.0.0.1>;tag=r1", tt.method+" sip:127.0.0.1 SIP/2.0")
		if res := h.send(t, req); res.StatusCode != tt.want {
			t.Errorf("%s while draining: %d, want %d", tt.method, res.StatusCode, tt.want)
		}
	}
}

// TestReadyAndCalls: Ready says why a server that is not listening, or
// closed, is not ready; Calls counts none on an idle server.
func TestReadyAndCalls(t *testing.T) {
	b, err := bridge.New(bridge.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ports, err := media.NewPortRange(47000, 47010)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(b, Options{Listen: []string{"udp://127.0.0.1:0"}, Ports: ports, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Ready(); err == nil || !strings.Contains(err.Error(), "not listening") {
		t.Errorf("Ready before Start = %v, want not listening", err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	if err := s.Ready(); err != nil {
		t.Errorf("Ready after Start = %v", err)
	}
	if n := s.Calls(); n != 0 {
		t.Errorf("Calls = %d on an idle server", n)
	}
	s.Close()
	if err := s.Ready(); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("Ready after Close = %v, want closed", err)
	}
}
