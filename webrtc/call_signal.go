package webrtc

import "context"

// send queues a message for the browser. It never blocks: a message sent
// after the call's end, or past a full queue (a browser that stopped
// reading), is dropped. It may be called from any goroutine.
func (c *call) send(m Message) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sendLocked(m)
}

// sendCandidate queues a local ICE candidate, or holds it until the first
// answer is queued: gathering starts in SetLocalDescription, before the
// answer goes out, and a browser refuses candidates that come before the
// description they belong to. It runs on pion's goroutines.
func (c *call) sendCandidate(m Message) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.answered {
		c.early = append(c.early, m)
		return
	}
	c.sendLocked(m)
}

// sendAnswer queues an answer, then any candidates held back for it.
func (c *call) sendAnswer(m Message) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sendLocked(m)
	c.answered = true
	for _, e := range c.early {
		c.sendLocked(e)
	}
	c.early = nil
}

// sendLocked is send with c.mu held.
func (c *call) sendLocked(m Message) {
	if c.outClosed {
		return
	}
	select {
	case c.out <- m:
	default:
		c.log.Warn("signalling queue full: message dropped", "type", m.Type)
	}
}

// writeLoop sends the queued messages until the queue is closed; after a
// failed write it only drains the queue.
func (c *call) writeLoop(ctx context.Context, done chan<- struct{}) {
	defer close(done)
	failed := false
	for m := range c.out {
		if failed {
			continue
		}
		if err := c.sig.WriteJSON(ctx, m); err != nil {
			failed = true
			c.brokeOnce.Do(func() {
				c.writeErr = err
				close(c.broken)
			})
		}
	}
}

// readLoop hands the browser's messages to the loop until reading fails
// or ctx ends.
func (c *call) readLoop(ctx context.Context, done chan<- struct{}) {
	defer close(done)
	for {
		var m Message
		err := c.sig.ReadJSON(ctx, &m)
		select {
		case c.in <- inbound{msg: m, err: err}:
		case <-ctx.Done():
			return
		}
		if err != nil {
			return
		}
	}
}
