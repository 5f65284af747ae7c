// Package guard slows down and bans whoever guesses credentials: SIP
// Digest passwords (RFC 3261 §22.4), room PINs over the phone and in the
// moderator console, and bearer tokens (RFC 6750 §2.1). One Guard is shared
// by every consumer, so failures of every kind from one source add up.
//
// The rule. Failures are counted per source (an IPv4 address, or an IPv6
// /64, since one host commonly holds a whole /64; failures of every kind
// add up), per target key (an extension, a room; keys of different kinds
// never meet) and globally per kind (so that a flood of bad API tokens does
// not slow phones registering).
// Each count is forgotten once Window passes without a failure. Past its
// free failures, each further failure of a count doubles the wait before
// the next try (BaseDelay, 2×BaseDelay, … up to MaxDelay), and a try made
// while a count is in that slowed state reserves the next slot, so that
// concurrent tries (50 calls at once) are spaced too, not only sequential
// ones. A source with BanAfter failures is banned for BanFor.
//
// Success. Succeed(source, key) records that the pair knew the secret. It
// lifts neither a ban nor the source's delay and does not reset any count:
// an attacker cannot launder guesses with a password of their own. It only
// exempts that pair from the per-key and global delays, so that whoever
// has already got in is never locked out by an attack on their room or
// extension from other sources (a denial of service against legitimate
// users). Newcomers to an attacked key do wait; that is the price of the
// per-key limit against rotating sources.
//
// Memory is bounded: at most MaxEntries records (sources, keys, successful
// pairs together); when full, the least recently used goes. A Check
// allocates only for a source it blocks.
package guard

import (
	"container/list"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
	"time"
)

// Kind is what a credential is: it keeps the keys of different consumers
// apart and labels the blocked counts.
type Kind string

// The kinds of credential Parley guards.
const (
	// SIPDigest is a registrar password (RFC 3261 §22.4); keys are
	// extension numbers (the To user, known or not).
	SIPDigest Kind = "sip_digest"
	// PIN is a room PIN typed on the phone; keys are room numbers.
	PIN Kind = "pin"
	// Console is a moderator PIN given to the console sign-in; keys are
	// room numbers.
	Console Kind = "console"
	// API is a bearer token (RFC 6750 §2.1); the key is empty (a token
	// names no target before it is found).
	API Kind = "api"
	// Login is a password given to the web sign-in (POST /api/v1/session);
	// keys are the login names, known or not.
	Login Kind = "login"
)

// Kinds returns every Kind, in a fixed order, for reporting each at 0.
func Kinds() []Kind { return []Kind{SIPDigest, PIN, Console, API, Login} }

// Options configure a Guard. Zero values take the defaults given on each
// field.
type Options struct {
	// FreeFailures is how many failures a source may make within Window
	// before each further one makes it wait. Default 3.
	FreeFailures int
	// BaseDelay is the wait after the first failure past the free ones;
	// each further failure doubles it. Default 1 s.
	BaseDelay time.Duration
	// MaxDelay caps the wait. Default 30 s.
	MaxDelay time.Duration
	// BanAfter is how many failures within Window ban a source. Default
	// 30.
	BanAfter int
	// BanFor is how long a ban lasts, from the failure that earned it.
	// Default 30 minutes.
	BanFor time.Duration
	// Window is how long a count is kept after its last failure. Default
	// 15 minutes.
	Window time.Duration
	// KeyFreeFailures is how many failures one key (a room, an
	// extension) takes within Window, from any sources, before tries on
	// it by sources that never succeeded on it wait. Default 20.
	KeyFreeFailures int
	// GlobalFreeFailures is the same for all failures of one kind
	// together. Default 300.
	GlobalFreeFailures int
	// MaxEntries bounds the records kept; at least 3. Default 65536.
	MaxEntries int
	// Clock replaces time.Now; it must be safe for concurrent use.
	Clock func() time.Time
	// Logger receives one line per source per LogEvery while it is
	// blocked, with the count of blocked tries since the previous line;
	// nil means slog.Default().
	Logger *slog.Logger
	// LogEvery is how often a blocked source is logged at most. Default 1
	// minute.
	LogEvery time.Duration
}

// ErrBadOptions is wrapped by New's error for a negative option, fewer
// than 3 MaxEntries, or a MaxDelay below BaseDelay.
var ErrBadOptions = errors.New("guard: bad options")

// Guard counts failures and tells consumers how long to hold off. It is
// safe for concurrent use; its methods never block on anything but its
// own mutex.
type Guard struct {
	opts Options
	now  func() time.Time
	log  *slog.Logger

	mu      sync.Mutex
	entries map[string]*list.Element // guarded by mu; values are *record
	lru     list.List                // guarded by mu; front is most recent
	global  map[Kind]*count          // guarded by mu; one per kind
	blocked map[Kind]uint64          // guarded by mu
}

// count is one failure counter with its slowed state.
type count struct {
	failures int
	last     time.Time // of the last failure
	next     time.Time // no try before
}

// record is one entry of the LRU: a source, a key, or a successful pair.
type record struct {
	id string
	count
	banned     time.Time // source only: banned until
	logged     time.Time // source only: when it was last logged as blocked
	suppressed int       // source only: blocked tries since that line
}

// New returns a Guard with opts' defaults applied; it starts nothing.
func New(opts Options) (*Guard, error) {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	defD := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	def(&opts.FreeFailures, 3)
	def(&opts.BanAfter, 30)
	def(&opts.KeyFreeFailures, 20)
	def(&opts.GlobalFreeFailures, 300)
	def(&opts.MaxEntries, 1<<16)
	defD(&opts.BaseDelay, time.Second)
	defD(&opts.MaxDelay, 30*time.Second)
	defD(&opts.BanFor, 30*time.Minute)
	defD(&opts.Window, 15*time.Minute)
	defD(&opts.LogEvery, time.Minute)
	switch {
	case opts.FreeFailures < 0, opts.BanAfter < 0, opts.KeyFreeFailures < 0, opts.GlobalFreeFailures < 0,
		opts.MaxEntries < 3, opts.BaseDelay < 0, opts.BanFor < 0, opts.Window < 0, opts.LogEvery < 0:
		return nil, fmt.Errorf("%w: negative value or fewer than 3 max entries", ErrBadOptions)
	case opts.MaxDelay < opts.BaseDelay:
		return nil, fmt.Errorf("%w: max delay %v below base delay %v", ErrBadOptions, opts.MaxDelay, opts.BaseDelay)
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Guard{opts: opts, now: opts.Clock, log: opts.Logger,
		entries: make(map[string]*list.Element), blocked: make(map[Kind]uint64), global: make(map[Kind]*count)}, nil
}

// For returns the view of g that one consumer uses: its keys are kept
// apart from other kinds', and its blocked tries are counted under kind.
func (g *Guard) For(kind Kind) *Limiter { return &Limiter{g: g, kind: kind} }

// Blocked returns how many tries of each kind Check refused or delayed
// since New, every Kind present. It is for the metrics scrape.
func (g *Guard) Blocked() map[Kind]uint64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make(map[Kind]uint64, 4)
	for _, k := range Kinds() {
		out[k] = g.blocked[k]
	}
	return out
}

// Limiter is a Guard seen by one kind of credential. Its methods are safe
// for concurrent use.
type Limiter struct {
	g    *Guard
	kind Kind
}

// Source returns the address failures of ip are counted under: ip itself
// for IPv4 (and IPv4-mapped IPv6), its /64 for IPv6. The zero Addr maps
// to one shared invalid prefix.
func Source(ip netip.Addr) netip.Prefix {
	ip = ip.Unmap()
	if !ip.IsValid() {
		return netip.Prefix{}
	}
	bits := 32
	if ip.Is6() {
		bits = 64
	}
	p, _ := ip.Prefix(bits)
	return p
}

// SourceOf is Source of the IP in a host:port (or a bare IP), as SIP and
// net/http give a peer's address; an unparsable one gives the zero Addr.
func SourceOf(hostport string) netip.Addr {
	if ap, err := netip.ParseAddrPort(hostport); err == nil {
		return ap.Addr().Unmap()
	}
	if a, err := netip.ParseAddr(hostport); err == nil {
		return a.Unmap()
	}
	return netip.Addr{}
}

func (l *Limiter) ids(source netip.Addr, key string) (src, k, pair string) {
	s := Source(source).String()
	return "s " + s, "k " + string(l.kind) + " " + key, "p " + string(l.kind) + " " + s + " " + key
}

// Check reports whether a try by source on key may go ahead now: wait is
// how long to hold off first (0: go ahead), banned whether source is
// banned (then wait is the ban's remainder). A try that may go ahead while
// a count is slowed reserves the next slot: the next Check waits a full
// delay. A refused or delayed try is counted as blocked and logged at most
// once per source per LogEvery.
func (l *Limiter) Check(source netip.Addr, key string) (wait time.Duration, banned bool) {
	g := l.g
	now := g.now()
	sid, kid, pid := l.ids(source, key)
	g.mu.Lock()
	defer g.mu.Unlock()
	src := g.get(sid)
	if src != nil && now.Before(src.banned) {
		g.block(l.kind, source, src, now, "banned", src.banned.Sub(now))
		return src.banned.Sub(now), true
	}
	counts := make([]limited, 0, 3)
	if src != nil {
		counts = append(counts, limited{&src.count, g.opts.FreeFailures})
	}
	if g.get(pid) == nil { // a pair that got in is not held up by others' failures
		if k := g.get(kid); k != nil {
			counts = append(counts, limited{&k.count, g.opts.KeyFreeFailures})
		}
		counts = append(counts, limited{g.globalOf(l.kind), g.opts.GlobalFreeFailures})
	}
	for _, c := range counts {
		wait = max(wait, c.next.Sub(now))
	}
	if wait > 0 {
		if src == nil {
			src = g.put(sid, now)
		}
		g.block(l.kind, source, src, now, "slowed", wait)
		return wait, false
	}
	// Going ahead: reserve the next slot of every count that is slowed.
	for _, c := range counts {
		if c.failures > c.free && now.Sub(c.last) < g.opts.Window {
			c.next = now.Add(g.delay(c.failures - c.free))
		}
	}
	return 0, false
}

// limited is a count with its number of free failures.
type limited struct {
	*count
	free int
}

// Fail records a failed try by source on key: the source's, the key's and
// the global counts go up, each slowed past its free failures, and the
// source is banned at BanAfter.
func (l *Limiter) Fail(source netip.Addr, key string) {
	g := l.g
	now := g.now()
	sid, kid, _ := l.ids(source, key)
	g.mu.Lock()
	defer g.mu.Unlock()
	src := g.get(sid)
	if src == nil {
		src = g.put(sid, now)
	}
	k := g.get(kid)
	if k == nil {
		k = g.put(kid, now)
	}
	g.fail(&src.count, g.opts.FreeFailures, now)
	g.fail(&k.count, g.opts.KeyFreeFailures, now)
	g.fail(g.globalOf(l.kind), g.opts.GlobalFreeFailures, now)
	if g.opts.BanAfter > 0 && src.failures >= g.opts.BanAfter && !now.Before(src.banned) {
		src.banned = now.Add(g.opts.BanFor)
		g.log.Warn("guard: source banned", "kind", string(l.kind), "source", Source(source).String(),
			"failures", src.failures, "until", src.banned.UTC().Format(time.RFC3339))
	}
}

// Succeed records that source got key right. It lifts no ban, resets no
// count and shortens no wait of the source; it exempts the pair from the
// key's and the global delays from now on (as long as the record lasts).
func (l *Limiter) Succeed(source netip.Addr, key string) {
	g := l.g
	now := g.now()
	_, _, pid := l.ids(source, key)
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.get(pid) == nil {
		g.put(pid, now)
	}
}

// globalOf returns the global count of kind. Caller holds g.mu.
func (g *Guard) globalOf(kind Kind) *count {
	c := g.global[kind]
	if c == nil {
		c = &count{}
		g.global[kind] = c
	}
	return c
}

// fail counts one failure in c, forgetting the old ones after Window.
// Caller holds g.mu.
func (g *Guard) fail(c *count, free int, now time.Time) {
	if now.Sub(c.last) >= g.opts.Window {
		c.failures = 0
	}
	c.failures++
	c.last = now
	if c.failures > free {
		c.next = maxTime(c.next, now.Add(g.delay(c.failures-free)))
	}
}

// delay is the wait after the n-th failure past the free ones: BaseDelay
// doubled n-1 times, at most MaxDelay.
func (g *Guard) delay(n int) time.Duration {
	d := g.opts.BaseDelay
	for i := 1; i < n && d < g.opts.MaxDelay; i++ {
		d *= 2
	}
	return min(d, g.opts.MaxDelay)
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// get returns the record id, marking it recently used, or nil. Caller
// holds g.mu.
func (g *Guard) get(id string) *record {
	e, ok := g.entries[id]
	if !ok {
		return nil
	}
	g.lru.MoveToFront(e)
	return e.Value.(*record)
}

// put adds a record id, evicting the least recently used past
// MaxEntries. Caller holds g.mu.
func (g *Guard) put(id string, now time.Time) *record {
	for g.lru.Len() >= g.opts.MaxEntries && g.lru.Len() > 0 {
		old := g.lru.Back()
		g.lru.Remove(old)
		delete(g.entries, old.Value.(*record).id)
	}
	r := &record{id: id, logged: now.Add(-g.opts.LogEvery)}
	g.entries[id] = g.lru.PushFront(r)
	return r
}

// block counts a blocked try and logs the source at most once per
// LogEvery, with the number of tries blocked since its previous line.
// Caller holds g.mu.
func (g *Guard) block(kind Kind, source netip.Addr, src *record, now time.Time, why string, wait time.Duration) {
	g.blocked[kind]++
	src.suppressed++
	if now.Sub(src.logged) < g.opts.LogEvery {
		return
	}
	g.log.Warn("guard: source blocked", "kind", string(kind), "source", Source(source).String(), "reason", why,
		"wait", wait.Round(time.Millisecond).String(), "blocked", src.suppressed)
	src.logged, src.suppressed = now, 0
}
