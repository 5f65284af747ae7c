package sip

import (
	"bytes"
	"errors"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	gosip "github.com/emiago/sipgo/sip"

	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/media"
)

// errTxNoAck is what the fake transaction returns for a 2xx to an INVITE:
// the caller never ACKs, so the call is torn down before any media flows
// and nothing is sent anywhere (the addresses in fuzzed requests are not
// ours to send to).
var errTxNoAck = errors.New("test transaction: 2xx not delivered")

// fakeTx is a sipgo server transaction that records the responses.
type fakeTx struct {
	req *gosip.Request

	mu  sync.Mutex
	res []*gosip.Response
}

var _ gosip.ServerTransaction = (*fakeTx)(nil)

func (tx *fakeTx) Respond(res *gosip.Response) error {
	tx.mu.Lock()
	tx.res = append(tx.res, res)
	tx.mu.Unlock()
	if res.IsSuccess() && tx.req.IsInvite() {
		return errTxNoAck
	}
	return nil
}
func (tx *fakeTx) Terminate()                           {}
func (tx *fakeTx) OnTerminate(gosip.FnTxTerminate) bool { return true }
func (tx *fakeTx) Done() <-chan struct{}                { return nil }
func (tx *fakeTx) Err() error                           { return nil }
func (tx *fakeTx) Acks() <-chan *gosip.Request          { return nil }
func (tx *fakeTx) OnCancel(gosip.FnTxCancel) bool       { return true }

// final is the final response, or nil.
func (tx *fakeTx) final() *gosip.Response {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	for _, r := range tx.res {
		if !r.IsProvisional() {
			return r
		}
	}
	return nil
}

// lockedBuffer is a log sink safe for concurrent writes. It keeps the
// last maxLog bytes (a fuzz run logs without end) and counts the panics
// the handlers recovered from.
type lockedBuffer struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	npanic int    // guarded by mu
	last   string // the last panic line; guarded by mu
}

const maxLog = 1 << 20

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if bytes.Contains(p, []byte("recovered from panic")) {
		b.npanic++
		b.last = string(p)
	}
	if b.buf.Len()+len(p) > maxLog {
		rest := append([]byte(nil), b.buf.Bytes()[b.buf.Len()/2:]...)
		b.buf.Reset()
		b.buf.Write(rest)
	}
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *lockedBuffer) panics() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.npanic
}

func (b *lockedBuffer) lastPanic() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.last
}

// harness is a Server that is never started: requests go straight to the
// handlers Start would register (routes), with a fakeTx.
type harness struct {
	s      *Server
	routes map[gosip.RequestMethod]func(*gosip.Request, gosip.ServerTransaction)
	other  func(*gosip.Request, gosip.ServerTransaction)
	log    *lockedBuffer
}

// newHarness serves rooms 1000 and "user" (the user part of most RFC 4475
// requests) with RTP ports from a small range, and a registrar for
// extension 2001. Nothing registers (that takes the digest answer to the
// registrar's own nonce), so its keep-alive never sends anything.
func newHarness(t testing.TB) *harness {
	t.Helper()
	logs := &lockedBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	b, err := bridge.New(bridge.Options{Rooms: []bridge.RoomSettings{{Number: "1000"}, {Number: "user"}}, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	ports, err := media.NewPortRange(47000, 47998)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(b, Options{Listen: []string{"udp://127.0.0.1:0"}, Ports: ports, Logger: logger,
		Extensions: []Extension{{Number: "2001", Password: "secret"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.startRegistrar(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.stopBg)
	// Every panic is logged: each reading of the clock is an interval later.
	var clock sync.Mutex
	now := time.Unix(0, 0)
	s.panics = newPanicLog(logger, func() time.Time {
		clock.Lock()
		defer clock.Unlock()
		now = now.Add(panicLogEvery)
		return now
	})
	h := &harness{s: s, other: s.guarded(s.onOtherMethod), log: logs,
		routes: map[gosip.RequestMethod]func(*gosip.Request, gosip.ServerTransaction){}}
	for m, f := range s.routes() {
		h.routes[m] = f
	}
	return h
}

// dispatch hands req to the handler for its method, as sipgo would, and
// returns the transaction with what was answered.
func (h *harness) dispatch(req *gosip.Request) *fakeTx {
	if req.Source() == "" {
		req.SetSource("127.0.0.1:5062")
	}
	if req.Transport() == "" {
		req.SetTransport("UDP")
	}
	tx := &fakeTx{req: req}
	f, ok := h.routes[req.Method]
	if !ok {
		f = h.other
	}
	f(req, tx)
	return tx
}

// parse parses one SIP message as the UDP transport does.
func parse(t testing.TB, raw string) gosip.Message {
	t.Helper()
	msg, err := gosip.NewParser().ParseSIP([]byte(raw))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, raw)
	}
	return msg
}

// send parses raw (CRLF line ends) as a request and dispatches it.
func (h *harness) send(t testing.TB, raw string) *gosip.Response {
	t.Helper()
	req, ok := parse(t, raw).(*gosip.Request)
	if !ok {
		t.Fatalf("not a request:\n%s", raw)
	}
	res := h.dispatch(req).final()
	if res == nil {
		t.Fatalf("no final response to\n%s", raw)
	}
	return res
}

// The dialog of the call that establish sets up: in-dialog requests that
// carry these reach it (re-INVITE, UPDATE, INFO, BYE).
const (
	dialogCallID  = "fuzz-dialog@127.0.0.1"
	dialogFromTag = "caller1"
	dialogToTag   = "parley1"
)

// establish puts an answered call in the server, as after INVITE and
// ACK, with its media on a port of the range sending to 127.0.0.1:9. It
// is in no room and runs no IVR, so nothing sends RTP on it whatever a
// re-INVITE says. The returned func ends and releases it.
func (h *harness) establish(t testing.TB) func() {
	t.Helper()
	_, release := h.establishCall(t, sdpOffer)
	return release
}

// establishCall is establish for a call answered with offer (its audio
// port replaced with 9), which it returns with the func that ends and
// releases it.
func (h *harness) establishCall(t testing.TB, offer string) (*call, func()) {
	t.Helper()
	s := h.s
	body := strings.Replace(offer, "m=audio 49170", "m=audio 9", 1)
	raw := strings.NewReplacer("Call-ID: validate-INVITE@127.0.0.1", "Call-ID: "+dialogCallID,
		"tag=a1", "tag="+dialogFromTag).Replace(request("INVITE", body))
	req := parse(t, raw).(*gosip.Request)
	req.SetSource("127.0.0.1:5062")
	req.SetTransport("UDP")
	neg, err := Negotiate(req.Body())
	if err != nil {
		t.Fatal(err)
	}
	ua := sipgo.DialogUA{ContactHDR: *s.contact(req)}
	dialog, err := ua.ReadInvite(req, &fakeTx{req: req})
	if err != nil {
		t.Fatal(err)
	}
	dialog.InviteRequest.To().Params.Add("tag", dialogToTag)
	dialog.ID = gosip.DialogIDMake(dialogCallID, dialogToTag, dialogFromTag)
	c := newCall(s, s.log, newDialogState(netip.MustParseAddr("127.0.0.1"), 0, nil, time.Now()))
	c.uas, c.id = dialog, dialog.ID
	port, err := s.newPort(neg, netip.MustParseAddr("127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	stream, err := s.openMedia(port, neg, netip.MustParseAddr("127.0.0.1"), c.onDigit)
	if err != nil {
		t.Fatal(err)
	}
	c.setMedia(stream)
	c.dlg.agree(neg, time.Now())
	if neg.Video != nil {
		vid, err := s.openVideo(neg.Video, netip.MustParseAddr("127.0.0.1"), s.log)
		if err != nil {
			t.Fatal(err)
		}
		c.video.Store(vid) // released with the call
	}
	if !s.addCall(c) {
		t.Fatal("server closed")
	}
	return c, func() {
		c.end("fuzz input done")
		c.release()
		s.wg.Done()
	}
}
