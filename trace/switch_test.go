package trace

import (
	"bytes"
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/hep"
)

const invite = "INVITE sip:100@192.0.2.1 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK1\r\n" +
	"Call-ID: abc@192.0.2.10\r\nContent-Length: 0\r\n\r\n"

const okCompact = "SIP/2.0 200 OK\r\nv: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK2\r\ni:  other-call \r\nl: 0\r\n\r\n"

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newSwitch(t *testing.T, opts Options) (*Switch, *clock, string) {
	t.Helper()
	clk := &clock{t: time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)}
	if opts.File == "" {
		opts.File = filepath.Join(t.TempDir(), "trace.log")
	}
	opts.Now = clk.now
	opts.Logger = slog.New(slog.DiscardHandler)
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, clk, opts.File
}

func msg(dir Dir, remote, data string) Message {
	return Message{Dir: dir, Transport: "udp", Local: netip.MustParseAddrPort("192.0.2.1:5060"),
		Remote: netip.MustParseAddrPort(remote), Data: []byte(data)}
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestStartRefuses(t *testing.T) {
	s, _, _ := newSwitch(t, Options{})
	src := netip.MustParsePrefix("192.0.2.0/24")
	for _, tc := range []struct {
		name string
		f    Filter
	}{
		{"neither", Filter{}},
		{"both", Filter{Source: src, CallID: "x"}},
		{"ttl over max", Filter{Source: src, TTL: MaxTTL + time.Second}},
		{"negative ttl", Filter{Source: src, TTL: -time.Second}},
		{"long call id", Filter{CallID: strings.Repeat("x", 257)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := s.Start(tc.f); !errors.Is(err, ErrFilter) {
				t.Errorf("Start = %v, want ErrFilter", err)
			}
			if s.On() || len(s.Rules()) != 0 {
				t.Error("a refused rule is on")
			}
		})
	}
	for range MaxRules {
		if _, err := s.Start(Filter{Source: src}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Start(Filter{Source: src}); !errors.Is(err, ErrTooMany) {
		t.Errorf("rule %d: %v, want ErrTooMany", MaxRules+1, err)
	}
}

// TestMatch: which messages each kind of rule traces, both directions.
func TestMatch(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    Filter
		in   Message
		want bool
	}{
		{"host received", Filter{Source: netip.MustParsePrefix("192.0.2.10/32")}, msg(Received, "192.0.2.10:5060", invite), true},
		{"host sent", Filter{Source: netip.MustParsePrefix("192.0.2.10/32")}, msg(Sent, "192.0.2.10:5062", okCompact), true},
		{"other host", Filter{Source: netip.MustParsePrefix("192.0.2.10/32")}, msg(Received, "192.0.2.11:5060", invite), false},
		{"prefix", Filter{Source: netip.MustParsePrefix("192.0.2.0/24")}, msg(Received, "192.0.2.99:5060", invite), true},
		{"mapped peer", Filter{Source: netip.MustParsePrefix("192.0.2.10/32")}, msg(Received, "[::ffff:192.0.2.10]:5060", invite), true},
		{"ipv6 prefix", Filter{Source: netip.MustParsePrefix("2001:db8::/64")}, msg(Sent, "[2001:db8::5]:5060", invite), true},
		{"call id", Filter{CallID: "abc@192.0.2.10"}, msg(Received, "203.0.113.1:5060", invite), true},
		{"compact call id", Filter{CallID: "other-call"}, msg(Sent, "203.0.113.1:5060", okCompact), true},
		{"other call id", Filter{CallID: "abc"}, msg(Received, "192.0.2.10:5060", invite), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _, path := newSwitch(t, Options{})
			if _, err := s.Start(tc.f); err != nil {
				t.Fatal(err)
			}
			s.Observe(tc.in)
			got := read(t, path)
			if tc.want != strings.Contains(got, string(tc.in.Data)) {
				t.Errorf("traced %v, want %v: %q", got != "", tc.want, got)
			}
		})
	}
}

func TestFormat(t *testing.T) {
	s, _, path := newSwitch(t, Options{})
	s.Start(Filter{Source: netip.MustParsePrefix("192.0.2.10/32")})
	s.Observe(msg(Received, "192.0.2.10:5070", invite))
	s.Observe(msg(Sent, "192.0.2.10:5070", okCompact))
	want := "2026-12-06T12:00:00.000000Z recv udp 192.0.2.10:5070 -> 192.0.2.1:5060 call-id=\"abc@192.0.2.10\" 130 bytes\n" +
		invite + "\n" +
		"2026-12-06T12:00:00.000000Z sent udp 192.0.2.1:5060 -> 192.0.2.10:5070 call-id=\"other-call\" 91 bytes\n" +
		okCompact + "\n"
	if got := read(t, path); got != want {
		t.Errorf("file\n%q\nwant\n%q", got, want)
	}
}

// TestExpiry: a rule stops at its expiry, and with it the switch.
// TestLocalIP: a socket bound to every interface is traced with the
// address towards the peer, asked only for a message that is traced.
func TestLocalIP(t *testing.T) {
	s, _, path := newSwitch(t, Options{})
	s.Start(Filter{Source: netip.MustParsePrefix("192.0.2.10/32")})
	asked := 0
	m := msg(Received, "192.0.2.10:5070", invite)
	m.Local = netip.MustParseAddrPort("0.0.0.0:5060")
	m.LocalIP = func(remote netip.AddrPort) netip.Addr {
		asked++
		return netip.MustParseAddr("198.51.100.1")
	}
	s.Observe(m)
	m.Remote = netip.MustParseAddrPort("192.0.2.11:5060")
	s.Observe(m)
	if got := read(t, path); asked != 1 || !strings.Contains(got, "192.0.2.10:5070 -> 198.51.100.1:5060") {
		t.Errorf("asked %d times, traced %q", asked, got)
	}
}

func TestExpiry(t *testing.T) {
	s, clk, path := newSwitch(t, Options{})
	r, err := s.Start(Filter{Source: netip.MustParsePrefix("192.0.2.10/32"), TTL: time.Minute})
	if err != nil || !r.Expires.Equal(clk.now().Add(time.Minute)) {
		t.Fatalf("Start = %+v, %v", r, err)
	}
	def, _ := s.Start(Filter{CallID: "x"})
	if !def.Expires.Equal(clk.now().Add(DefaultTTL)) {
		t.Errorf("default expiry %v", def.Expires)
	}
	clk.add(time.Minute)
	s.Observe(msg(Received, "192.0.2.10:5060", invite))
	if got := read(t, path); got != "" {
		t.Errorf("expired rule traced %q", got)
	}
	if rules := s.Rules(); len(rules) != 1 || rules[0].ID != def.ID {
		t.Errorf("rules after expiry %+v", rules)
	}
	clk.add(DefaultTTL)
	s.Observe(msg(Received, "192.0.2.10:5060", invite))
	if s.On() {
		t.Error("on after every rule expired")
	}
}

func TestStop(t *testing.T) {
	s, _, _ := newSwitch(t, Options{})
	a, _ := s.Start(Filter{CallID: "a"})
	b, _ := s.Start(Filter{CallID: "b"})
	if err := s.Stop("nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Stop unknown = %v", err)
	}
	if err := s.Stop(a.ID); err != nil {
		t.Fatal(err)
	}
	if rules := s.Rules(); len(rules) != 1 || rules[0] != b {
		t.Errorf("after Stop: %+v", rules)
	}
	s.Start(Filter{CallID: "c"})
	if n := s.StopAll(); n != 2 || s.On() {
		t.Errorf("StopAll = %d, on %v", n, s.On())
	}
}

// TestHEP: a traced message reaches a UDP collector as HEP v3 with its
// addresses, time, agent, key and Call-ID.
func TestHEP(t *testing.T) {
	coll, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer coll.Close()
	s, clk, _ := newSwitch(t, Options{HEP: HEPOptions{Address: coll.LocalAddr().String(), AgentID: 42, AuthKey: "k"}})
	s.Start(Filter{Source: netip.MustParsePrefix("192.0.2.10/32")})
	s.Observe(msg(Sent, "192.0.2.10:5070", okCompact))
	buf := make([]byte, 65536)
	coll.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, _, err := coll.ReadFrom(buf)
	if err != nil {
		t.Fatal(err)
	}
	p, err := hep.Decode(buf[:n])
	if err != nil {
		t.Fatal(err)
	}
	want := hep.Packet{Proto: hep.ProtoUDP, Src: netip.MustParseAddrPort("192.0.2.1:5060"),
		Dst: netip.MustParseAddrPort("192.0.2.10:5070"), Time: clk.now(), Type: hep.TypeSIP, AgentID: 42,
		AuthKey: "k", CorrID: "other-call", Payload: []byte(okCompact)}
	if p.Src != want.Src || p.Dst != want.Dst || !p.Time.Equal(want.Time) || p.AgentID != 42 || p.AuthKey != "k" ||
		p.CorrID != want.CorrID || !bytes.Equal(p.Payload, want.Payload) || p.Proto != want.Proto || p.Type != want.Type {
		t.Errorf("collector got %+v\nwant %+v", p, want)
	}
}

func TestLogWhenNoFile(t *testing.T) {
	var out bytes.Buffer
	clk := &clock{t: time.Unix(0, 0)}
	s, err := New(Options{Logger: slog.New(slog.NewTextHandler(&out, nil)), Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.Start(Filter{CallID: "abc@192.0.2.10"})
	s.Observe(msg(Received, "192.0.2.10:5060", invite))
	for _, want := range []string{`msg="sip trace" dir=recv transport=udp src=192.0.2.10:5060 dst=192.0.2.1:5060 call_id=abc@192.0.2.10`,
		`message="INVITE sip:100@192.0.2.1 SIP/2.0\r\n`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, out.String())
		}
	}
}

func TestFollow(t *testing.T) {
	s, _, _ := newSwitch(t, Options{})
	texts, stop := s.Follow()
	s.Start(Filter{CallID: "abc@192.0.2.10"})
	for range followBuffer + 2 {
		s.Observe(msg(Received, "192.0.2.10:5060", invite))
	}
	for range followBuffer {
		if got := <-texts; !bytes.Contains(got, []byte(invite)) {
			t.Fatalf("follower got %q", got)
		}
	}
	s.Observe(msg(Received, "192.0.2.10:5060", invite))
	if got := <-texts; !bytes.HasPrefix(got, []byte("(2 messages dropped")) {
		t.Errorf("after falling behind the follower got %q", got)
	}
	stop()
	stop()
	if _, ok := <-texts; ok {
		t.Error("channel open after stop")
	}
	s.Close()
	if _, err := New(Options{File: filepath.Join(t.TempDir(), "no", "such", "dir")}); err == nil {
		t.Error("New with an unwritable file: no error")
	}
}

func TestParseSource(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"192.0.2.10", "192.0.2.10/32"},
		{"192.0.2.10/24", "192.0.2.0/24"},
		{"::ffff:192.0.2.10", "192.0.2.10/32"},
		{"2001:db8::1", "2001:db8::1/128"},
		{"fe80::1%eth0", "fe80::1/128"},
		{"host.example", ""},
		{"192.0.2.0/33", ""},
		{"", ""},
	} {
		p, err := ParseSource(tc.in)
		if tc.want == "" {
			if !errors.Is(err, ErrFilter) {
				t.Errorf("%q: %v, %v; want ErrFilter", tc.in, p, err)
			}
			continue
		}
		if err != nil || p.String() != tc.want {
			t.Errorf("%q = %v, %v; want %s", tc.in, p, err, tc.want)
		}
	}
}

func TestCallID(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{invite, "abc@192.0.2.10"},
		{okCompact, "other-call"},
		{"\r\n\r\n" + invite, "abc@192.0.2.10"},
		{"OPTIONS sip:x SIP/2.0\nCALL-ID : lf-only\n\n", "lf-only"},
		{"OPTIONS sip:x SIP/2.0\r\nContent-Length: 5\r\n\r\nCall-ID: in-body", ""},
		{"Call-ID: start-line-is-not-a-header\r\n\r\n", ""},
		{"", ""},
	} {
		if got := CallID([]byte(tc.in)); got != tc.want {
			t.Errorf("CallID(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// BenchmarkOff is the SIP edge's cost per message while no rule is on.
func BenchmarkOff(b *testing.B) {
	s, err := New(Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.ReportAllocs()
	for b.Loop() {
		if s.On() {
			b.Fatal("on")
		}
	}
}
