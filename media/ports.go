package media

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
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
type PortRange struct {
	min, max int // even bounds of the range, inclusive

	mu   sync.Mutex
	used map[int]struct{} // guarded by mu: ports handed out and not yet closed
	next int              // guarded by mu: where the next search starts
}

// NewPortRange returns an allocator for the even ports from min to max,
// inclusive. An odd min is rounded up.
func NewPortRange(min, max int) (*PortRange, error) {
	lo := min + min%2
	if min < 1 || max > 65535 || lo > max {
		return nil, fmt.Errorf("%w: %d-%d", ErrInvalidPortRange, min, max)
	}
	hi := max - max%2
	return &PortRange{min: lo, max: hi, used: make(map[int]struct{}), next: lo}, nil
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
// interface) at the next even port of the range that is neither handed out
// nor bound by someone else, trying each port at most once. It returns
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

// reserve marks the next port that is not handed out as used, round robin
// so that a port just released is not reused at once (late packets of the
// previous call would land in the next one).
func (r *PortRange) reserve() (int, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for range r.Size() {
		p := r.next
		r.next += 2
		if r.next > r.max {
			r.next = r.min
		}
		if _, taken := r.used[p]; !taken {
			r.used[p] = struct{}{}
			return p, true
		}
	}
	return 0, false
}

func (r *PortRange) release(port int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.used, port)
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
