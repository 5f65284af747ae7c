package main

import (
	"errors"
	"net"
	"sync"
	"time"
)

// swapListener is a net.Listener whose address can change while a server
// serves it: Swap starts accepting on a new listener and closes the old
// one, so that a reload rebinds http.listen or metrics.listen without
// stopping the http.Server, and the connections already accepted (API
// calls, the browser guests' WebSockets) go on.
//
// Accept, Addr, Swap and Close are safe for concurrent use. Close closes
// the listener it holds and waits for its accept loop.
type swapListener struct {
	conns chan net.Conn // accepted connections, handed to Accept
	done  chan struct{} // closed by Close
	loops sync.WaitGroup

	mu     sync.Mutex
	inner  net.Listener // guarded by mu
	closed bool         // guarded by mu
}

// newSwapListener serves the connections ln accepts.
func newSwapListener(ln net.Listener) *swapListener {
	s := &swapListener{conns: make(chan net.Conn), done: make(chan struct{}), inner: ln}
	s.loops.Add(1)
	go s.acceptLoop(ln)
	return s
}

// acceptLoop hands ln's connections to Accept until ln is closed. A
// temporary failure (too many open files) is retried after a pause that
// doubles up to a second, as http.Server does.
func (s *swapListener) acceptLoop(ln net.Listener) {
	defer s.loops.Done()
	var pause time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			pause = min(max(2*pause, 5*time.Millisecond), time.Second)
			select {
			case <-time.After(pause):
				continue
			case <-s.done:
				return
			}
		}
		pause = 0
		select {
		case s.conns <- c:
		case <-s.done:
			c.Close()
			return
		}
	}
}

// Accept returns the next connection of whichever listener it holds;
// net.ErrClosed once Close was called.
func (s *swapListener) Accept() (net.Conn, error) {
	select {
	case c := <-s.conns:
		return c, nil
	case <-s.done:
		return nil, net.ErrClosed
	}
}

// Addr returns the address of the listener it holds now.
func (s *swapListener) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inner.Addr()
}

// Swap makes ln the listener and closes the one before; a connection the
// old one had accepted may still come out of Accept. After Close, Swap
// closes ln and returns net.ErrClosed.
func (s *swapListener) Swap(ln net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		ln.Close()
		return net.ErrClosed
	}
	old := s.inner
	s.inner = ln
	s.loops.Add(1)
	s.mu.Unlock()
	go s.acceptLoop(ln)
	return old.Close()
}

// Close stops accepting, closes the listener and waits for the accept
// loops to end. It is idempotent.
func (s *swapListener) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.done)
	err := s.inner.Close()
	s.mu.Unlock()
	s.loops.Wait()
	return err
}
