package main

import (
	"sync"
	"time"
)

// sender sends every leg's next packet every 20 ms from one goroutine, so
// that the load generator's own cost stays one syscall per packet.
type sender struct {
	mu   sync.Mutex
	legs []*leg // guarded by mu

	jitter *jitterQueue // nil: no added jitter; the sending goroutine only

	stop chan struct{}
	done chan struct{}

	lagMu  sync.Mutex
	maxLag time.Duration // the latest a round of sends started; guarded by lagMu
	errors int           // failed sends; guarded by lagMu
}

// newSender starts the sending goroutine. A jitter above 0 delays every
// packet by a random 0 to jitter (see jitterQueue).
func newSender(jitter time.Duration) *sender {
	s := &sender{stop: make(chan struct{}), done: make(chan struct{})}
	if jitter > 0 {
		s.jitter = newJitterQueue(jitter)
	}
	go s.run()
	return s
}

// add makes l send from the next round on.
func (s *sender) add(l *leg) {
	s.mu.Lock()
	s.legs = append(s.legs, l)
	s.mu.Unlock()
}

// remove stops l's sending.
func (s *sender) remove(l *leg) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, o := range s.legs {
		if o == l {
			legs := make([]*leg, 0, len(s.legs)-1)
			s.legs = append(append(legs, s.legs[:i]...), s.legs[i+1:]...)
			return
		}
	}
}

// close stops the sending and waits for it.
func (s *sender) close() {
	close(s.stop)
	<-s.done
}

// resetLag forgets the lag measured so far (at the window's start).
func (s *sender) resetLag() {
	s.lagMu.Lock()
	s.maxLag, s.errors = 0, 0
	s.lagMu.Unlock()
}

// lag returns the latest a round of sends started after it was due, and
// the failed sends, since resetLag.
func (s *sender) lag() (time.Duration, int) {
	s.lagMu.Lock()
	defer s.lagMu.Unlock()
	return s.maxLag, s.errors
}

func (s *sender) run() {
	defer close(s.done)
	buf := make([]byte, 1500)
	next := time.Now()
	for {
		next = next.Add(20 * time.Millisecond)
		for {
			wake := next
			if s.jitter != nil {
				s.jitter.flush(time.Now())
				if due, ok := s.jitter.due(); ok && due.Before(wake) {
					wake = due
				}
			}
			wait := time.Until(wake)
			if wait <= 0 && !wake.Before(next) {
				break
			}
			if wait > 0 {
				select {
				case <-s.stop:
					return
				case <-time.After(wait):
				}
			}
			if !time.Now().Before(next) {
				break
			}
		}
		lag := time.Since(next)
		s.mu.Lock()
		legs := s.legs
		s.mu.Unlock()
		errs := 0
		for _, l := range legs {
			pkt, onset := l.next(buf)
			if pkt == nil {
				continue
			}
			if s.jitter != nil {
				s.jitter.push(next, l, pkt, onset)
				continue
			}
			if l.write(pkt) != nil {
				errs++
			}
			if onset {
				l.lat.onsetSent(time.Now())
			}
		}
		if s.jitter != nil {
			errs += s.jitter.flush(time.Now())
		}
		s.lagMu.Lock()
		s.maxLag = max(s.maxLag, lag)
		s.errors += errs
		s.lagMu.Unlock()
		select {
		case <-s.stop:
			return
		default:
		}
	}
}
