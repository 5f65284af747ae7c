package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleyhq/parley/bridge"
)

const testSecret = "s3cret-0123456789abcdef"

// request is what a test endpoint received.
type request struct {
	header http.Header
	body   []byte
}

// endpoint is an httptest server that records requests and answers with
// the status status returns for the n-th request (1-based).
type endpoint struct {
	*httptest.Server
	got    chan request
	count  atomic.Int32
	status func(n int) int
}

// newEndpoint starts an endpoint; it is closed when the test ends.
func newEndpoint(t *testing.T, status func(n int) int) *endpoint {
	t.Helper()
	e := &endpoint{got: make(chan request, 1000), status: status}
	e.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		n := int(e.count.Add(1))
		e.got <- request{r.Header.Clone(), body}
		w.WriteHeader(e.status(n))
	}))
	t.Cleanup(e.Close)
	return e
}

// ok answers every request with 200.
func ok(int) int { return http.StatusOK }

// next returns the next request e received, failing the test after a
// second.
func (e *endpoint) next(t *testing.T) request {
	t.Helper()
	select {
	case r := <-e.got:
		return r
	case <-time.After(5 * time.Second):
		t.Fatal("no request arrived")
		return request{}
	}
}

// none fails the test if e receives a request within d.
func (e *endpoint) none(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case r := <-e.got:
		t.Fatalf("unexpected request: %s %s", r.header.Get(HeaderEvent), r.body)
	case <-time.After(d):
	}
}

// logBuffer is a goroutine-safe log sink.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// run starts s.Run on events and returns a function that cancels it and
// waits for it to return; the test's end does the same.
func run(t *testing.T, s *Sender, events <-chan bridge.Event) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		s.Run(ctx, events)
		close(done)
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Error("Run did not return")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// fastBackoff is a Backoff that records the attempts it was asked about.
type fastBackoff struct {
	mu       sync.Mutex
	attempts []int
}

func (b *fastBackoff) backoff(attempt int) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.attempts = append(b.attempts, attempt)
	return time.Millisecond
}

func (b *fastBackoff) calls() []int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]int(nil), b.attempts...)
}

// waitStats waits until cond holds for s's Stats.
func waitStats(t *testing.T, s *Sender, cond func(Stats) bool) Stats {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		st := s.Stats()
		if cond(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("stats never reached the condition: %+v", st)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func muted(v bool) *bool { return &v }

// TestDeliverySigned checks one delivery end to end: method, headers,
// body, and a signature that Verify accepts.
func TestDeliverySigned(t *testing.T) {
	ep := newEndpoint(t, ok)
	s, err := New([]Hook{{URL: ep.URL + "/hook?k=1", Secret: testSecret}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	events := make(chan bridge.Event)
	run(t, s, events)
	sent := bridge.Event{Type: bridge.EventMuted, Room: "1000", Participant: "p1", Muted: muted(true),
		Time: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)}
	before := time.Now().Unix()
	events <- sent
	r := ep.next(t)

	if got := r.header.Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type = %q", got)
	}
	if got := r.header.Get(HeaderEvent); got != "muted" {
		t.Errorf("%s = %q, want muted", HeaderEvent, got)
	}
	if id := r.header.Get(HeaderDelivery); len(id) < 16 {
		t.Errorf("%s = %q, want a long random ID", HeaderDelivery, id)
	}
	ts := r.header.Get(HeaderTimestamp)
	if n, err := strconv.ParseInt(ts, 10, 64); err != nil || n < before || n > time.Now().Unix() {
		t.Errorf("%s = %q, want now in Unix seconds", HeaderTimestamp, ts)
	}
	sig := r.header.Get(HeaderSignature)
	if !strings.HasPrefix(sig, "sha256=") || !Verify(testSecret, ts, r.body, sig) {
		t.Errorf("signature %q does not verify", sig)
	}
	if Verify("other-secret-0123456789", ts, r.body, sig) {
		t.Error("signature verifies under another secret")
	}
	var got bridge.Event
	if err := json.Unmarshal(r.body, &got); err != nil {
		t.Fatalf("body %s: %v", r.body, err)
	}
	if got.Type != sent.Type || got.Room != "1000" || got.Participant != "p1" || got.Muted == nil || !*got.Muted || !got.Time.Equal(sent.Time) {
		t.Errorf("body = %s", r.body)
	}
	waitStats(t, s, func(st Stats) bool { return st.Delivered == 1 })

	events <- sent
	if r2 := ep.next(t); r2.header.Get(HeaderDelivery) == r.header.Get(HeaderDelivery) {
		t.Error("two deliveries share an ID")
	}
}

// TestEventFilter checks that a hook gets only the events it lists, and a
// hook without a list gets all, in order.
func TestEventFilter(t *testing.T) {
	only, all := newEndpoint(t, ok), newEndpoint(t, ok)
	s, err := New([]Hook{
		{URL: only.URL, Secret: testSecret, Events: []string{"left", "ended"}},
		{URL: all.URL, Secret: testSecret},
	}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	events := make(chan bridge.Event)
	run(t, s, events)
	for _, typ := range []bridge.EventType{bridge.EventJoined, bridge.EventTalking, bridge.EventLeft, bridge.EventEnded} {
		events <- bridge.Event{Type: typ, Room: "1000"}
	}
	for _, want := range []string{"left", "ended"} {
		if got := only.next(t).header.Get(HeaderEvent); got != want {
			t.Errorf("filtered hook got %q, want %q", got, want)
		}
	}
	for _, want := range []string{"joined", "talking", "left", "ended"} {
		if got := all.next(t).header.Get(HeaderEvent); got != want {
			t.Errorf("unfiltered hook got %q, want %q", got, want)
		}
	}
	only.none(t, 50*time.Millisecond)
}

// TestRetries checks which answers are retried: a network error, 429 and
// 5xx are, with the same delivery ID and a fresh signature; other statuses
// are not.
func TestRetries(t *testing.T) {
	tests := []struct {
		status   int
		attempts int // requests the endpoint sees: first answer status, then 200
		failed   uint64
	}{
		{http.StatusInternalServerError, 2, 0},
		{http.StatusServiceUnavailable, 2, 0},
		{http.StatusTooManyRequests, 2, 0},
		{http.StatusBadRequest, 1, 1},
		{http.StatusNotFound, 1, 1},
		{http.StatusMovedPermanently, 1, 1},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.status), func(t *testing.T) {
			ep := newEndpoint(t, func(n int) int {
				if n == 1 {
					return tt.status
				}
				return http.StatusOK
			})
			var bo fastBackoff
			var logs logBuffer
			s, err := New([]Hook{{URL: ep.URL, Secret: testSecret}},
				Options{Backoff: bo.backoff, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			if err != nil {
				t.Fatal(err)
			}
			events := make(chan bridge.Event)
			run(t, s, events)
			events <- bridge.Event{Type: bridge.EventJoined, Room: "1000"}
			first := ep.next(t)
			if tt.attempts == 1 {
				st := waitStats(t, s, func(st Stats) bool { return st.Failed == 1 })
				ep.none(t, 50*time.Millisecond)
				if st.Delivered != 0 || st.Retried != 0 || len(bo.calls()) != 0 {
					t.Errorf("stats %+v, backoff calls %v; want no retry", st, bo.calls())
				}
				if n := strings.Count(logs.String(), "webhook delivery failed"); n != 1 {
					t.Errorf("%d failure log lines, want 1:\n%s", n, logs.String())
				}
				return
			}
			second := ep.next(t)
			if a, b := first.header.Get(HeaderDelivery), second.header.Get(HeaderDelivery); a != b {
				t.Errorf("retry has delivery ID %q, first had %q", b, a)
			}
			if !Verify(testSecret, second.header.Get(HeaderTimestamp), second.body, second.header.Get(HeaderSignature)) {
				t.Error("retry's signature does not verify")
			}
			st := waitStats(t, s, func(st Stats) bool { return st.Delivered == 1 })
			if st.Failed != tt.failed || st.Retried != 1 {
				t.Errorf("stats %+v, want %d failed and 1 retried", st, tt.failed)
			}
			if got := bo.calls(); len(got) != 1 || got[0] != 1 {
				t.Errorf("backoff called with %v, want [1]", got)
			}
		})
	}
}

// TestRetryNetworkError checks that a refused connection is retried.
func TestRetryNetworkError(t *testing.T) {
	dead := httptest.NewServer(http.NotFoundHandler())
	url := dead.URL
	dead.Close()
	var bo fastBackoff
	s, err := New([]Hook{{URL: url, Secret: testSecret}}, Options{Backoff: bo.backoff, MaxAttempts: 3})
	if err != nil {
		t.Fatal(err)
	}
	events := make(chan bridge.Event)
	run(t, s, events)
	events <- bridge.Event{Type: bridge.EventJoined, Room: "1000"}
	waitStats(t, s, func(st Stats) bool { return st.Failed == 1 })
	if got := bo.calls(); len(got) != 2 {
		t.Errorf("backoff called with %v, want [1 2]", got)
	}
}

// TestGiveUp checks that a delivery is given up after MaxAttempts with one
// log line that names the hook but not its secret or query.
func TestGiveUp(t *testing.T) {
	ep := newEndpoint(t, func(int) int { return http.StatusBadGateway })
	var bo fastBackoff
	var logs logBuffer
	s, err := New([]Hook{{URL: ep.URL + "/in?token=tok-abc", Secret: testSecret}},
		Options{Backoff: bo.backoff, MaxAttempts: 3, Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	events := make(chan bridge.Event)
	run(t, s, events)
	events <- bridge.Event{Type: bridge.EventEnded, Room: "1000"}
	st := waitStats(t, s, func(st Stats) bool { return st.Failed == 1 })
	if n := ep.count.Load(); n != 3 {
		t.Errorf("%d attempts, want 3", n)
	}
	if st.Delivered != 0 {
		t.Errorf("stats %+v", st)
	}
	if got := bo.calls(); len(got) != 2 || got[0] != 1 || got[1] != 2 {
		t.Errorf("backoff called with %v, want [1 2]", got)
	}
	out := logs.String()
	if n := strings.Count(out, "webhook delivery failed"); n != 1 {
		t.Errorf("%d failure log lines, want 1:\n%s", n, out)
	}
	if !strings.Contains(out, "attempts=3") || !strings.Contains(out, "status 502") || !strings.Contains(out, ep.URL+"/in") {
		t.Errorf("failure log lacks attempts, status or URL:\n%s", out)
	}
	if strings.Contains(out, testSecret) || strings.Contains(out, "tok-abc") {
		t.Errorf("log reveals the secret or the URL's query:\n%s", out)
	}
}

// TestSlowEndpointDoesNotBlock checks that a hook whose endpoint hangs
// neither holds up the events channel nor another hook, and that its queue
// drops the oldest events, counted and logged once.
func TestSlowEndpointDoesNotBlock(t *testing.T) {
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // the server watches for a hang-up only once the body is read
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(slow.Close)
	t.Cleanup(func() { close(release) }) // runs before slow.Close
	fast := newEndpoint(t, ok)
	var logs logBuffer
	const queueSize, n = 10, 100
	s, err := New([]Hook{{URL: slow.URL, Secret: testSecret}, {URL: fast.URL, Secret: testSecret}},
		Options{QueueSize: queueSize, DrainTimeout: 50 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	events := make(chan bridge.Event) // unbuffered: each send waits for Run
	stop := run(t, s, events)
	start := time.Now()
	for i := range n {
		select {
		case events <- bridge.Event{Type: bridge.EventTalking, Room: "1000", Participant: strconv.Itoa(i)}:
		case <-time.After(time.Second):
			t.Fatalf("event %d: Run stopped reading events", i)
		}
		// The fast hook gets each event while the slow one is stuck on
		// the first.
		var e bridge.Event
		if err := json.Unmarshal(fast.next(t).body, &e); err != nil || e.Participant != strconv.Itoa(i) {
			t.Fatalf("fast hook's delivery %d is %+v, %v", i, e, err)
		}
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("fast hook took %v", d)
	}
	// The slow hook holds one delivery in flight and queueSize waiting.
	waitStats(t, s, func(st Stats) bool { return st.Dropped == n-queueSize-1 && st.Delivered == n })
	if c := strings.Count(logs.String(), "webhook queue full"); c != 1 {
		t.Errorf("%d queue-full log lines, want 1 (rate-limited):\n%s", c, logs.String())
	}
	stop()
	if st := s.Stats(); st.Abandoned != queueSize+1 {
		t.Errorf("after shutdown %+v, want %d abandoned", st, queueSize+1)
	}
}

// TestRunDrainsOnClose checks that closing the events channel delivers
// what is queued before Run returns.
func TestRunDrainsOnClose(t *testing.T) {
	ep := newEndpoint(t, ok)
	s, err := New([]Hook{{URL: ep.URL, Secret: testSecret}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	events := make(chan bridge.Event, 10)
	for range 5 {
		events <- bridge.Event{Type: bridge.EventLeft, Room: "1000"}
	}
	close(events)
	done := make(chan struct{})
	go func() {
		s.Run(context.Background(), events)
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after its channel closed")
	}
	if st := s.Stats(); st.Delivered != 5 {
		t.Errorf("stats %+v, want 5 delivered", st)
	}
}

// TestRunReturnsOnCancel checks that Run returns soon after its context
// ends, even with a hung endpoint and a retry pending, and leaves no
// goroutine behind.
func TestRunReturnsOnCancel(t *testing.T) {
	before := runtime.NumGoroutine()
	hung := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // the server watches for a hang-up only once the body is read
		<-r.Context().Done()
	}))
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
	}))
	s, err := New([]Hook{{URL: hung.URL, Secret: testSecret}, {URL: failing.URL, Secret: testSecret}},
		Options{DrainTimeout: 100 * time.Millisecond, Backoff: func(int) time.Duration { return time.Hour }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	events := make(chan bridge.Event)
	done := make(chan struct{})
	go func() {
		s.Run(ctx, events)
		close(done)
	}()
	for range 3 {
		events <- bridge.Event{Type: bridge.EventJoined, Room: "1000"}
	}
	time.Sleep(50 * time.Millisecond) // let both hooks start their first delivery
	cancel()
	start := time.Now()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Run took %v to return, drain timeout is 100ms", d)
	}
	if st := s.Stats(); st.Abandoned != 6 || st.Delivered+st.Failed != 0 {
		t.Errorf("stats %+v, want 6 abandoned", st)
	}
	hung.Close()
	failing.Close()
	for deadline := time.Now().Add(2 * time.Second); runtime.NumGoroutine() > before; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines after Run, %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
	}
}

// TestRunTwice checks that Run works once: a second call returns at once,
// even with a context that never ends.
func TestRunTwice(t *testing.T) {
	s, err := New(nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s.Run(ctx, make(chan bridge.Event))
	done := make(chan struct{})
	go func() {
		s.Run(context.Background(), make(chan bridge.Event))
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(time.Second):
		t.Fatal("second Run did not return")
	}
}

// TestNewErrors checks that New refuses bad hooks and options, without
// quoting the secret.
func TestNewErrors(t *testing.T) {
	tests := []struct {
		name string
		hook Hook
		opts Options
		want string
	}{
		{"ok", Hook{URL: "https://h.example.com/x", Secret: testSecret, Events: []string{"dial"}}, Options{}, ""},
		{"scheme", Hook{URL: "ftp://h.example.com/", Secret: testSecret}, Options{}, "webhook: hooks[0]: url: want an http:// or https:// URL"},
		{"no host", Hook{URL: "http:///x", Secret: testSecret}, Options{}, "webhook: hooks[0]: url: want an http:// or https:// URL"},
		{"fragment", Hook{URL: "https://h.example.com/#x", Secret: testSecret}, Options{}, "webhook: hooks[0]: url: must not have a fragment"},
		{"opaque", Hook{URL: "http:h.example.com", Secret: testSecret}, Options{}, "webhook: hooks[0]: url: want an http:// or https:// URL"},
		{"short secret", Hook{URL: "http://h/", Secret: "hunter2"}, Options{}, "webhook: hooks[0]: secret: want at least 16 characters"},
		{"unknown event", Hook{URL: "http://h/", Secret: testSecret, Events: []string{"kicked"}}, Options{}, `webhook: hooks[0]: events: unknown event "kicked"`},
		{"negative attempts", Hook{URL: "http://h/", Secret: testSecret}, Options{MaxAttempts: -1}, "webhook: negative MaxAttempts, QueueSize or DrainTimeout"},
		{"negative queue", Hook{URL: "http://h/", Secret: testSecret}, Options{QueueSize: -1}, "webhook: negative MaxAttempts, QueueSize or DrainTimeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New([]Hook{tt.hook}, tt.opts)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("New() error = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestDefaultBackoff checks the doubling, the cap and the jitter's bounds.
func TestDefaultBackoff(t *testing.T) {
	for attempt, base := range map[int]time.Duration{0: time.Second, 1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 6: 32 * time.Second, 7: 60 * time.Second, 100: 60 * time.Second} {
		lo, hi := base-base/4, min(base+base/4, 60*time.Second)
		for range 100 {
			if d := DefaultBackoff(attempt); d < lo || d > hi {
				t.Fatalf("DefaultBackoff(%d) = %v, want within [%v, %v]", attempt, d, lo, hi)
			}
		}
	}
}
