package media

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"time"
)

// Errors returned by NewPortRange and PortRange.Listen.
var (
	// ErrInvalidPortRange is returned by NewPortRange for bounds that hold
	// no even port or fall outside 1-65535.
	ErrInvalidPortRange = errors.New("media: invalid RTP port range")
	// ErrNoFreePort is returned by PortRange.Listen when every even port of
	// the range is handed out or cannot be bound.
	ErrNoFreePort = errors.New("media: no free RTP port in range")
)

// PortRange hands out the even UDP ports of a configured range for RTP, as
// RFC 3550 §11 asks (the odd port above is RTCP's when it is not
// multiplexed). It binds each port before handing it out, so a port taken
// by another process is skipped, and takes it back when the returned Port
// is closed. It is safe for concurrent use.
//
// Ports are picked at random among the free ones (RFC 3550 §10 in spirit:
// an attacker who cannot guess a call's port cannot spray it before the
// phone sends; math/rand is enough, the source check of Latch is the
// guard), and a port just released rests for Quarantine before it is
// handed out again, so that the late packets of a call do not land in the
// next. When every free port is resting, the one released longest ago is
// handed out rather than none.
type PortRange struct {
	min, max int // even bounds of the range, inclusive
	now      func() time.Time

	mu      sync.Mutex
	used    map[int]struct{}  // guarded by mu: ports handed out and not yet closed
	resting map[int]time.Time // guarded by mu: released ports, until when they rest
}

// Quarantine is how long a released port rests before it is handed out
// again: longer than any jitter buffer holds a late packet.
const Quarantine = 5 * time.Second

// randomProbes is how many random ports reserve tries before it scans.
const randomProbes = 32

// NewPortRange returns an allocator for the even ports from min to max,
// inclusive. An odd min is rounded up.
func NewPortRange(min, max int) (*PortRange, error) {
	lo := min + min%2
	if min < 1 || max > 65535 || lo > max {
		return nil, fmt.Errorf("%w: %d-%d", ErrInvalidPortRange, min, max)
	}
	hi := max - max%2
	return &PortRange{min: lo, max: hi, now: time.Now, used: make(map[int]struct{}),
		resting: make(map[int]time.Time)}, nil
}

// Size returns how many even ports the range holds.
func (r *PortRange) Size() int { return (r.max-r.min)/2 + 1 }

// InUse returns how many ports are handed out and not yet closed.
func (r *PortRange) InUse() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.used)
}

// Listen binds a UDP socket on ip (the unspecified address binds every
// interface) at a random even port of the range that is neither handed out
// nor bound by someone else, nor resting if another is free. It returns
// ErrNoFreePort when none is left. Closing the Port returns it to the range.
func (r *PortRange) Listen(ip netip.Addr) (*Port, error) {
	var lastErr error
	for range r.Size() {
		port, ok := r.reserve()
		if !ok {
			break
		}
		conn, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, uint16(port))))
		if err != nil {
			r.release(port)
			lastErr = err
			continue
		}
		return &Port{UDPConn: conn, r: r, number: port}, nil
	}
	if lastErr != nil {
		return nil, fmt.Errorf("%w %d-%d: %w", ErrNoFreePort, r.min, r.max, lastErr)
	}
	return nil, fmt.Errorf("%w %d-%d", ErrNoFreePort, r.min, r.max)
}

// reserve marks a random free port that is not resting as used: a few
// random probes, then a scan from a random start; failing that, the free
// port that has rested longest.
func (r *PortRange) reserve() (int, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	size := r.Size()
	take := func(p int) (int, bool) {
		r.used[p] = struct{}{}
		delete(r.resting, p)
		return p, true
	}
	for range min(randomProbes, size) {
		if p := r.min + 2*rand.IntN(size); r.usable(p, now) {
			return take(p)
		}
	}
	start := rand.IntN(size)
	oldest, oldestUntil := 0, time.Time{}
	for i := range size {
		p := r.min + 2*((start+i)%size)
		if r.usable(p, now) {
			return take(p)
		}
		if _, taken := r.used[p]; taken {
			continue
		}
		if until := r.resting[p]; oldest == 0 || until.Before(oldestUntil) {
			oldest, oldestUntil = p, until
		}
	}
	if oldest != 0 {
		return take(oldest)
	}
	return 0, false
}

// usable reports whether p is neither handed out nor resting at now; a
// rest that is over is forgotten. r.mu is held.
func (r *PortRange) usable(p int, now time.Time) bool {
	if _, taken := r.used[p]; taken {
		return false
	}
	until, resting := r.resting[p]
	if !resting {
		return true
	}
	if now.Before(until) {
		return false
	}
	delete(r.resting, p)
	return true
}

// release takes a port back; it rests for Quarantine.
func (r *PortRange) release(port int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.used, port)
	r.resting[port] = r.now().Add(Quarantine)
}

// Port is a UDP socket bound to a port handed out by a PortRange. Close
// closes the socket and returns the port to the range; it is idempotent.
type Port struct {
	*net.UDPConn
	r      *PortRange
	number int
	once   sync.Once
	err    error
}

// Number returns the port number.
func (p *Port) Number() int { return p.number }

// Close closes the socket and returns the port to its range. Calls after
// the first return the first call's result.
func (p *Port) Close() error {
	p.once.Do(func() {
		p.err = p.UDPConn.Close()
		p.r.release(p.number)
	})
	return p.err
}
