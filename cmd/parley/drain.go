package main

import (
	"log/slog"

	"github.com/parleyhq/parley/api"
	"os"
	"syscall"
	"time"
)

// drainPoll is how often a drain looks whether the calls have ended.
const drainPoll = 100 * time.Millisecond

// Why a drain ended.
const (
	drainCallsEnded = "calls ended"
	drainGraceOver  = "grace over"
	drainSignal     = "second signal"
)

// drain waits, once the bridge refuses new calls, for the calls in
// progress to end by themselves.
type drain struct {
	// grace is the longest wait.
	grace time.Duration
	// calls returns how many calls are in progress.
	calls func() int
	// after is the clock: time.After, or a test's.
	after func(time.Duration) <-chan time.Time
	log   *slog.Logger
}

// wait returns when no call is left, when the grace has passed, or when
// a second SIGTERM or SIGINT arrives on stop, and says which. SIGHUP is
// logged and ignored: a stopping process reloads nothing.
func (d drain) wait(stop <-chan os.Signal) string {
	deadline := d.after(d.grace)
	for {
		if d.calls() == 0 {
			return drainCallsEnded
		}
		select {
		case <-deadline:
			return drainGraceOver
		case sig := <-stop:
			if sig == syscall.SIGHUP {
				d.log.Warn("SIGHUP while draining: ignored")
				continue
			}
			return drainSignal
		case <-d.after(drainPoll):
		}
	}
}

// Drain is the polite first part of a stop: unless shutdown.grace is 0,
// the drain starts (startDrain) if `parley drain` has not started it,
// and Drain returns once the calls have ended, the grace has passed, or
// a second signal (not SIGHUP) arrived on stop. Shutdown then hangs up
// the calls left.
func (a *app) Drain(stop <-chan os.Signal) {
	grace := a.cfg.Shutdown.Grace
	if grace <= 0 {
		return
	}
	a.startDrain()
	start := time.Now()
	why := drain{grace: grace, calls: a.calls, after: time.After, log: a.log}.wait(stop)
	a.log.Info("drain over", "reason", why, "calls_left", a.calls(), "after", time.Since(start).Round(time.Millisecond).String())
}

// calls is how many calls are in progress, on every edge.
func (a *app) calls() int { return a.sip.Calls() + a.h323.Calls() + a.guests.Stats().Calls }

// startDrain starts the drain, once (SIGTERM, or `parley drain` through
// the API): /readyz answers 503; a cluster node with cluster.drain drains
// through the cluster (drainCluster: new rooms go to the other nodes, its
// own rooms take new callers until they empty); else new calls, dial-outs
// and browser joins are refused with 503 and Retry-After and everyone in
// a call hears that the service is restarting.
func (a *app) startDrain() {
	a.drainOnce.Do(func() {
		if a.drainCluster() { // clusterdrain.go
			a.log.Info("draining through the cluster: new rooms go to other nodes, this node's rooms go on until they empty",
				"calls", a.calls(), "grace", a.cfg.Shutdown.Grace.String())
			return
		}
		rooms := a.b.Drain()
		a.log.Info("draining: new calls refused, the calls in progress told", "calls", a.calls(), "rooms", rooms, "grace", a.cfg.Shutdown.Grace.String())
	})
}

// StartDrain is api.Drainer's: POST /api/v1/drain starts the drain that
// SIGTERM starts, without the stop.
func (a *app) StartDrain() api.DrainState {
	a.startDrain()
	return a.DrainState()
}

// DrainState is api.Drainer's: whether the drain started, whether through
// the cluster, and the calls left.
func (a *app) DrainState() api.DrainState {
	cluster := a.clusterDraining()
	return api.DrainState{Draining: cluster || a.b.Draining(), Cluster: cluster, Calls: a.calls()}
}
