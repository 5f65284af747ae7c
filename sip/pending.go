package sip

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	gosip "github.com/emiago/sipgo/sip"

	"github.com/parleyhq/parley/guard"
)

// Defaults of the budget for INVITEs answered and not yet ACKed.
const (
	// DefaultMaxUnacked is how many calls from one source may await the
	// ACK of their 200 at a time.
	DefaultMaxUnacked = 10
	// DefaultAckTimeout is how long a 200 waits for its ACK before the
	// call is ended and its ports are freed.
	DefaultAckTimeout = 8 * time.Second
)

// Errors of the budget.
var (
	// errTooManyUnacked refuses an INVITE from a source that has
	// MaxUnacked calls awaiting their ACK (503 with Retry-After).
	errTooManyUnacked = errors.New("too many calls from this source await their ack")
	// errNoAck ends a call whose 200 got no ACK within the ACK timeout.
	errNoAck = errors.New("no ack")
)

// unacked counts, per source, the calls in whose set-up Parley holds RTP
// ports for a caller that has not yet confirmed it: from the INVITE's
// acceptance until the ACK of the 200 (or the final refusal, for a full
// room's early media). Without a budget, INVITEs that are never ACKed
// hold their ports for sipgo's 64*T1 (32 s) each, and a thousand of them
// exhaust the range for everyone. Sources are IPs, IPv6 grouped by /64
// (one subscriber's prefix). It is safe for concurrent use.
type unacked struct {
	max int // negative: no limit

	mu    sync.Mutex
	count map[netip.Prefix]int // guarded by mu
}

func newUnacked(max int) *unacked {
	if max == 0 {
		max = DefaultMaxUnacked
	}
	return &unacked{max: max, count: make(map[netip.Prefix]int)}
}

// take counts one more call from ip, or returns errTooManyUnacked if ip
// has its budget's worth. The release function it returns gives the slot
// back; it may be called any number of times.
func (u *unacked) take(ip netip.Addr) (release func(), err error) {
	key := guard.Source(ip)
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.max > 0 && u.count[key] >= u.max {
		return func() {}, fmt.Errorf("%w: %d", errTooManyUnacked, u.max)
	}
	u.count[key]++
	var once sync.Once
	return func() {
		once.Do(func() {
			u.mu.Lock()
			defer u.mu.Unlock()
			if u.count[key]--; u.count[key] <= 0 {
				delete(u.count, key)
			}
		})
	}, nil
}

// ackTimeout is how long a 200 waits for its ACK.
func (s *Server) ackTimeout() time.Duration {
	if s.opts.AckTimeout > 0 {
		return s.opts.AckTimeout
	}
	return DefaultAckTimeout
}

// retryAfter is the Retry-After header (RFC 3261 §20.33) of a refusal for
// want of budget: by then the source's pending calls are ACKed or over.
func (s *Server) retryAfter() gosip.Header {
	return gosip.NewHeader("Retry-After", strconv.Itoa(int(s.ackTimeout().Round(time.Second)/time.Second)))
}

// answer sends the 2xx res of dialog and waits for its ACK (sipgo
// retransmits the 2xx meanwhile, RFC 3261 §13.3.1.4), but for the ACK
// timeout only: then it calls free at once (which gives the call's ports
// and budget back), terminates the transaction, and returns errNoAck once
// sipgo lets go (at its next retransmission, within T2).
func (s *Server) answer(dialog *sipgo.DialogServerSession, tx gosip.ServerTransaction, res *gosip.Response, free func()) error {
	timeout := s.ackTimeout()
	var (
		mu                sync.Mutex
		returned, expired bool
	)
	timer := time.AfterFunc(timeout, func() {
		mu.Lock()
		defer mu.Unlock()
		if returned {
			return
		}
		expired = true
		free()
		tx.Terminate()
	})
	err := dialog.WriteResponse(res)
	timer.Stop()
	mu.Lock()
	returned = true
	late := expired
	mu.Unlock()
	if late {
		return fmt.Errorf("%w within %s", errNoAck, timeout)
	}
	return err
}
