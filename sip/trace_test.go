package sip

import (
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleyhq/parley/trace"
)

// fakeTracer records what it observes while on.
type fakeTracer struct {
	on   atomic.Bool
	mu   sync.Mutex
	msgs []trace.Message
}

func (f *fakeTracer) On() bool { return f.on.Load() }
func (f *fakeTracer) Observe(m trace.Message) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m.Data = append([]byte(nil), m.Data...)
	f.msgs = append(f.msgs, m)
}

func (f *fakeTracer) texts() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, m := range f.msgs {
		out = append(out, m.Dir.String()+" "+m.Transport+" "+string(m.Data))
	}
	return out
}

const (
	traceOptions = "OPTIONS sip:a@b SIP/2.0\r\nCall-ID: 1\r\nContent-Length: 0\r\n\r\n"
	traceMessage = "MESSAGE sip:a@b SIP/2.0\r\nCall-ID: 2\r\nl: 5\r\n\r\nhello"
	traceOK      = "SIP/2.0 200 OK\r\nCall-ID: 1\r\nContent-Length: 0\r\n\r\n"
)

// TestTraceConnReassembles: reads of a TCP stream come out as whole
// messages however TCP cuts them, keep-alives are not traced, and a trace
// turned on mid-message starts at the next message.
func TestTraceConnReassembles(t *testing.T) {
	for _, tc := range []struct {
		name   string
		reads  []string
		onFrom int // the read from which tracing is on
		want   []string
	}{
		{"one per read", []string{traceOptions, traceMessage}, 0,
			[]string{"recv tcp " + traceOptions, "recv tcp " + traceMessage}},
		{"two in one read", []string{traceOptions + traceMessage}, 0,
			[]string{"recv tcp " + traceOptions, "recv tcp " + traceMessage}},
		{"cut in the body", []string{traceMessage[:50], traceMessage[50:] + "\r\n\r\n" + traceOptions[:10], traceOptions[10:]}, 0,
			[]string{"recv tcp " + traceMessage, "recv tcp " + traceOptions}},
		{"keep-alives", []string{"\r\n\r\n", "\r\n" + traceOptions}, 0, []string{"recv tcp " + traceOptions}},
		{"on mid-message", []string{traceMessage[:30], traceMessage[30:], traceOptions}, 1, []string{"recv tcp " + traceOptions}},
		{"off", []string{traceOptions}, 5, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := net.Pipe()
			defer a.Close()
			tr := &fakeTracer{}
			c := &traceConn{Conn: b, t: tr, transport: "tcp"}
			go func() {
				for _, r := range tc.reads {
					a.Write([]byte(r))
				}
			}()
			buf := make([]byte, 4096)
			for i, r := range tc.reads {
				tr.on.Store(i >= tc.onFrom)
				if n, err := c.Read(buf); err != nil || n != len(r) {
					t.Fatalf("read %d: %d, %v", i, n, err)
				}
			}
			if got := tr.texts(); strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("traced %q\nwant %q", got, tc.want)
			}
		})
	}
}

// TestTraceWrappers: a UDP socket and a TCP listener wrapped for a server
// with a Tracer trace both directions with their addresses; without one
// they are not wrapped.
func TestTraceWrappers(t *testing.T) {
	tr := &fakeTracer{}
	tr.on.Store(true)
	s := &Server{opts: Options{Trace: tr}}

	udp, err := net.ListenPacket("udp4", "0.0.0.0:0")
	if err != nil {
		t.Fatal(err)
	}
	defer udp.Close()
	peer, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	pc := s.traceablePacket(udp)
	port := udp.LocalAddr().(*net.UDPAddr).Port
	peer.WriteTo([]byte(traceOptions), &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
	buf := make([]byte, 2048)
	pc.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, _, err := pc.ReadFrom(buf); err != nil {
		t.Fatal(err)
	}
	pc.WriteTo([]byte(traceOK), peer.LocalAddr())
	pc.WriteTo([]byte("\r\n\r\n"), peer.LocalAddr())

	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	tl := s.traceableListener(ln, "tls")
	client, err := net.Dial("tcp4", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	conn, err := tl.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.Write([]byte(traceOK))

	tr.mu.Lock()
	defer tr.mu.Unlock()
	if len(tr.msgs) != 3 {
		t.Fatalf("traced %d messages, want 3: %+v", len(tr.msgs), tr.msgs)
	}
	want := []struct{ dir, transport, local, remote, data string }{
		{"recv", "udp", udp.LocalAddr().String(), peer.LocalAddr().String(), traceOptions},
		{"sent", "udp", udp.LocalAddr().String(), peer.LocalAddr().String(), traceOK},
		{"sent", "tls", ln.Addr().String(), client.LocalAddr().String(), traceOK},
	}
	for i, w := range want {
		m := tr.msgs[i]
		if m.Dir.String() != w.dir || m.Transport != w.transport || m.Local.String() != w.local ||
			m.Remote.String() != w.remote || string(m.Data) != w.data {
			t.Errorf("message %d: %s %s %s %s %q, want %+v", i, m.Dir, m.Transport, m.Local, m.Remote, m.Data, w)
		}
	}
	if lip := tr.msgs[0].LocalIP; lip == nil || lip(tr.msgs[0].Remote) != netip.MustParseAddr("127.0.0.1") {
		t.Error("no LocalIP towards the peer for a socket on every interface")
	}
	plain := &Server{}
	if plain.traceablePacket(udp) != udp || plain.traceableListener(ln, "tcp") != ln {
		t.Error("wrapped without a Tracer")
	}
}
