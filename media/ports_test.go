package media

import (
	"errors"
	"net"
	"net/netip"
	"sync"
	"testing"
)

var localhost = netip.MustParseAddr("127.0.0.1")

func TestNewPortRangeInvalid(t *testing.T) {
	for _, r := range [][2]int{{0, 100}, {100, 70000}, {101, 101}, {200, 100}} {
		if _, err := NewPortRange(r[0], r[1]); !errors.Is(err, ErrInvalidPortRange) {
			t.Errorf("NewPortRange(%d, %d) error = %v, want ErrInvalidPortRange", r[0], r[1], err)
		}
	}
	r, err := NewPortRange(10001, 10010)
	if err != nil {
		t.Fatal(err)
	}
	if r.Size() != 5 {
		t.Errorf("10001-10010 holds %d even ports, want 5 (10002-10010)", r.Size())
	}
}

// TestPortRangeConcurrent takes every port of a small high range from
// several goroutines at once: each is even, in the range and handed out
// once, the range then reports ErrNoFreePort, and closing a port gives it
// back.
func TestPortRangeConcurrent(t *testing.T) {
	const lo, hi = 29100, 29119
	r, err := NewPortRange(lo, hi)
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		ports []*Port
		wg    sync.WaitGroup
	)
	for range 2 * r.Size() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := r.Listen(localhost)
			if err != nil {
				if !errors.Is(err, ErrNoFreePort) {
					t.Errorf("Listen: %v", err)
				}
				return
			}
			mu.Lock()
			ports = append(ports, p)
			mu.Unlock()
		}()
	}
	wg.Wait()
	defer func() {
		for _, p := range ports {
			p.Close()
		}
	}()
	if len(ports) == 0 {
		t.Fatal("no port handed out")
	}
	seen := map[int]bool{}
	for _, p := range ports {
		n := p.Number()
		if n%2 != 0 || n < lo || n > hi || seen[n] {
			t.Errorf("port %d: odd, outside %d-%d or handed out twice", n, lo, hi)
		}
		seen[n] = true
		if got := p.LocalAddr().(*net.UDPAddr).Port; got != n {
			t.Errorf("port %d is bound to %d", n, got)
		}
	}
	if r.InUse() != len(ports) {
		t.Errorf("InUse = %d, want %d", r.InUse(), len(ports))
	}
	if _, err := r.Listen(localhost); !errors.Is(err, ErrNoFreePort) {
		t.Fatalf("Listen on a full range: %v, want ErrNoFreePort", err)
	}
	freed := ports[0]
	if err := freed.Close(); err != nil {
		t.Fatal(err)
	}
	if err := freed.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if r.InUse() != len(ports)-1 {
		t.Errorf("InUse after Close = %d, want %d", r.InUse(), len(ports)-1)
	}
	p, err := r.Listen(localhost)
	if err != nil {
		t.Fatalf("Listen after a Close: %v", err)
	}
	ports[0] = p
	if p.Number() != freed.Number() {
		t.Errorf("got port %d, want the freed %d", p.Number(), freed.Number())
	}
}

// TestPortRangeSkipsBound checks that a port bound outside the allocator is
// skipped.
func TestPortRangeSkipsBound(t *testing.T) {
	const lo = 29200
	other, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: lo})
	if err != nil {
		t.Skipf("cannot bind %d for the test: %v", lo, err)
	}
	defer other.Close()
	r, err := NewPortRange(lo, lo+2)
	if err != nil {
		t.Fatal(err)
	}
	p, err := r.Listen(localhost)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if p.Number() != lo+2 {
		t.Errorf("got port %d, want %d", p.Number(), lo+2)
	}
	if r.InUse() != 1 {
		t.Errorf("InUse = %d, want 1", r.InUse())
	}
}
