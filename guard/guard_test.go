package guard

import (
	"bytes"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"
)

// clock is a stepped clock for the tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) step(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newTest(t *testing.T, opts Options) (*Guard, *clock, *bytes.Buffer) {
	t.Helper()
	c := &clock{t: time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)}
	var logs bytes.Buffer
	opts.Clock = c.now
	opts.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	g, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return g, c, &logs
}

var (
	ip1 = netip.MustParseAddr("192.0.2.1")
	ip2 = netip.MustParseAddr("192.0.2.2")
)

// TestDelaysGrow: past the free failures each failure doubles the wait,
// up to MaxDelay; a try at the end of a wait goes ahead.
func TestDelaysGrow(t *testing.T) {
	g, c, _ := newTest(t, Options{FreeFailures: 3, BaseDelay: time.Second, MaxDelay: 8 * time.Second, BanAfter: 100})
	l := g.For(PIN)
	want := []time.Duration{0, 0, 0, 1 * time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 8 * time.Second, 8 * time.Second}
	for i, w := range want {
		if got, banned := l.Check(ip1, "1000"); got != 0 || banned {
			t.Fatalf("failure %d: check before the try = %v, %v; want 0, false", i+1, got, banned)
		}
		l.Fail(ip1, "1000")
		got, _ := l.Check(ip1, "1000")
		if got != w {
			t.Errorf("after failure %d: wait %v, want %v", i+1, got, w)
		}
		c.step(got)
	}
}

// TestBanNotLiftedBySuccess: BanAfter failures ban the source for BanFor;
// a success from it changes nothing, nor does it reset the count.
func TestBanNotLiftedBySuccess(t *testing.T) {
	g, c, _ := newTest(t, Options{FreeFailures: 100, BanAfter: 5, BanFor: time.Hour, KeyFreeFailures: 100})
	dig := g.For(SIPDigest)
	for range 5 {
		dig.Fail(ip1, "2001")
	}
	dig.Succeed(ip1, "2002") // the attacker's own extension
	dig.Succeed(ip1, "2001")
	for _, tt := range []struct {
		after time.Duration
		ban   bool
	}{{0, true}, {59 * time.Minute, true}, {time.Minute, false}} {
		c.step(tt.after)
		if _, banned := dig.Check(ip1, "2002"); banned != tt.ban {
			t.Errorf("%v later: banned = %v, want %v", tt.after, banned, tt.ban)
		}
	}
	if _, banned := g.For(PIN).Check(ip2, "2002"); banned {
		t.Error("another source is banned")
	}
}

// TestSuccessKeepsCounting: a success between failures does not reset the
// source's count (the registrar's old hole).
func TestSuccessKeepsCounting(t *testing.T) {
	g, _, _ := newTest(t, Options{FreeFailures: 3})
	l := g.For(SIPDigest)
	for range 4 {
		l.Fail(ip1, "2001")
		l.Succeed(ip1, "2002")
	}
	if w, _ := l.Check(ip1, "2002"); w == 0 {
		t.Error("4 failures with successes between them: no wait")
	}
}

// TestSource groups IPv6 by /64 and IPv4 by address.
func TestSource(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		same bool
	}{
		{"2001:db8:1:2::1", "2001:db8:1:2:ffff::9", true},
		{"2001:db8:1:2::1", "2001:db8:1:3::1", false},
		{"192.0.2.1", "192.0.2.2", false},
		{"192.0.2.1", "::ffff:192.0.2.1", true},
	} {
		g, _, _ := newTest(t, Options{FreeFailures: 1})
		l := g.For(Console)
		l.Fail(netip.MustParseAddr(tt.a), "1")
		l.Fail(netip.MustParseAddr(tt.a), "1")
		w, _ := l.Check(netip.MustParseAddr(tt.b), "2")
		if (w > 0) != tt.same {
			t.Errorf("%s then %s: wait %v, want shared=%v", tt.a, tt.b, w, tt.same)
		}
	}
	if got := SourceOf("[2001:db8::1]:5060"); got != netip.MustParseAddr("2001:db8::1") {
		t.Errorf("SourceOf = %v", got)
	}
}

// TestKeyLimit: rotating sources slow a key down past KeyFreeFailures,
// but not a source that already got in on that key, nor other keys.
func TestKeyLimit(t *testing.T) {
	g, _, _ := newTest(t, Options{KeyFreeFailures: 5, GlobalFreeFailures: 1000})
	l := g.For(PIN)
	legit := netip.MustParseAddr("198.51.100.7")
	l.Succeed(legit, "1000")
	for i := range 6 {
		l.Fail(netip.AddrFrom4([4]byte{203, 0, 113, byte(i)}), "1000")
	}
	newcomer := netip.MustParseAddr("203.0.113.200")
	for _, tt := range []struct {
		name string
		src  netip.Addr
		key  string
		slow bool
	}{
		{"newcomer on the attacked room", newcomer, "1000", true},
		{"source that got in before", legit, "1000", false},
		{"newcomer on another room", newcomer, "2000", false},
		{"same room, other kind", newcomer, "1000", false},
	} {
		lim := l
		if tt.name == "same room, other kind" {
			lim = g.For(Console)
		}
		if w, _ := lim.Check(tt.src, tt.key); (w > 0) != tt.slow {
			t.Errorf("%s: wait %v, want slowed=%v", tt.name, w, tt.slow)
		}
	}
}

// TestGlobalLimit: failures of one kind spread over sources and keys slow
// everyone without a success past GlobalFreeFailures, in that kind only.
func TestGlobalLimit(t *testing.T) {
	g, _, _ := newTest(t, Options{GlobalFreeFailures: 10, KeyFreeFailures: 100})
	l := g.For(SIPDigest)
	for i := range 11 {
		l.Fail(netip.AddrFrom4([4]byte{203, 0, 113, byte(i)}), string(rune('a'+i)))
	}
	if w, _ := l.Check(ip1, "zzz"); w == 0 {
		t.Error("no global wait after 11 failures")
	}
	if w, _ := g.For(PIN).Check(ip1, "zzz"); w != 0 {
		t.Errorf("another kind waits %v: the global count is per kind", w)
	}
}

// TestReservation: concurrent tries while slowed are spaced, one per
// delay, not let through together once the wait ends.
func TestReservation(t *testing.T) {
	g, c, _ := newTest(t, Options{FreeFailures: 1, BaseDelay: time.Second})
	l := g.For(PIN)
	l.Fail(ip1, "1")
	l.Fail(ip1, "1") // slowed: 1 s
	c.step(time.Second)
	if w, _ := l.Check(ip1, "1"); w != 0 {
		t.Fatalf("first try after the wait: %v", w)
	}
	if w, _ := l.Check(ip1, "1"); w == 0 {
		t.Error("a second concurrent try went ahead at once")
	}
}

// TestWindowForgets: a count is forgotten after Window without failures.
func TestWindowForgets(t *testing.T) {
	g, c, _ := newTest(t, Options{FreeFailures: 2, Window: time.Minute})
	l := g.For(PIN)
	for range 3 {
		l.Fail(ip1, "1")
	}
	c.step(2 * time.Minute)
	l.Fail(ip1, "1")
	if w, _ := l.Check(ip1, "1"); w != 0 {
		t.Errorf("after the window, one failure: wait %v", w)
	}
}

// TestBoundedMemory: no more than MaxEntries records, oldest evicted.
func TestBoundedMemory(t *testing.T) {
	g, _, _ := newTest(t, Options{MaxEntries: 100})
	l := g.For(SIPDigest)
	for i := range 10000 {
		l.Fail(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), "k")
	}
	g.mu.Lock()
	n, m := len(g.entries), g.lru.Len()
	g.mu.Unlock()
	if n > 100 || m != n {
		t.Errorf("%d entries (%d in the list), want at most 100", n, m)
	}
}

// TestLogOnce: a source blocked 1000 times in a minute is logged once,
// then once more with the count after LogEvery; Blocked counts them all.
func TestLogOnce(t *testing.T) {
	g, c, logs := newTest(t, Options{FreeFailures: 1, BanAfter: 3, BanFor: time.Hour})
	l := g.For(SIPDigest)
	for range 3 {
		l.Fail(ip1, "2001")
	}
	for range 1000 {
		l.Check(ip1, "2001")
	}
	if n := strings.Count(logs.String(), "source blocked"); n != 1 {
		t.Errorf("%d log lines for 1000 blocked tries, want 1", n)
	}
	c.step(time.Minute)
	l.Check(ip1, "2001")
	if n := strings.Count(logs.String(), "source blocked"); n != 2 || !strings.Contains(logs.String(), "blocked=1000") {
		t.Errorf("after a minute: %d lines, want 2 with blocked=1000:\n%s", n, logs)
	}
	if b := g.Blocked(); b[SIPDigest] != 1001 || b[PIN] != 0 || len(b) != len(Kinds()) {
		t.Errorf("Blocked() = %v", b)
	}
}

// TestConcurrent: the race detector finds nothing.
func TestConcurrent(t *testing.T) {
	g, _, _ := newTest(t, Options{MaxEntries: 50})
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l := g.For(Kinds()[i%4])
			for j := range 500 {
				src := netip.AddrFrom4([4]byte{10, 0, byte(i), byte(j)})
				l.Check(src, "k")
				l.Fail(src, "k")
				l.Succeed(src, "j")
			}
		}()
	}
	wg.Wait()
	_ = g.Blocked()
}

// TestBadOptions are refused.
func TestBadOptions(t *testing.T) {
	for _, o := range []Options{{FreeFailures: -1}, {BaseDelay: time.Minute, MaxDelay: time.Second}, {MaxEntries: 2}} {
		if _, err := New(o); err == nil {
			t.Errorf("New(%+v) = nil error", o)
		}
	}
}

// BenchmarkCheck is the cost the guard adds to every credentialed try of
// a clean source.
func BenchmarkCheck(b *testing.B) {
	g, err := New(Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	l := g.For(SIPDigest)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		l.Check(netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}), "2001")
	}
}

// BenchmarkFloodBlocked is the cost of refusing a banned scanner's try.
func BenchmarkFloodBlocked(b *testing.B) {
	g, err := New(Options{Logger: slog.New(slog.DiscardHandler), BanAfter: 1})
	if err != nil {
		b.Fatal(err)
	}
	l := g.For(SIPDigest)
	l.Fail(ip1, "2001")
	b.ReportAllocs()
	for b.Loop() {
		l.Check(ip1, "2001")
	}
}
