package notify

import "sync/atomic"

// SendStats count a sender's deliveries over its life: the messages handed
// to the SMTP server or the SMS gateway, and those it could not reach or
// that it refused. A message refused before any attempt (a bad address or
// number) is in neither.
type SendStats struct {
	// Sent is how many messages the server or gateway accepted.
	Sent uint64
	// Failed is how many attempts failed: the server or gateway could not
	// be reached, or refused the credentials or the message.
	Failed uint64
}

// sendCounter is SendStats as atomics.
type sendCounter struct{ sent, failed atomic.Uint64 }

// record counts the outcome of one delivery attempt and returns err.
func (c *sendCounter) record(err error) error {
	if err != nil {
		c.failed.Add(1)
	} else {
		c.sent.Add(1)
	}
	return err
}

// stats returns the counts so far.
func (c *sendCounter) stats() SendStats {
	return SendStats{Sent: c.sent.Load(), Failed: c.failed.Load()}
}

// Stats returns the mails sent and failed so far. It is safe to call from
// any goroutine.
func (m *Mailer) Stats() SendStats { return m.count.stats() }

// Stats returns the text messages sent and failed so far. It is safe to
// call from any goroutine.
func (s *SMS) Stats() SendStats { return s.count.stats() }
