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

// TestWaitStopReloadsOnSIGHUP: SIGHUP reloads, once per signal, and does
// not stop the bridge; SIGTERM does, and an HTTP failure is returned.
func TestWaitStopReloadsOnSIGHUP(t *testing.T) {
	var out bytes.Buffer
	log := slog.New(slog.NewTextHandler(&out, nil))
	reloads := 0
	reload := func() { reloads++ }
	stop := make(chan os.Signal, 3)
	stop <- syscall.SIGHUP
	stop <- syscall.SIGHUP
	stop <- syscall.SIGTERM
	if err := waitStop(stop, make(chan error), log, reload); err != nil {
		t.Fatalf("waitStop = %v, want nil on SIGTERM", err)
	}
	if reloads != 2 {
		t.Errorf("%d reloads for two SIGHUPs", reloads)
	}
	if !strings.Contains(out.String(), "signal=terminated") {
		t.Errorf("no shutdown line for SIGTERM:\n%s", out.String())
	}

	httpDone := make(chan error, 1)
	stop <- syscall.SIGHUP
	httpDone <- errors.New("boom")
	if err := waitStop(stop, httpDone, log, reload); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("waitStop = %v, want the http error", err)
	}
}
