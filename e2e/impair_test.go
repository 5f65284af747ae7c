package e2e

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"
)

// impairment is what an impairProxy does to the packets going one way, as
// tc netem would: each packet is lost with probability loss; the others
// are delayed by delay ± jitter (uniform), except that with probability
// reorder a packet is sent at once, overtaking the ones still held (netem's
// "reorder"). Jitter wider than the packet interval reorders too.
type impairment struct {
	loss, reorder float64
	delay, jitter time.Duration
}

func (im impairment) String() string {
	return fmt.Sprintf("loss %.0f%%, delay %v ± %v, reorder %.0f%%", 100*im.loss, im.delay, im.jitter, 100*im.reorder)
}

// impairStats counts what a relay did to the packets going one way.
type impairStats struct {
	received, lost, sent, overtook int
}

// impairProxy is an in-process UDP relay between a SIP peer on loopback
// and a parley, for both the peer's SIP and its RTP, that impairs the RTP
// the peer sends to parley. The peer sends its SIP to sip's address and
// names that address in its Via and Contact, and names rtp's port in its
// SDP; the relay learns the peer's addresses from the first packet each
// socket gets from it. In the SIP that parley sends, the proxy changes one
// thing: the port of parley's m=audio line becomes rtp's, so that the peer
// sends its RTP through the proxy (a media relay does the same). Everything
// stays on 127.0.0.1, the peer's signalling address, so parley takes the
// relayed RTP as the peer's. The random choices come from a seeded
// generator, one draw per packet in arrival order.
type impairProxy struct {
	sip, rtp *udpRelay
}

// newImpairProxy starts a proxy in front of parley's SIP listener
// parleySIP (host:port) that impairs the peer's RTP with im, seeded with
// seed. It stops when the test ends.
func newImpairProxy(t *testing.T, parleySIP string, im impairment, seed uint64) *impairProxy {
	t.Helper()
	target, err := net.ResolveUDPAddr("udp", parleySIP)
	if err != nil {
		t.Fatal(err)
	}
	p := &impairProxy{rtp: newUDPRelay(t, nil, im, seed, nil)}
	p.sip = newUDPRelay(t, target, impairment{}, seed, p.relayMedia)
	return p
}

// mline finds the port of an SDP audio line (RFC 4566 §5.14).
var mline = regexp.MustCompile(`(?m)^m=audio ([0-9]+) `)

// contentLength finds a Content-Length header, long or compact form.
var contentLength = regexp.MustCompile(`(?mi)^(content-length|l)[ \t]*:[ \t]*[0-9]+\r?$`)

// relayMedia rewrites the audio port of the SDP in a SIP message from
// parley to the RTP relay's, points the RTP relay at parley's port, and
// fixes Content-Length.
func (p *impairProxy) relayMedia(msg []byte) []byte {
	m := mline.FindSubmatchIndex(msg)
	if m == nil {
		return msg
	}
	port, err := strconv.Atoi(string(msg[m[2]:m[3]]))
	if err != nil {
		return msg
	}
	p.rtp.setInside(&net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
	out := append(append(append([]byte{}, msg[:m[2]]...), strconv.Itoa(p.rtp.port())...), msg[m[3]:]...)
	head, body, ok := bytes.Cut(out, []byte("\r\n\r\n"))
	if !ok {
		return out
	}
	head = contentLength.ReplaceAll(head, []byte("Content-Length: "+strconv.Itoa(len(body))))
	return append(append(head, "\r\n\r\n"...), body...)
}

// udpRelay is one socket of the proxy: packets from inside (parley) go to
// the outside address (the peer's, learned), untouched but for rewrite;
// packets from anywhere else go inside, impaired by im.
type udpRelay struct {
	conn    *net.UDPConn
	im      impairment
	rng     *rand.Rand          // used by the reader goroutine only
	rewrite func([]byte) []byte // what goes back out, edited; nil: as is; set before run
	// drop, if set, decides the losses instead of im.loss (guarded by mu).
	drop func(pkt []byte) bool

	mu               sync.Mutex
	inside, outside  *net.UDPAddr
	seq, highestSent int // arrival number of the last packet in; highest sent
	stats            impairStats
	closed           bool
	pending          sync.WaitGroup
}

func newUDPRelay(t *testing.T, inside *net.UDPAddr, im impairment, seed uint64, rewrite func([]byte) []byte) *udpRelay {
	t.Helper()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	r := &udpRelay{conn: conn, im: im, inside: inside, rewrite: rewrite, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.run()
	}()
	t.Cleanup(func() {
		r.mu.Lock()
		r.closed = true
		r.mu.Unlock()
		conn.Close()
		<-done
		r.pending.Wait()
	})
	return r
}

func (r *udpRelay) port() int { return r.conn.LocalAddr().(*net.UDPAddr).Port }

func (r *udpRelay) setInside(a *net.UDPAddr) {
	r.mu.Lock()
	r.inside = a
	r.mu.Unlock()
}

// Stats returns what the relay did to the packets going inside.
func (r *udpRelay) Stats() impairStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stats
}

func (r *udpRelay) run() {
	buf := make([]byte, 65536)
	for {
		n, from, err := r.conn.ReadFromUDP(buf)
		if err != nil {
			return
		}
		pkt := append([]byte(nil), buf[:n]...)
		r.mu.Lock()
		inside, outside := r.inside, r.outside
		fromInside := inside != nil && from.IP.Equal(inside.IP) && from.Port == inside.Port
		if !fromInside && outside == nil {
			r.outside, outside = from, from
		}
		r.mu.Unlock()
		switch {
		case fromInside:
			if r.rewrite != nil {
				pkt = r.rewrite(pkt)
			}
			_, _ = r.conn.WriteToUDP(pkt, outside)
		case inside != nil:
			r.in(pkt, inside)
		}
	}
}

// in sends pkt inside, impaired.
func (r *udpRelay) in(pkt []byte, to *net.UDPAddr) {
	lost := r.rng.Float64() < r.im.loss
	now := r.rng.Float64() < r.im.reorder
	d := r.im.delay + time.Duration((2*r.rng.Float64()-1)*float64(r.im.jitter))
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seq++
	r.stats.received++
	if r.drop != nil {
		lost = r.drop(pkt)
	}
	if lost {
		r.stats.lost++
		return
	}
	if now || d <= 0 {
		r.send(pkt, to, r.seq)
		return
	}
	seq := r.seq
	r.pending.Add(1)
	time.AfterFunc(d, func() {
		defer r.pending.Done()
		r.mu.Lock()
		defer r.mu.Unlock()
		if !r.closed {
			r.send(pkt, to, seq)
		}
	})
}

// send writes one packet inside; r.mu is held.
func (r *udpRelay) send(pkt []byte, to *net.UDPAddr, seq int) {
	if seq < r.highestSent {
		r.stats.overtook++
	}
	r.highestSent = max(r.highestSent, seq)
	r.stats.sent++
	_, _ = r.conn.WriteToUDP(pkt, to)
}

// TestImpairProxy checks the proxy itself, without parley: a clean relay
// passes every packet in order; the impairment loses about 5% of
// 1000 packets sent 1 ms apart (with 1 ms ± 1 ms of delay, so that it runs
// fast), reorders some, and draws the same losses for the same seed.
func TestImpairProxy(t *testing.T) {
	send := func(im impairment, seed uint64) (got []int, st impairStats) {
		inside, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		defer inside.Close()
		r := newUDPRelay(t, inside.LocalAddr().(*net.UDPAddr), im, seed, nil)
		peer, err := net.DialUDP("udp", nil, r.conn.LocalAddr().(*net.UDPAddr))
		if err != nil {
			t.Fatal(err)
		}
		defer peer.Close()
		const n = 1000
		done := make(chan struct{})
		go func() { // read as they come: the socket buffer holds a few hundred
			defer close(done)
			buf := make([]byte, 100)
			for {
				_ = inside.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
				k, err := inside.Read(buf)
				if err != nil {
					return
				}
				i, _ := strconv.Atoi(string(buf[:k]))
				got = append(got, i)
			}
		}()
		for i := range n {
			if _, err := peer.Write([]byte(strconv.Itoa(i))); err != nil {
				t.Fatal(err)
			}
			time.Sleep(time.Millisecond)
		}
		<-done
		return got, r.Stats()
	}
	clean, st := send(impairment{}, 1)
	if len(clean) != 1000 || st.lost != 0 || st.overtook != 0 {
		t.Errorf("a clean relay passed %d of 1000 packets (%+v)", len(clean), st)
	}
	for i, v := range clean {
		if v != i {
			t.Fatalf("a clean relay passed packet %d in place %d", v, i)
		}
	}
	im := impairment{loss: 0.05, delay: time.Millisecond, jitter: time.Millisecond, reorder: 0.05}
	a, stA := send(im, 7)
	_, stB := send(im, 7)
	t.Logf("impaired (%v): %+v", im, stA)
	if stA.lost < 30 || stA.lost > 70 || len(a) != 1000-stA.lost || stA.overtook == 0 {
		t.Errorf("the impaired relay did %+v and passed %d packets: want about 50 lost, the rest passed, some reordered", stA, len(a))
	}
	if stA.lost != stB.lost {
		t.Errorf("the same seed lost %d, then %d packets", stA.lost, stB.lost)
	}
}
