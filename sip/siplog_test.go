package sip

import (
	"log/slog"
	"strings"
	"testing"
	"time"
)

// TestLimitedHandler: a flood of sipgo's "failed to parse" errors, each
// with a whole packet, writes one cut line per interval, the next one
// counting those left out; lines below warning level all pass.
func TestLimitedHandler(t *testing.T) {
	logs := &lockedBuffer{}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	log := slog.New(newLimitedHandler(slog.NewTextHandler(logs, nil), func() time.Time { return now }, slog.LevelWarn)).
		With("caller", "Transport<UDP>")
	packet := strings.Repeat("X", 60000)
	for range 100 {
		log.Error("failed to parse", "data", packet, "error", "bad start line")
		log.Info("sip listening")
	}
	out := logs.String()
	if n := strings.Count(out, "failed to parse"); n != 1 {
		t.Fatalf("%d lines for 100 errors within %v, want 1", n, sipgoLogEvery)
	}
	if n := strings.Count(out, "sip listening"); n != 100 {
		t.Errorf("%d info lines, want all 100", n)
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "failed to parse") && len(line) > maxLoggedValue+200 {
			t.Errorf("the packet was not cut: a line of %d bytes", len(line))
		}
	}
	now = now.Add(sipgoLogEvery)
	log.Error("failed to parse", "data", packet)
	if !strings.Contains(logs.String(), "left_out_since_last=99") {
		t.Errorf("the next line does not count the 99 left out:\n%s", logs.String()[len(out):])
	}
}

// TestRefusalsLogLimited: a flood of the same bad request is answered
// every time but logged once; another reason gets its own line.
func TestRefusalsLogLimited(t *testing.T) {
	h := newHarness(t)
	for i := range 20 {
		if res := h.send(t, noFromInvite); res.StatusCode != 400 {
			t.Fatalf("request %d: %d, want 400", i, res.StatusCode)
		}
	}
	h.send(t, request("INVITE", sdpOffer, "Require: foobar"))
	if n := strings.Count(h.log.String(), "sip request refused"); n != 2 {
		t.Errorf("%d refusal lines for 20 alike and one other, want 2:\n%s", n, h.log)
	}
}
