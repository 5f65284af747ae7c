package main

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"strings"
	"syscall"
	"testing"
)

// TestWaitStopIgnoresSIGHUP: SIGHUP is logged once per signal and does not
// stop the bridge; SIGTERM does, and an HTTP failure is returned.
func TestWaitStopIgnoresSIGHUP(t *testing.T) {
	var out bytes.Buffer
	log := slog.New(slog.NewTextHandler(&out, nil))
	stop := make(chan os.Signal, 2)
	stop <- syscall.SIGHUP
	stop <- syscall.SIGTERM
	if err := waitStop(stop, make(chan error), log); err != nil {
		t.Fatalf("waitStop = %v, want nil on SIGTERM", err)
	}
	if n := strings.Count(out.String(), "SIGHUP: reload is not supported yet; ignored"); n != 1 {
		t.Errorf("%d SIGHUP lines, want 1:\n%s", n, out.String())
	}
	if !strings.Contains(out.String(), "signal=terminated") {
		t.Errorf("no shutdown line for SIGTERM:\n%s", out.String())
	}

	httpDone := make(chan error, 1)
	stop <- syscall.SIGHUP
	httpDone <- errors.New("boom")
	if err := waitStop(stop, httpDone, log); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("waitStop = %v, want the http error", err)
	}
}
