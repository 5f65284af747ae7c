package webrtc

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// queueSize is how many messages for the page a call's signalling queue
// holds; past it, messages are dropped (a page that stopped reading).
const queueSize = 64

// signalQueue carries one call's signalling messages to and from the join
// page over a Signaller. Outgoing messages go through a queue that a writer
// goroutine empties, so that sending never blocks the call's loop nor
// pion's goroutines; incoming ones come from a reader goroutine on recv.
//
// Contract: send, sendIfRoom, sendCandidate and sendAnswer may be called
// from any goroutine, at any time, and never block; after close they drop
// their message. start, close and finish are called once each, in that
// order, by the goroutine that runs the call (finish only after close);
// recv, failed and err are read by the call's loop.
type signalQueue struct {
	conn Signaller
	log  *slog.Logger

	in       chan inbound  // reader → loop, unbuffered
	broken   chan struct{} // closed by the writer when a write fails
	writeErr error         // set by the writer before broken is closed

	mu       sync.Mutex
	out      chan Message // guarded by mu: sent to only while !closed; the writer reads it
	closed   bool         // guarded by mu
	answered bool         // guarded by mu: an answer is queued; candidates may follow
	early    []Message    // guarded by mu: candidates gathered before the answer was queued
}

// inbound is one message, or the error that ended reading.
type inbound struct {
	msg Message
	err error
}

// newSignalQueue returns a queue over conn holding up to size outgoing
// messages; it starts nothing.
func newSignalQueue(conn Signaller, size int, log *slog.Logger) *signalQueue {
	return &signalQueue{conn: conn, log: log, in: make(chan inbound), broken: make(chan struct{}),
		out: make(chan Message, size)}
}

// start starts the writer, which writes until close and then for as long
// as finish lets it, and the reader, which reads until reading fails or
// ctx ends. It returns finish, to be called after close: it waits up to
// flush for the queued messages to go out (then cuts the writing short),
// stops the reader and returns once both goroutines have.
func (q *signalQueue) start(ctx context.Context, flush time.Duration) (finish func()) {
	wctx, wcancel := context.WithCancel(context.WithoutCancel(ctx))
	rctx, rcancel := context.WithCancel(ctx)
	writerDone, readerDone := make(chan struct{}), make(chan struct{})
	go q.writeLoop(wctx, writerDone)
	go q.readLoop(rctx, readerDone)
	return func() {
		select { // let the last messages out, within reason
		case <-writerDone:
		case <-time.After(flush):
			wcancel()
			<-writerDone
		}
		wcancel()
		rcancel()
		<-readerDone
	}
}

// recv receives the page's messages, then the error that ended reading.
func (q *signalQueue) recv() <-chan inbound { return q.in }

// failed is closed once a write has failed; err then says why.
func (q *signalQueue) failed() <-chan struct{} { return q.broken }

// err is why a write failed, once failed is closed.
func (q *signalQueue) err() error { return q.writeErr }

// send queues a message for the page. It never blocks: a message sent
// after close, or past a full queue (a page that stopped reading), is
// dropped.
func (q *signalQueue) send(m Message) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.sendLocked(m)
}

// sendIfRoom queues m unless the queue is closed or half full, and reports
// whether it did: the roster leaves the other half to the messages the
// call cannot do without (offers, answers, candidates).
func (q *signalQueue) sendIfRoom(m Message) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed || len(q.out) >= cap(q.out)/2 {
		return false
	}
	q.sendLocked(m)
	return true
}

// sendCandidate queues a local ICE candidate, or holds it until the first
// answer is queued: gathering starts in SetLocalDescription, before the
// answer goes out, and a browser refuses candidates that come before the
// description they belong to. pion's goroutines call it.
func (q *signalQueue) sendCandidate(m Message) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.answered {
		q.early = append(q.early, m)
		return
	}
	q.sendLocked(m)
}

// sendAnswer queues an answer, then any candidates held back for it.
func (q *signalQueue) sendAnswer(m Message) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.sendLocked(m)
	q.answered = true
	for _, e := range q.early {
		q.sendLocked(e)
	}
	q.early = nil
}

// sendLocked is send with q.mu held.
func (q *signalQueue) sendLocked(m Message) {
	if q.closed {
		return
	}
	select {
	case q.out <- m:
	default:
		q.log.Warn("signalling queue full: message dropped", "type", m.Type)
	}
}

// close ends the queue: later messages are dropped, and the writer stops
// after the messages already queued. It is idempotent.
func (q *signalQueue) close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.closed {
		q.closed = true
		close(q.out)
	}
}

// writeLoop sends the queued messages until the queue is closed; after a
// failed write it only drains the queue.
func (q *signalQueue) writeLoop(ctx context.Context, done chan<- struct{}) {
	defer close(done)
	failed := false
	for m := range q.out {
		if failed {
			continue
		}
		if err := q.conn.WriteJSON(ctx, m); err != nil {
			failed = true
			q.writeErr = err
			close(q.broken)
		}
	}
}

// readLoop hands the page's messages to recv until reading fails or ctx
// ends.
func (q *signalQueue) readLoop(ctx context.Context, done chan<- struct{}) {
	defer close(done)
	for {
		var m Message
		err := q.conn.ReadJSON(ctx, &m)
		select {
		case q.in <- inbound{msg: m, err: err}:
		case <-ctx.Done():
			return
		}
		if err != nil {
			return
		}
	}
}
