package media

import (
	"errors"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"
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

// TestPortRangeRandom: ports come in no guessable order: over 40 picks
// from a range of 1000, the next port is seldom the previous one plus two,
// and the picks spread over the range.
func TestPortRangeRandom(t *testing.T) {
	r, err := NewPortRange(40000, 41999)
	if err != nil {
		t.Fatal(err)
	}
	var picks []int
	for range 40 {
		p, ok := r.reserve()
		if !ok {
			t.Fatal("no port")
		}
		if p%2 != 0 || p < 40000 || p > 41998 {
			t.Fatalf("port %d odd or out of range", p)
		}
		picks = append(picks, p)
	}
	sequential, low := 0, 0
	for i, p := range picks {
		if i > 0 && p == picks[i-1]+2 {
			sequential++
		}
		if p < 41000 {
			low++
		}
	}
	if sequential > 3 || low < 5 || low > 35 {
		t.Errorf("picks look predictable (%d sequential, %d of 40 in the lower half): %v", sequential, low, picks)
	}
}

// TestPortRangeQuarantine: a released port rests for Quarantine while
// other ports are free, is handed out when it is the only free one, and
// is free again after its rest.
func TestPortRangeQuarantine(t *testing.T) {
	now := time.Unix(1000, 0)
	r, err := NewPortRange(50000, 50004) // three ports
	if err != nil {
		t.Fatal(err)
	}
	r.now = func() time.Time { return now }
	a, _ := r.reserve()
	r.release(a)
	for range 50 { // another is free: a rests
		p, ok := r.reserve()
		if !ok || p == a {
			t.Fatalf("got %d, %v: the port just released, or none", p, ok)
		}
		delete(r.used, p) // back without a rest
	}
	// Every port rests: the one released longest ago is handed out.
	now = time.Unix(2000, 0)
	for _, p := range []int{50000, 50002, 50004} {
		r.used[p] = struct{}{}
	}
	r.release(50002)
	now = now.Add(time.Second)
	r.release(50000)
	r.release(50004)
	if p, _ := r.reserve(); p != 50002 {
		t.Errorf("all resting: got %d, want 50002, released first", p)
	}
	// After the rest, any of them.
	now = now.Add(Quarantine)
	if _, ok := r.reserve(); !ok {
		t.Error("no port after the rest")
	}
	if len(r.resting) > 2 {
		t.Errorf("%d ports still resting", len(r.resting))
	}
}
