package accounts

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Searcher is a directory that finds users as one types: *LDAP.
type Searcher interface {
	// Search returns at most limit users one of whose name, login,
	// extension, email or phone contains every word of words (compared
	// without regard to case), or an error wrapping ErrUnavailable when
	// the directory cannot be asked.
	Search(ctx context.Context, words []string, limit int) ([]User, error)
}

// Finder searches the local users (every extension of the config) and,
// when there is one, the directory, whose answers it keeps for a short
// while per query. It is safe for concurrent use.
type Finder struct {
	local []LocalUser
	dir   Searcher // nil: none
	cache *searchCache
}

// Defaults of the directory's cache.
const (
	// DefaultSearchTTL is how long a directory's answer to a query is
	// reused.
	DefaultSearchTTL = 30 * time.Second
	// DefaultSearchCacheSize is how many queries' answers are kept.
	DefaultSearchCacheSize = 256
)

// NewFinder returns a Finder over local (in order; a Login seen before is
// skipped) and dir (nil: none) whose directory answers are kept for ttl
// (0: DefaultSearchTTL; negative: not kept) in a cache of size queries
// (0: DefaultSearchCacheSize). now is the clock; nil: time.Now.
func NewFinder(local []LocalUser, dir Searcher, ttl time.Duration, size int, now func() time.Time) *Finder {
	if ttl == 0 {
		ttl = DefaultSearchTTL
	}
	if size <= 0 {
		size = DefaultSearchCacheSize
	}
	if now == nil {
		now = time.Now
	}
	f := &Finder{dir: dir, cache: &searchCache{ttl: ttl, size: size, now: now, m: make(map[string]cached)}}
	seen := make(map[string]bool, len(local))
	for _, u := range local {
		if u.Login != "" && !seen[u.Login] {
			seen[u.Login] = true
			f.local = append(f.local, u)
		}
	}
	return f
}

// Words splits a query into its lowercase words; a query without any
// gives none.
func Words(q string) []string { return strings.Fields(strings.ToLower(q)) }

// Search returns at most limit users matching every word of q (Words): the
// local users first, then the directory's, without a directory user whose
// login a local user has. When the directory cannot be asked, the local
// users come with an error wrapping ErrUnavailable; a query of no words
// finds nobody.
func (f *Finder) Search(ctx context.Context, q string, limit int) ([]User, error) {
	words := Words(q)
	if len(words) == 0 || limit <= 0 {
		return nil, nil
	}
	var out []User
	logins := make(map[string]bool)
	for _, lu := range f.local {
		u := User{Login: lu.Login, Name: lu.Name, Email: lu.Email, Phone: lu.Phone, Extension: lu.Extension,
			Source: "local"}
		if len(out) < limit && matches(u, words) {
			out = append(out, u)
		}
		logins[strings.ToLower(lu.Login)] = true
	}
	if f.dir == nil || len(out) >= limit {
		return out, nil
	}
	found, err := f.cache.get(strings.Join(words, " "), limit, func() ([]User, error) {
		return f.dir.Search(ctx, words, limit)
	})
	if err != nil {
		if !errors.Is(err, ErrUnavailable) {
			err = fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
		return out, err
	}
	for _, u := range found {
		if len(out) < limit && !logins[strings.ToLower(u.Login)] {
			out = append(out, u)
		}
	}
	return out, nil
}

// matches reports whether every word is in one of u's fields.
func matches(u User, words []string) bool {
	fields := strings.ToLower(strings.Join([]string{u.Name, u.Login, u.Extension, u.Email, u.Phone}, "\x00"))
	for _, w := range words {
		if !strings.Contains(fields, w) {
			return false
		}
	}
	return true
}

// searchCache keeps a directory's answers per query for ttl, at most size
// of them; an error is not kept.
type searchCache struct {
	ttl  time.Duration
	size int
	now  func() time.Time

	mu sync.Mutex
	m  map[string]cached // guarded by mu
}

type cached struct {
	users   []User
	expires time.Time
}

// get returns the answer to query and limit, from the cache while fresh,
// else from ask (called without the lock held).
func (c *searchCache) get(query string, limit int, ask func() ([]User, error)) ([]User, error) {
	key := fmt.Sprintf("%d\x00%s", limit, query)
	c.mu.Lock()
	e, ok := c.m[key]
	c.mu.Unlock()
	if ok && c.now().Before(e.expires) {
		return e.users, nil
	}
	users, err := ask()
	if err != nil || c.ttl < 0 {
		return users, err
	}
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.size {
		c.evict(now)
	}
	c.m[key] = cached{users: users, expires: now.Add(c.ttl)}
	return users, nil
}

// evict drops the expired answers, or, when none has expired, the one
// that expires first. Called with mu held.
func (c *searchCache) evict(now time.Time) {
	oldest := ""
	for k, e := range c.m {
		if !now.Before(e.expires) {
			delete(c.m, k)
		} else if oldest == "" || e.expires.Before(c.m[oldest].expires) {
			oldest = k
		}
	}
	if len(c.m) >= c.size {
		delete(c.m, oldest)
	}
}
