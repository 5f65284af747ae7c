package accounts

import (
	"crypto/rand"
	"encoding/base64"
	"slices"
	"sync"
	"time"
)

// Session is a signed-in user's web session.
type Session struct {
	// ID is the cookie's value: 256 random bits, base64url.
	ID string
	// CSRF is the token every state change made with the cookie must
	// carry (X-CSRF-Token): 256 random bits, base64url.
	CSRF string
	// User is who signed in.
	User User
	// Created is the sign-in; LastUsed the last request.
	Created, LastUsed time.Time
}

// Sessions keeps sessions in memory (a restart signs everyone out). A
// session ends IdleTimeout after its last use, MaxAge after its sign-in, or
// with Delete. Safe for concurrent use.
type Sessions struct {
	idle, maxAge time.Duration
	now          func() time.Time

	mu sync.Mutex
	m  map[string]*Session // by ID; guarded by mu
}

// NewSessions returns an empty store; idle or maxAge of 0 mean 30 minutes
// and 12 hours; now nil means time.Now.
func NewSessions(idle, maxAge time.Duration, now func() time.Time) *Sessions {
	if idle <= 0 {
		idle = 30 * time.Minute
	}
	if maxAge <= 0 {
		maxAge = 12 * time.Hour
	}
	if now == nil {
		now = time.Now
	}
	return &Sessions{idle: idle, maxAge: maxAge, now: now, m: make(map[string]*Session)}
}

// MaxAge is the absolute life of a session (for the cookie's Max-Age).
func (s *Sessions) MaxAge() time.Duration { return s.maxAge }

// MaxPerUser is how many sessions one login may have; signing in once more
// ends its least recently used one.
const MaxPerUser = 16

// Create starts a session for u, forgets the sessions that expired, and
// ends u's least recently used session if u has MaxPerUser already.
func (s *Sessions) Create(u User) Session {
	now := s.now()
	ss := &Session{ID: random(), CSRF: random(), User: u, Created: now, LastUsed: now}
	s.mu.Lock()
	defer s.mu.Unlock()
	var mine []*Session
	for id, old := range s.m {
		switch {
		case s.expired(old, now):
			delete(s.m, id)
		case old.User.Login == u.Login:
			mine = append(mine, old)
		}
	}
	if len(mine) >= MaxPerUser {
		oldest := slices.MinFunc(mine, func(a, b *Session) int { return a.LastUsed.Compare(b.LastUsed) })
		delete(s.m, oldest.ID)
	}
	s.m[ss.ID] = ss
	return *ss
}

// Get returns the live session id and marks it used; false when there is
// none or it expired (then it is gone).
func (s *Sessions) Get(id string) (Session, bool) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, ok := s.m[id]
	if !ok {
		return Session{}, false
	}
	if s.expired(ss, now) {
		delete(s.m, id)
		return Session{}, false
	}
	ss.LastUsed = now
	return *ss, true
}

// Delete ends session id, if it exists.
func (s *Sessions) Delete(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, id)
}

func (s *Sessions) expired(ss *Session, now time.Time) bool {
	return now.Sub(ss.LastUsed) >= s.idle || now.Sub(ss.Created) >= s.maxAge
}

// random returns 256 bits from crypto/rand, base64url without padding.
func random() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24)
	return base64.RawURLEncoding.EncodeToString(b)
}
