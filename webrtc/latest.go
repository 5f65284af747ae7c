package webrtc

import "sync"

// latest hands the newest of a value, set on any goroutine, to the call's
// loop: set stores the value and wakes the loop through C without ever
// blocking, and the loop, once woken, reads the newest value with get. Of a
// burst of sets the loop sees at least the last; a value that nobody read
// is replaced. The zero latest is not ready for use: see newLatest. It is
// safe for concurrent use.
type latest[T any] struct {
	note chan struct{} // capacity 1: a wake-up is pending

	mu sync.Mutex
	v  T // guarded by mu
}

// newLatest returns a latest holding the zero T, with no wake-up pending.
func newLatest[T any]() *latest[T] { return &latest[T]{note: make(chan struct{}, 1)} }

// set stores v and wakes the reader; it never blocks.
func (l *latest[T]) set(v T) {
	l.mu.Lock()
	l.v = v
	l.mu.Unlock()
	select {
	case l.note <- struct{}{}:
	default: // a wake-up is pending: the reader will read v
	}
}

// get returns the newest value set, or the zero T.
func (l *latest[T]) get() T {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.v
}

// C receives after a set; the reader then calls get.
func (l *latest[T]) C() <-chan struct{} { return l.note }
