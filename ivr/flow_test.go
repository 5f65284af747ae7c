package ivr

import (
	"testing"
	"time"

	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/prompts"
)

func TestNew(t *testing.T) {
	voice := func() *prompts.Set { return nil }
	for _, tc := range []struct {
		name string
		opts Options
		ok   bool
	}{
		{"complete", Options{Prompts: voice, Guard: &fakeGuard{}}, true},
		{"no prompts", Options{Guard: &fakeGuard{}}, false},
		{"no guard", Options{Prompts: voice}, false},
	} {
		f, err := New(tc.opts)
		if (err == nil) != tc.ok {
			t.Errorf("%s: New = %v, %v", tc.name, f, err)
		}
		if err == nil && len(f.opts.Keys) != len(DefaultKeys()) {
			t.Errorf("%s: keys %v, want the defaults", tc.name, f.opts.Keys)
		}
	}
}

// TestPlay: Play drives the call until its prompts are heard, no longer
// than its limit, and reports a call that ends first.
func TestPlay(t *testing.T) {
	t.Parallel()
	h := newHarness(t, bridge.RoomSettings{}, &fakeGuard{}, shortPrompts(t))
	long, err := prompts.Default() // its prompts last seconds
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		set    *prompts.Set
		limit  time.Duration
		hangup bool
		ok     bool
		within time.Duration
	}{
		{name: "heard", set: nil, ok: true, within: 2 * time.Second},
		{name: "limit", set: long, limit: 200 * time.Millisecond, ok: true, within: 2 * time.Second},
		{name: "call ends", set: long, hangup: true, ok: false, within: 2 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newFakeCall()
			defer c.Hangup("test over")
			flow := h.flow
			if tc.set != nil {
				flow = &Flow{opts: Options{Prompts: func() *prompts.Set { return tc.set }, Guard: &fakeGuard{}}}
			}
			if tc.hangup {
				c.Hangup("caller hung up")
			}
			start := time.Now()
			ok := flow.Line(c, h.log).Play(tc.limit, prompts.Restarting)
			if took := time.Since(start); ok != tc.ok || took > tc.within || took < tc.limit {
				t.Errorf("Play = %v after %v, want %v after %v within %v", ok, took, tc.ok, tc.limit, tc.within)
			}
			if got := c.said(); len(got) != 1 || got[0] != prompts.Restarting {
				t.Errorf("queued %v", got)
			}
		})
	}
}
