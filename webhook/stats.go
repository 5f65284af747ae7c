package webhook

// Stats counts deliveries over a Sender's life; each event sent to a hook
// is one delivery.
type Stats struct {
	// Delivered is how many deliveries a hook answered with 2xx.
	Delivered uint64
	// Failed is how many were given up: refused with a status that is not
	// retried, or out of attempts.
	Failed uint64
	// Retried is how many attempts failed and were tried again after a
	// wait (a network error, 429 or 5xx, attempts left).
	Retried uint64
	// Dropped is how many were dropped from a full queue.
	Dropped uint64
	// Abandoned is how many were still queued or being retried when the
	// drain at shutdown ran out of time.
	Abandoned uint64
}

// Stats returns the counts so far. It is safe to call from any goroutine.
func (s *Sender) Stats() Stats {
	return Stats{Delivered: s.delivered.Load(), Failed: s.failed.Load(), Retried: s.retried.Load(),
		Dropped: s.dropped.Load(), Abandoned: s.abandoned.Load()}
}
