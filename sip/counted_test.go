package sip

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	gosip "github.com/emiago/sipgo/sip"

	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/dialplan"
	"github.com/parleyhq/parley/media"
)

// layerTx is a server transaction whose transaction layer takes a CANCEL
// (calling what OnCancel registered) and hands on the ACK to a non-2xx
// final response through Acks, as sipgo's does.
type layerTx struct {
	*fakeTx
	acks     chan *gosip.Request
	done     chan struct{}
	mu       sync.Mutex
	onCancel gosip.FnTxCancel
}

func (tx *layerTx) Respond(res *gosip.Response) error {
	_ = tx.fakeTx.Respond(res)
	return nil // a 2xx too goes out
}
func (tx *layerTx) Acks() <-chan *gosip.Request { return tx.acks }
func (tx *layerTx) Done() <-chan struct{}       { return tx.done }
func (tx *layerTx) OnCancel(f gosip.FnTxCancel) bool {
	tx.mu.Lock()
	tx.onCancel = f
	tx.mu.Unlock()
	return true
}

// TestMessagesCountedAroundHandlers: what the transaction layer takes
// and sends for a guarded handler's INVITE is counted once: a final
// response sipgo's dialog sends again until the ACK, a CANCEL it answers
// itself (200, then 487 to the INVITE), the ACK to a non-2xx final
// response, which still reaches the dialog waiting for it.
func TestMessagesCountedAroundHandlers(t *testing.T) {
	invite := Message{Method: "INVITE"}
	sent := func(method string, code int) Message { return Message{Sent: true, Method: method, Status: code} }
	ack := Message{Method: "ACK"}
	tests := []struct {
		name  string
		run   func(atx *answerTx, tx *layerTx)
		acked bool // an ACK is handed on and must come out of atx.Acks
		want  []Message
	}{
		{"2xx sent again", func(atx *answerTx, tx *layerTx) {
			for range 3 {
				_ = atx.Respond(gosip.NewResponseFromRequest(tx.req, 200, "OK", nil))
			}
		}, false, []Message{invite, sent("INVITE", 200)}},
		{"refused, ACKed", func(atx *answerTx, tx *layerTx) {
			_ = atx.Respond(gosip.NewResponseFromRequest(tx.req, 486, "Busy Here", nil))
		}, true, []Message{invite, sent("INVITE", 486), ack}},
		{"cancelled by the caller", func(atx *answerTx, tx *layerTx) {
			_ = atx.Respond(gosip.NewResponseFromRequest(tx.req, 183, "Session Progress", nil))
			tx.mu.Lock()
			f := tx.onCancel
			tx.mu.Unlock()
			f(parse(t, request("CANCEL", "")).(*gosip.Request))
		}, true, []Message{invite, sent("INVITE", 183), {Method: "CANCEL"}, sent("CANCEL", 200), sent("INVITE", 487), ack}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			var log messageLog
			h.s.opts.OnMessage = log.add
			req := parse(t, request("INVITE", sdpOffer)).(*gosip.Request)
			tx := &layerTx{fakeTx: &fakeTx{req: req}, acks: make(chan *gosip.Request), done: make(chan struct{})}
			defer close(tx.done)
			atx := h.s.countedTx(req, tx)
			tt.run(atx, tx)
			if tt.acked {
				a := parse(t, request("ACK", "")).(*gosip.Request)
				tx.acks <- a
				select {
				case got := <-atx.Acks():
					if got != a {
						t.Errorf("the dialog got ACK %v, want the one handed on", got)
					}
				case <-time.After(5 * time.Second):
					t.Fatal("the ACK did not reach the dialog")
				}
			}
			if got := log.take(); !slices.Equal(got, tt.want) {
				t.Errorf("counted %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestAckWatchesBounded: with maxAckWatches refusals waiting for their
// ACK, the next one's ACK is left to the transaction (uncounted), and
// the dialog still gets it from the transaction's own Acks.
func TestAckWatchesBounded(t *testing.T) {
	h := newHarness(t)
	var log messageLog
	h.s.opts.OnMessage = log.add
	h.s.ackWatches.Store(maxAckWatches)
	req := parse(t, request("INVITE", sdpOffer)).(*gosip.Request)
	tx := &layerTx{fakeTx: &fakeTx{req: req}, acks: make(chan *gosip.Request), done: make(chan struct{})}
	defer close(tx.done)
	atx := h.s.countedTx(req, tx)
	_ = atx.Respond(gosip.NewResponseFromRequest(req, 486, "Busy Here", nil))
	if atx.Acks() != (<-chan *gosip.Request)(tx.acks) {
		t.Error("over the bound, Acks is not the transaction's own")
	}
	if n := h.s.ackWatches.Load(); n != maxAckWatches {
		t.Errorf("%d watches, want %d", n, maxAckWatches)
	}
	if got := log.take(); len(got) != 2 {
		t.Errorf("counted %+v, want the INVITE and the 486", got)
	}
}

// peerAnswer is the SDP a fake peer answers with.
const peerAnswer = "v=0\r\no=peer 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" +
	"m=audio 9 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"

// startPeer runs a sipgo UAS on UDP 127.0.0.1 whose INVITEs go to
// onInvite; it ACKs nothing and answers BYE 200. It returns its address.
func startPeer(t *testing.T, onInvite sipgo.RequestHandler) netip.AddrPort {
	t.Helper()
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("peer"))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sipgo.NewServer(ua)
	if err != nil {
		t.Fatal(err)
	}
	srv.OnInvite(onInvite)
	srv.OnAck(func(*gosip.Request, gosip.ServerTransaction) {})
	srv.OnBye(func(req *gosip.Request, tx gosip.ServerTransaction) {
		_ = tx.Respond(gosip.NewResponseFromRequest(req, 200, "OK", nil))
	})
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.ServeUDP(conn) }()
	t.Cleanup(func() { _ = ua.Close() })
	return conn.LocalAddr().(*net.UDPAddr).AddrPort()
}

// answer answers an INVITE 200 with peerAnswer.
func answer(req *gosip.Request, tx gosip.ServerTransaction) {
	res := gosip.NewSDPResponseFromRequest(req, []byte(peerAnswer))
	res.AppendHeader(&gosip.ContactHeader{Address: gosip.Uri{Host: "127.0.0.1", Port: req.Recipient.Port}})
	_ = tx.Respond(res)
}

// TestMessagesCountedOut: every request Parley sends on a call out, and
// the responses it gets, are counted once: the INVITE, its responses and
// ACKs (the 2xx's from Parley, a non-2xx's from the transaction), the
// INVITE sent again with the trunk's credentials, the CANCEL when the
// ringing is given up and its 200, the BYE of a hang-up and its 200.
func TestMessagesCountedOut(t *testing.T) {
	sent := func(method string) Message { return Message{Sent: true, Method: method} }
	got := func(method string, code int) Message { return Message{Method: method, Status: code} }
	challenged := func(req *gosip.Request, tx gosip.ServerTransaction) {
		if req.GetHeader("Proxy-Authorization") == nil {
			res := gosip.NewResponseFromRequest(req, 407, "Proxy Authentication Required", nil)
			res.AppendHeader(gosip.NewHeader("Proxy-Authenticate", `Digest realm="peer", nonce="4a1b9f2e", algorithm=MD5`))
			_ = tx.Respond(res)
			return
		}
		answer(req, tx)
	}
	ringing := func(req *gosip.Request, tx gosip.ServerTransaction) {
		_ = tx.Respond(gosip.NewResponseFromRequest(req, 180, "Ringing", nil))
		<-tx.Done() // the CANCEL: sipgo answers it and the INVITE (487)
	}
	tests := []struct {
		name     string
		onInvite sipgo.RequestHandler
		via      string
		want     []Message
	}{
		{"answered, hung up", answer, dialplan.ViaDirect, []Message{sent("INVITE"), got("INVITE", 200),
			sent("ACK"), sent("BYE"), got("BYE", 200)}},
		{"challenged by the trunk", challenged, dialplan.ViaTrunk, []Message{sent("INVITE"), got("INVITE", 407), sent("ACK"),
			sent("INVITE"), got("INVITE", 200), sent("ACK"), sent("BYE"), got("BYE", 200)}},
		{"ringing given up", ringing, dialplan.ViaDirect, []Message{sent("INVITE"), got("INVITE", 180),
			sent("CANCEL"), got("CANCEL", 200), got("INVITE", 487), sent("ACK")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			peer := startPeer(t, tt.onInvite)
			var log messageLog
			s := countingServer(t, log.add)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			out := bridge.Outbound{Room: bridge.RoomSettings{Number: "1000"},
				Route: dialplan.Route{Via: tt.via, Trunk: "pstn", Destination: "sip:peer@" + peer.String(), Addr: peer},
				OnProgress: func(code int) {
					if tt.want[len(tt.want)-1] == sent("ACK") { // the ringing is given up
						cancel()
					}
				}}
			leg, err := s.Dial(ctx, out)
			last := tt.want[len(tt.want)-1]
			if last.Method == "BYE" {
				if err != nil {
					t.Fatalf("dial: %v; counted %+v", err, log.take())
				}
				leg.Hangup("test over")
			} else if !errors.Is(err, context.Canceled) {
				t.Fatalf("dial: %v, want it cancelled", err)
			}
			var msgs []Message
			for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
				msgs = append(msgs, log.take()...)
				if len(msgs) > 0 && msgs[len(msgs)-1] == last || time.Now().After(deadline) {
					break
				}
			}
			// sipgo's transaction layer sends 100 Trying for a handler
			// that takes long on a loaded machine, and the 200 to
			// countingServer's OPTIONS may be counted after it came: not
			// what is tested.
			msgs = slices.DeleteFunc(msgs, func(m Message) bool { return m == got("INVITE", 100) || m.Method == "OPTIONS" })
			if !slices.Equal(msgs, tt.want) {
				t.Errorf("counted\n%+v\nwant\n%+v", msgs, tt.want)
			}
		})
	}
}

// countingServer is a started server on UDP 127.0.0.1 with room 1000 and
// a trunk pstn with credentials, counting its messages to count.
func countingServer(t *testing.T, count func(Message)) *Server {
	t.Helper()
	logger := slog.New(slog.DiscardHandler)
	b, err := bridge.New(bridge.Options{Rooms: []bridge.RoomSettings{{Number: "1000"}}, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	ports, err := media.NewPortRange(47200, 47298)
	if err != nil {
		t.Fatal(err)
	}
	var counting atomic.Bool // after the OPTIONS below
	s, err := New(b, Options{Listen: []string{"udp://127.0.0.1:0"}, Ports: ports, Logger: logger,
		OnMessage: func(m Message) {
			if counting.Load() {
				count(m)
			}
		},
		Trunks: map[string]TrunkAuth{"pstn": {Username: "parley", Password: "trunk-secret"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	// Once it answers an OPTIONS, sipgo serves the listener (Start leaves
	// that to a goroutine) and sends the calls out from its socket.
	phone := dialUDP(t, strings.TrimPrefix(s.Addrs()[0], "udp://"))
	if res := phone.exchange(t, request("OPTIONS", "", "Via: SIP/2.0/UDP "+phone.local()+";branch=z9hG4bK-ping;rport")); res == nil || res.StatusCode != 200 {
		t.Fatalf("OPTIONS: %v", res)
	}
	counting.Store(true)
	return s
}
