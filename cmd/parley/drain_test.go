package main

import (
	"bytes"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// fakeClock is drain's clock in tests: After registers a timer and says
// so on asked; Advance moves the time on and fires the timers that are
// due.
type fakeClock struct {
	asked chan time.Duration // one value per After call

	mu     sync.Mutex
	now    time.Duration
	timers []fakeTimer
}

type fakeTimer struct {
	at time.Duration
	c  chan time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{asked: make(chan time.Duration, 100)} }

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	t := fakeTimer{at: c.now + d, c: make(chan time.Time, 1)}
	c.timers = append(c.timers, t)
	c.mu.Unlock()
	c.asked <- d
	return t.c
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now += d
	kept := c.timers[:0]
	for _, t := range c.timers {
		if t.at <= c.now {
			t.c <- time.Unix(0, 0).Add(c.now)
			continue
		}
		kept = append(kept, t)
	}
	c.timers = kept
}

// waitAsked waits until the drain has asked for a timer of d.
func (c *fakeClock) waitAsked(t *testing.T, d time.Duration) {
	t.Helper()
	for {
		select {
		case got := <-c.asked:
			if got == d {
				return
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("the drain never asked for a %v timer", d)
		}
	}
}

// TestDrainWait: the wait ends when the calls end (before the grace),
// when the grace is over, or at a second SIGTERM or SIGINT; SIGHUP does
// not end it; with no call it ends at once.
func TestDrainWait(t *testing.T) {
	const grace = 3 * time.Second
	for _, tt := range []struct {
		name  string
		calls int64
		act   func(t *testing.T, c *fakeClock, calls *atomic.Int64, stop chan os.Signal)
		want  string
		log   string
	}{
		{"no call", 0, nil, drainCallsEnded, ""},
		{"calls end by themselves", 2, func(t *testing.T, c *fakeClock, calls *atomic.Int64, _ chan os.Signal) {
			c.Advance(drainPoll) // still 2
			c.waitAsked(t, drainPoll)
			calls.Store(0)
			c.Advance(drainPoll)
		}, drainCallsEnded, ""},
		{"grace over", 1, func(t *testing.T, c *fakeClock, _ *atomic.Int64, _ chan os.Signal) {
			c.Advance(grace - drainPoll)
			c.waitAsked(t, drainPoll)
			c.Advance(drainPoll)
		}, drainGraceOver, ""},
		{"second SIGTERM", 1, func(t *testing.T, _ *fakeClock, _ *atomic.Int64, stop chan os.Signal) {
			stop <- syscall.SIGTERM
		}, drainSignal, ""},
		{"SIGINT", 1, func(t *testing.T, _ *fakeClock, _ *atomic.Int64, stop chan os.Signal) {
			stop <- syscall.SIGINT
		}, drainSignal, ""},
		{"SIGHUP ignored", 1, func(t *testing.T, c *fakeClock, _ *atomic.Int64, stop chan os.Signal) {
			stop <- syscall.SIGHUP
			c.waitAsked(t, drainPoll) // it went round again
			c.Advance(grace)
		}, drainGraceOver, "SIGHUP while draining: ignored"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			c := newFakeClock()
			var calls atomic.Int64
			calls.Store(tt.calls)
			stop := make(chan os.Signal, 1)
			d := drain{grace: grace, calls: func() int { return int(calls.Load()) }, after: c.After,
				log: slog.New(slog.NewTextHandler(&logs, nil))}
			done := make(chan string, 1)
			go func() { done <- d.wait(stop) }()
			if tt.act != nil {
				c.waitAsked(t, grace)
				c.waitAsked(t, drainPoll) // blocked in its first wait
				tt.act(t, c, &calls, stop)
			}
			select {
			case got := <-done:
				if got != tt.want {
					t.Errorf("wait = %q, want %q", got, tt.want)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("wait did not return; want %q", tt.want)
			}
			c.mu.Lock()
			elapsed := c.now
			c.mu.Unlock()
			if tt.want != drainGraceOver && elapsed >= grace {
				t.Errorf("ended %q after %v, not before the grace", tt.want, elapsed)
			}
			if tt.log != "" && !strings.Contains(logs.String(), tt.log) {
				t.Errorf("log %q, want %q", logs.String(), tt.log)
			}
		})
	}
}
