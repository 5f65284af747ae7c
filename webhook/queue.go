package webhook

import "sync"

// delivery is one event on its way to one hook.
type delivery struct {
	// typ is the event type, for the X-Parley-Event header.
	typ string
	// id is the X-Parley-Delivery header.
	id string
	// body is the JSON of the event, shared by every hook; never changed.
	body []byte
}

// queue is a bounded FIFO of deliveries that never blocks its producer:
// pushing to a full queue drops the oldest entry. One goroutine pushes and
// one pops; ready wakes the popper.
type queue struct {
	// ready holds a token when something was pushed since the popper last
	// looked; capacity 1.
	ready chan struct{}

	mu    sync.Mutex
	items []delivery // guarded by mu; a ring of fixed size
	head  int        // guarded by mu; index of the oldest entry
	n     int        // guarded by mu; entries queued
}

// newQueue returns an empty queue that holds size entries; size > 0.
func newQueue(size int) *queue {
	return &queue{ready: make(chan struct{}, 1), items: make([]delivery, size)}
}

// push appends d, dropping the oldest entry if the queue is full; it
// reports whether it dropped one.
func (q *queue) push(d delivery) (dropped bool) {
	q.mu.Lock()
	if q.n == len(q.items) {
		q.items[q.head] = delivery{}
		q.head = (q.head + 1) % len(q.items)
		q.n--
		dropped = true
	}
	q.items[(q.head+q.n)%len(q.items)] = d
	q.n++
	q.mu.Unlock()
	select {
	case q.ready <- struct{}{}:
	default:
	}
	return dropped
}

// pop removes and returns the oldest entry; ok is false when the queue is
// empty.
func (q *queue) pop() (d delivery, ok bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.n == 0 {
		return delivery{}, false
	}
	d = q.items[q.head]
	q.items[q.head] = delivery{}
	q.head = (q.head + 1) % len(q.items)
	q.n--
	return d, true
}
