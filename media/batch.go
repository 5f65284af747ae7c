package media

import (
	"errors"
	"net/netip"
	"sync"
	"sync/atomic"
)

// ErrSendQueueFull is returned by a SharedLeg's write when its socket's
// send queue is full: the datagram is dropped, as a full socket buffer
// would drop it.
var ErrSendQueueFull = errors.New("media: shared socket send queue full")

// batchSize is how many datagrams one recvmmsg or sendmmsg moves at most.
const batchSize = 64

// Send queue bounds of a shared socket: enough for every leg of a large
// room's tick; past them writes fail with ErrSendQueueFull.
const (
	sendQueueLen   = 4096
	sendQueueBytes = 1 << 20
)

// outQueue is datagrams waiting to be sent, back to back in one arena.
type outQueue struct {
	arena []byte
	msgs  []outMsg
}

// outMsg is one queued datagram: arena[off:end] to to.
type outMsg struct {
	off, end int
	to       netip.AddrPort
}

// batchWriter sends a socket's datagrams in batches: write queues a copy
// and wakes the flusher goroutine, which takes the whole queue and sends
// it with sendmmsg, batchSize at a time; the write that fills a batch
// sends the queue itself, so that a busy scheduler that leaves the
// flusher waiting cannot hold packets back. The mixer's writes to every
// leg of a tick thus leave in a few system calls.
type batchWriter struct {
	out *mmsg

	flushMu sync.Mutex // held by flush: one sends at a time
	mu      sync.Mutex
	queue   *outQueue // guarded by mu
	spare   *outQueue // guarded by flushMu
	wake    chan struct{}
	done    chan struct{}
	wg      sync.WaitGroup

	sent, batches, failed, dropped atomic.Uint64
}

// newBatchWriter starts the flusher of out; stop ends it.
func newBatchWriter(out *mmsg) *batchWriter {
	newQueue := func() *outQueue {
		return &outQueue{arena: make([]byte, 0, sendQueueBytes), msgs: make([]outMsg, 0, sendQueueLen)}
	}
	w := &batchWriter{out: out, queue: newQueue(), spare: newQueue(), wake: make(chan struct{}, 1), done: make(chan struct{})}
	w.wg.Add(1)
	go w.flusher()
	return w
}

// write queues a copy of b for to. It fails with ErrSendQueueFull when
// the queue is full, and with ErrNoRemote for an address the socket cannot
// reach (IPv6 on an IPv4 socket).
func (w *batchWriter) write(b []byte, to netip.AddrPort) error {
	if !w.out.canSend(to) {
		return ErrNoRemote
	}
	w.mu.Lock()
	q := w.queue
	if len(q.msgs) == cap(q.msgs) || len(q.arena)+len(b) > cap(q.arena) {
		w.mu.Unlock()
		w.dropped.Add(1)
		return ErrSendQueueFull
	}
	off := len(q.arena)
	q.arena = append(q.arena, b...)
	q.msgs = append(q.msgs, outMsg{off: off, end: len(q.arena), to: to})
	full := len(q.msgs) >= batchSize
	w.mu.Unlock()
	if full { // a whole batch: send it now, whoever runs
		w.flush()
		return nil
	}
	select {
	case w.wake <- struct{}{}:
	default: // already woken: the flusher will find this one too
	}
	return nil
}

// stop sends what is queued and ends the flusher.
func (w *batchWriter) stop() {
	close(w.done)
	w.wg.Wait()
}

// flusher sends the queue each time it is woken, until stop.
func (w *batchWriter) flusher() {
	defer w.wg.Done()
	for {
		select {
		case <-w.wake:
			w.flush()
		case <-w.done:
			w.flush()
			return
		}
	}
}

// flush takes the queue and sends it. A datagram the kernel refuses is
// counted and skipped.
func (w *batchWriter) flush() {
	w.flushMu.Lock()
	defer w.flushMu.Unlock()
	w.mu.Lock()
	q := w.queue
	w.queue, w.spare = w.spare, q
	w.mu.Unlock()
	for msgs := q.msgs; len(msgs) > 0; {
		n := min(len(msgs), batchSize)
		for i, m := range msgs[:n] {
			w.out.set(i, q.arena[m.off:m.end], m.to)
		}
		sent, err := w.out.write(n)
		w.batches.Add(1)
		w.sent.Add(uint64(sent))
		if err != nil {
			w.failed.Add(1)
			sent++ // the one refused
		}
		msgs = msgs[min(sent, len(msgs)):]
	}
	q.arena, q.msgs = q.arena[:0], q.msgs[:0]
}
