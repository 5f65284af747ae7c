package sip

import (
	"errors"
	"log/slog"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	gosip "github.com/emiago/sipgo/sip"
	"github.com/emiago/sipgo/siptest"

	"github.com/parleyhq/parley/guard"
)

// TestUnackedBudget: at most max calls per source await their ACK; IPv6
// sources share their /64; a release gives the slot back once however
// often it is called; a negative max has no limit.
func TestUnackedBudget(t *testing.T) {
	u := newUnacked(2)
	a, b := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	r1, err1 := u.take(a)
	_, err2 := u.take(netip.MustParseAddr("::ffff:192.0.2.1")) // the same source, mapped
	if err1 != nil || err2 != nil {
		t.Fatalf("first two: %v, %v", err1, err2)
	}
	if _, err := u.take(a); !errors.Is(err, errTooManyUnacked) {
		t.Errorf("third from %v: %v, want errTooManyUnacked", a, err)
	}
	if _, err := u.take(b); err != nil {
		t.Errorf("another source refused: %v", err)
	}
	r1()
	r1() // idempotent
	if n := u.pending(a); n != 1 {
		t.Errorf("pending after one release (twice) = %d, want 1", n)
	}
	if _, err := u.take(a); err != nil {
		t.Errorf("after a release: %v", err)
	}

	v6a, v6b := netip.MustParseAddr("2001:db8:1:2::1"), netip.MustParseAddr("2001:db8:1:2:ffff::9")
	u.take(v6a)
	u.take(v6b)
	if _, err := u.take(netip.MustParseAddr("2001:db8:1:2::77")); !errors.Is(err, errTooManyUnacked) {
		t.Errorf("a third address of the same /64: %v, want errTooManyUnacked", err)
	}
	if _, err := u.take(netip.MustParseAddr("2001:db8:1:3::1")); err != nil {
		t.Errorf("another /64 refused: %v", err)
	}

	if d := newUnacked(0); d.max != DefaultMaxUnacked {
		t.Errorf("default budget %d, want %d", d.max, DefaultMaxUnacked)
	}
	free := newUnacked(-1)
	for i := range 100 {
		if _, err := free.take(a); err != nil {
			t.Fatalf("unlimited budget refused call %d: %v", i, err)
		}
	}
}

// newDialog returns an answered-to-be dialog for a test INVITE and its
// transaction, whose responses go nowhere.
func newDialog(t *testing.T) (*sipgo.DialogServerSession, gosip.ServerTransaction, *gosip.Response) {
	t.Helper()
	ua, err := sipgo.NewUA()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ua.Close() })
	client, err := sipgo.NewClient(ua)
	if err != nil {
		t.Fatal(err)
	}
	req := gosip.NewRequest(gosip.INVITE, gosip.Uri{Scheme: "sip", User: "100", Host: "127.0.0.1"})
	via, from := gosip.NewParams(), gosip.NewParams()
	via.Add("branch", gosip.GenerateBranch())
	from.Add("tag", "abc")
	req.AppendHeader(&gosip.ViaHeader{ProtocolName: "SIP", ProtocolVersion: "2.0", Transport: "UDP", Host: "127.0.0.1",
		Port: 5099, Params: via})
	req.AppendHeader(&gosip.FromHeader{Address: gosip.Uri{Scheme: "sip", User: "a", Host: "127.0.0.1"}, Params: from})
	req.AppendHeader(&gosip.ToHeader{Address: gosip.Uri{Scheme: "sip", User: "100", Host: "127.0.0.1"}, Params: gosip.NewParams()})
	cid := gosip.CallIDHeader("pending-test")
	req.AppendHeader(&cid)
	req.AppendHeader(&gosip.CSeqHeader{SeqNo: 1, MethodName: gosip.INVITE})
	req.AppendHeader(&gosip.ContactHeader{Address: gosip.Uri{Scheme: "sip", Host: "127.0.0.1", Port: 5099}})
	tx := siptest.NewServerTxRecorder(req)
	ua2 := sipgo.DialogUA{Client: client, ContactHDR: gosip.ContactHeader{Address: gosip.Uri{Scheme: "sip", Host: "127.0.0.1"}}}
	dialog, err := ua2.ReadInvite(req, tx)
	if err != nil {
		t.Fatal(err)
	}
	return dialog, tx, gosip.NewResponseFromRequest(dialog.InviteRequest, gosip.StatusOK, "OK", nil)
}

// TestAnswerAckTimeout: a 200 without ACK frees the call's resources at
// the ACK timeout, and answer returns errNoAck soon after (sipgo alone
// would hold them for 64*T1, 32 s).
func TestAnswerAckTimeout(t *testing.T) {
	s := &Server{log: slog.New(slog.DiscardHandler), opts: Options{AckTimeout: 300 * time.Millisecond}}
	dialog, tx, res := newDialog(t)
	var freedAt atomic.Int64
	start := time.Now()
	err := s.answer(dialog, tx, res, func() { freedAt.Store(int64(time.Since(start))) })
	took := time.Since(start)
	if !errors.Is(err, errNoAck) {
		t.Fatalf("answer without ACK: %v, want errNoAck", err)
	}
	freed := time.Duration(freedAt.Load())
	if freed < 300*time.Millisecond || freed > 2*time.Second {
		t.Errorf("freed after %v, want at the 300 ms ACK timeout", freed)
	}
	if took > gosip.T2+time.Second {
		t.Errorf("answer returned after %v, want within T2 of the timeout", took)
	}
}

// TestAnswerAcked: an ACK before the timeout confirms the call and frees
// nothing.
func TestAnswerAcked(t *testing.T) {
	s := &Server{log: slog.New(slog.DiscardHandler), opts: Options{AckTimeout: time.Second}}
	dialog, tx, res := newDialog(t)
	ack := gosip.NewRequest(gosip.ACK, dialog.InviteRequest.Recipient)
	ack.AppendHeader(&gosip.CSeqHeader{SeqNo: 1, MethodName: gosip.ACK})
	go func() {
		time.Sleep(100 * time.Millisecond) // the ACK comes a round trip later
		dialog.ReadAck(ack, nil)
	}()
	var freed atomic.Bool
	if err := s.answer(dialog, tx, res, func() { freed.Store(true) }); err != nil {
		t.Fatalf("answer with ACK: %v", err)
	}
	time.Sleep(1200 * time.Millisecond) // past the timeout: nothing fires
	if freed.Load() {
		t.Error("an ACKed call was freed")
	}
}

// pending returns how many calls from ip await their ACK.
func (u *unacked) pending(ip netip.Addr) int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.count[guard.Source(ip)]
}
