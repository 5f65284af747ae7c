package webrtc

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// A panic on a goroutine that reads the browser's media ends that guest's
// call, logged once with its stack, and nothing else.
func TestMediaPanicEndsOnlyThatCall(t *testing.T) {
	var logs bytes.Buffer
	c := &call{log: slog.New(slog.NewTextHandler(&logs, nil)), leg: newLeg(nil, nil)}
	c.goMedia(func() { panic("bad packet") })
	c.media.wait()
	select {
	case <-c.leg.hangup:
	case <-time.After(2 * time.Second):
		t.Fatal("the leg was not hung up")
	}
	if c.leg.reason != "internal error" {
		t.Errorf("hang-up reason %q", c.leg.reason)
	}
	if out := logs.String(); strings.Count(out, "guest media panicked") != 1 || !strings.Contains(out, "bad packet") || !strings.Contains(out, "goroutine") {
		t.Errorf("log %q: want one line with the panic and its stack", out)
	}
}
