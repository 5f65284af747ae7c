package config

import "time"

// This file holds the sections of the brute-force limits: guard (package
// guard's limiter) and api (the life of room tokens).

// Guard configures the one limiter of credential guessing shared by SIP
// Digest (the registrar), the phone PIN prompt, the console sign-in and
// the REST API's bearer tokens. Failures are counted per source (IPv4
// address, IPv6 /64), per target (extension or room) and globally; each
// count is forgotten Window after its last failure.
type Guard struct {
	// FreeFailures is how many failures a source may make before each
	// further one doubles its wait. Default 3.
	FreeFailures int `yaml:"free_failures"`
	// BaseDelay is the first wait; each further failure doubles it.
	// Default 1s.
	BaseDelay time.Duration `yaml:"base_delay"`
	// MaxDelay caps the wait. Default 30s.
	MaxDelay time.Duration `yaml:"max_delay"`
	// BanAfter is how many failures within Window ban a source; a
	// success from it does not lift the ban. Default 30.
	BanAfter int `yaml:"ban_after"`
	// BanFor is how long a ban lasts. Default 30m.
	BanFor time.Duration `yaml:"ban_for"`
	// Window is how long failures are remembered after the last one.
	// Default 15m.
	Window time.Duration `yaml:"window"`
	// KeyFreeFailures is how many failures one room or extension takes,
	// from any sources, before tries on it from sources that never got in
	// on it wait (rotating sources). Default 20.
	KeyFreeFailures int `yaml:"key_free_failures"`
	// GlobalFreeFailures is the same for all failures of one kind
	// (registrar, phone PIN, console, API) together. Default 300.
	GlobalFreeFailures int `yaml:"global_free_failures"`
	// MaxEntries bounds the sources, targets and successes remembered;
	// the least recently used go first. Default 65536.
	MaxEntries int `yaml:"max_entries"`
}

// API configures the REST API's room tokens.
type API struct {
	// TokenTTL is the life of a room token minted with a room token or a
	// console PIN sign-in when the request names none, and of tokens
	// stored without an expiry before this setting existed (counted from
	// their creation). Default 12h.
	TokenTTL time.Duration `yaml:"token_ttl"`
	// TokenMaxTTL is the longest life such a token may ask for (admin
	// tokens may still mint tokens that never expire). Default 168h (7
	// days).
	TokenMaxTTL time.Duration `yaml:"token_max_ttl"`
}

// Defaults of the guard and api sections.
const (
	defaultGuardFree       = 3
	defaultGuardBaseDelay  = time.Second
	defaultGuardMaxDelay   = 30 * time.Second
	defaultGuardBanAfter   = 30
	defaultGuardBanFor     = 30 * time.Minute
	defaultGuardWindow     = 15 * time.Minute
	defaultGuardKeyFree    = 20
	defaultGuardGlobalFree = 300
	defaultGuardEntries    = 1 << 16
	defaultTokenTTL        = 12 * time.Hour
	defaultTokenMaxTTL     = 7 * 24 * time.Hour
)

// applyGuardDefaults fills in the guard and api settings left out of the
// file.
func applyGuardDefaults(c *Config, src *source) {
	ints := []struct {
		key string
		v   *int
		d   int
	}{
		{"guard.free_failures", &c.Guard.FreeFailures, defaultGuardFree},
		{"guard.ban_after", &c.Guard.BanAfter, defaultGuardBanAfter},
		{"guard.key_free_failures", &c.Guard.KeyFreeFailures, defaultGuardKeyFree},
		{"guard.global_free_failures", &c.Guard.GlobalFreeFailures, defaultGuardGlobalFree},
		{"guard.max_entries", &c.Guard.MaxEntries, defaultGuardEntries},
	}
	for _, f := range ints {
		if !src.has(f.key) {
			*f.v = f.d
		}
	}
	durs := []struct {
		key string
		v   *time.Duration
		d   time.Duration
	}{
		{"guard.base_delay", &c.Guard.BaseDelay, defaultGuardBaseDelay},
		{"guard.max_delay", &c.Guard.MaxDelay, defaultGuardMaxDelay},
		{"guard.ban_for", &c.Guard.BanFor, defaultGuardBanFor},
		{"guard.window", &c.Guard.Window, defaultGuardWindow},
		{"api.token_ttl", &c.API.TokenTTL, defaultTokenTTL},
		{"api.token_max_ttl", &c.API.TokenMaxTTL, defaultTokenMaxTTL},
	}
	for _, f := range durs {
		if !src.has(f.key) {
			*f.v = f.d
		}
	}
}

// guard checks the guard and api sections.
func (v *validator) guard(g *Guard, a *API) {
	for _, f := range []struct {
		key string
		n   int
		min int
	}{
		{"guard.free_failures", g.FreeFailures, 0},
		{"guard.ban_after", g.BanAfter, 1},
		{"guard.key_free_failures", g.KeyFreeFailures, 0},
		{"guard.global_free_failures", g.GlobalFreeFailures, 0},
		{"guard.max_entries", g.MaxEntries, 1000},
	} {
		if f.n < f.min {
			v.add(f.key, "%d: must be at least %d", f.n, f.min)
		}
	}
	for _, f := range []struct {
		key string
		d   time.Duration
	}{
		{"guard.base_delay", g.BaseDelay}, {"guard.ban_for", g.BanFor}, {"guard.window", g.Window},
	} {
		if f.d <= 0 {
			v.add(f.key, "%s: must be positive", f.d)
		}
	}
	if g.MaxDelay < g.BaseDelay {
		v.add("guard.max_delay", "%s: must not be below guard.base_delay (%s)", g.MaxDelay, g.BaseDelay)
	}
	if a.TokenTTL <= 0 {
		v.add("api.token_ttl", "%s: must be positive", a.TokenTTL)
	}
	if a.TokenMaxTTL < a.TokenTTL {
		v.add("api.token_max_ttl", "%s: must not be below api.token_ttl (%s)", a.TokenMaxTTL, a.TokenTTL)
	}
}
