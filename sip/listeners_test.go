package sip

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	gosip "github.com/emiago/sipgo/sip"

	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/media"
)

// TestSetListen: on a running server with a call up over udp listener A,
// SetListen adds a tcp and a udp listener, which answer OPTIONS and are
// traced; a set with an address that cannot be bound changes nothing and
// names it; then SetListen removes the added two, which stop answering,
// while A keeps its socket and the call's dialog, whose BYE over A is
// answered. Readers of the listeners run meanwhile (-race).
func TestSetListen(t *testing.T) {
	b, err := bridge.New(bridge.Options{Rooms: []bridge.RoomSettings{{Number: "1000"}}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ports, err := media.NewPortRange(47100, 47120)
	if err != nil {
		t.Fatal(err)
	}
	const a = "udp://127.0.0.1:0"
	tracer := &fakeTracer{}
	tracer.on.Store(true)
	s, err := New(b, Options{Listen: []string{a}, Ports: ports, Logger: slog.New(slog.DiscardHandler), Trace: tracer})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	addrA := strings.TrimPrefix(s.Addrs()[0], "udp://")

	phone := dialUDP(t, addrA)
	ok := phone.exchange(t, request("INVITE", sdpOffer, "Via: SIP/2.0/UDP "+phone.local()+";branch=z9hG4bK-inv1;rport",
		"Call-ID: set-listen@127.0.0.1", "Contact: <sip:alice@"+phone.local()+">"))
	if ok == nil || ok.StatusCode != 200 {
		t.Fatalf("INVITE over A: %v", ok)
	}
	toTag, _ := ok.To().Params.Get("tag")
	inDialog := func(method string, cseq int) string {
		return request(method, "", "Via: SIP/2.0/UDP "+phone.local()+";branch=z9hG4bK-"+method+"2;rport",
			"Call-ID: set-listen@127.0.0.1", "To: <sip:1000@127.0.0.1>;tag="+toTag, fmt.Sprintf("CSeq: %d %s", cseq, method))
	}
	phone.send(t, inDialog("ACK", 1))
	if n := s.Calls(); n != 1 {
		t.Fatalf("%d calls after the ACK, want 1", n)
	}

	stop := make(chan struct{})
	read := make(chan struct{})
	go func() {
		defer close(read)
		for {
			select {
			case <-stop:
				return
			default:
				_, _ = s.Addrs(), s.Ready()
				_ = s.contactFor("tcp", netip.MustParseAddr("127.0.0.1"))
			}
		}
	}()
	defer func() { close(stop); <-read }()

	// Add a tcp and a second udp listener: the same URL as A binds anew.
	if err := s.SetListen([]string{a, "tcp://127.0.0.1:0", a}); err != nil {
		t.Fatal(err)
	}
	added := s.Addrs()
	if len(added) != 3 || added[0] != "udp://"+addrA || !strings.HasPrefix(added[1], "tcp://") || added[2] == added[0] {
		t.Fatalf("Addrs after adding = %q", added)
	}
	addrB, addrC := strings.TrimPrefix(added[1], "tcp://"), strings.TrimPrefix(added[2], "udp://")
	for _, tt := range []struct{ transport, addr string }{{"tcp", addrB}, {"udp", addrC}, {"udp", addrA}} {
		if res, err := options(tt.transport, tt.addr); err != nil || res.StatusCode != 200 {
			t.Errorf("OPTIONS over %s to %s: %v, %v", tt.transport, tt.addr, res, err)
		}
	}
	// The added listeners are traced as A is.
	traced := map[string]bool{}
	tracer.mu.Lock()
	for _, m := range tracer.msgs {
		traced[m.Transport+"://"+m.Local.String()] = true
	}
	tracer.mu.Unlock()
	for _, addr := range added {
		if !traced[addr] {
			t.Errorf("nothing traced on %s (traced: %v)", addr, traced)
		}
	}

	// A set that cannot be bound whole changes nothing.
	busy, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	err = s.SetListen([]string{a, "tcp://127.0.0.1:0", a, "tcp://127.0.0.1:0", "tcp://" + busy.Addr().String()})
	if err == nil || !strings.Contains(err.Error(), busy.Addr().String()) {
		t.Errorf("SetListen with a busy address = %v, want an error naming it", err)
	}
	if got := s.Addrs(); !slices.Equal(got, added) {
		t.Errorf("Addrs after a refused SetListen = %q, want %q", got, added)
	}

	// Remove the added two.
	if err := s.SetListen([]string{a}); err != nil {
		t.Fatal(err)
	}
	if got := s.Addrs(); !slices.Equal(got, added[:1]) {
		t.Errorf("Addrs after removing = %q, want %q", got, added[:1])
	}
	if c, err := net.DialTimeout("tcp", addrB, time.Second); err == nil {
		c.Close()
		t.Errorf("the removed tcp listener %s still accepts", addrB)
	}
	if res, err := options("udp", addrC); err == nil {
		t.Errorf("the removed udp listener %s answered %v", addrC, res)
	}
	if err := s.Ready(); err != nil {
		t.Errorf("Ready after removing = %v", err)
	}
	if n := s.Calls(); n != 1 {
		t.Fatalf("%d calls after removing listeners, want the call on A", n)
	}
	if res := phone.exchange(t, inDialog("BYE", 2)); res == nil || res.StatusCode != 200 {
		t.Errorf("BYE over A after the changes: %v", res)
	}
	if err := s.SetListen(nil); err == nil {
		t.Error("SetListen(nil) succeeded")
	}
}

// udpPhone is a UDP socket that talks SIP to one address.
type udpPhone struct{ c net.Conn }

func dialUDP(t *testing.T, addr string) *udpPhone {
	t.Helper()
	c, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &udpPhone{c: c}
}

func (p *udpPhone) local() string { return p.c.LocalAddr().String() }

func (p *udpPhone) send(t *testing.T, raw string) {
	t.Helper()
	if _, err := p.c.Write([]byte(raw)); err != nil {
		t.Fatal(err)
	}
}

// exchange sends raw and returns the final response to it (a request
// that comes meanwhile, or a response to something else, is skipped).
func (p *udpPhone) exchange(t *testing.T, raw string) *gosip.Response {
	t.Helper()
	p.send(t, raw)
	res, err := finalResponse(p.c, strings.Fields(raw)[0])
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// finalResponse reads from c, within 5 s, the first final response to a
// request of method.
func finalResponse(c net.Conn, method string) (*gosip.Response, error) {
	deadline := time.Now().Add(5 * time.Second)
	c.SetReadDeadline(deadline)
	buf := make([]byte, 65536)
	for {
		n, err := c.Read(buf)
		if err != nil {
			return nil, err
		}
		msg, err := gosip.NewParser().ParseSIP(buf[:n])
		if err != nil {
			return nil, err
		}
		if res, ok := msg.(*gosip.Response); ok && res.StatusCode >= 200 && res.CSeq() != nil && string(res.CSeq().MethodName) == method {
			return res, nil
		}
	}
}

// options sends one OPTIONS over transport (udp or tcp) to addr and
// returns the final response.
func options(transport, addr string) (*gosip.Response, error) {
	c, err := net.DialTimeout(transport, addr, time.Second)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	raw := request("OPTIONS", "", "Via: SIP/2.0/"+strings.ToUpper(transport)+" "+c.LocalAddr().String()+";branch=z9hG4bK-opt;rport",
		"Call-ID: set-listen-options-"+c.LocalAddr().String())
	if _, err := c.Write([]byte(raw)); err != nil {
		return nil, err
	}
	res, err := finalResponse(c, "OPTIONS")
	if err != nil {
		return nil, errors.Join(errors.New("no answer"), err)
	}
	return res, nil
}
