package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// TestFailedRow: a failure's error fits one table cell.
func TestFailedRow(t *testing.T) {
	long := strings.Repeat("é", failedWhyMax)
	for _, tc := range []struct {
		err  error
		want string
	}{
		{errors.New("janus: leg 793: context deadline exceeded"), "failed: janus: leg 793: context deadline exceeded"},
		{errors.New("a | b\n\tc"), "failed: a / b c"},
		{errors.New(long), "failed: " + long[:failedWhyMax] + "…"},
	} {
		var progress strings.Builder
		r := failedRow(&progress, "Janus", scenarios["one-room"], 800, tc.err)
		if r.Skipped != tc.want || r.Bridge != "Janus" || r.Legs != 800 || r.Scenario != "one-room" {
			t.Errorf("failedRow(%q) = %+v, want Skipped %q", tc.err, r, tc.want)
		}
		if !strings.Contains(progress.String(), "Janus, one-room, 800 legs") {
			t.Errorf("progress %q", progress.String())
		}
		if !utf8.ValidString(r.Skipped) {
			t.Errorf("%q is not UTF-8", r.Skipped)
		}
	}
}

// stuckBridge is a bridge whose joins never finish.
type stuckBridge struct{}

func (stuckBridge) name() string { return "Stuck" }
func (stuckBridge) pid() int     { return os.Getpid() }
func (stuckBridge) join(ctx context.Context, _ *leg, _ int) (func(context.Context) error, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}
func (stuckBridge) ticks() (tickSnapshot, bool, error) { return tickSnapshot{}, false, nil }
func (stuckBridge) ended() int                         { return 0 }
func (stuckBridge) stop() error                        { return nil }

// TestSetupLimit: a bridge that cannot set up its legs within
// -setup-limit fails that measurement with an error that says so, soon
// after the limit.
func TestSetupLimit(t *testing.T) {
	pl := plan{scenario: scenarios["one-room"], legs: 3, warmup: time.Second, window: time.Second, setup: 3,
		setupLimit: 100 * time.Millisecond}
	began := time.Now()
	_, err := measure(context.Background(), func(int) (bridge, error) { return stuckBridge{}, nil }, pl, &strings.Builder{})
	if err == nil || !strings.Contains(err.Error(), "3 legs not all up within -setup-limit 100ms: Stuck: leg ") {
		t.Fatalf("error %v, want the setup limit's", err)
	}
	if d := time.Since(began); d > 20*time.Second {
		t.Errorf("took %v: the limit did not stop the joins", d)
	}
}

// TestParleyFailed: the run's exit status counts Parley's failed rows at
// the Ns asked for, not Janus's nor a -find-max step's.
func TestParleyFailed(t *testing.T) {
	fail := func(bridge string, n int) result { return result{Bridge: bridge, Legs: n, Skipped: "failed: x"} }
	ok := func(bridge string, n int) result { return result{Bridge: bridge, Legs: n} }
	for _, tc := range []struct {
		name string
		all  map[string][]result
		want string // "": no error
	}{
		{"all measured", map[string][]result{"one-room": {ok("Parley", 200), ok("Janus", 200)}}, ""},
		{"Janus failed", map[string][]result{"one-room": {ok("Parley", 800), fail("Janus", 800)}}, ""},
		{"a find-max step failed", map[string][]result{"one-room": {ok("Parley", 800), ok("Janus", 800), fail("Parley", 1200)}}, ""},
		{"Parley failed", map[string][]result{"one-room": {fail("Parley", 800), ok("Janus", 800)}, "browsers": {fail("Parley", 100)}},
			"browsers, 100 legs: Parley failed: x\none-room, 800 legs: Parley failed: x"},
		{"a browser N of the phones' list", map[string][]result{"browsers": {fail("Parley", 200)}}, ""},
	} {
		err := parleyFailed(tc.all, []int{200, 400, 800}, []int{50, 100})
		if got := fmt.Sprint(err); (tc.want == "" && err != nil) || (tc.want != "" && got != tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}
