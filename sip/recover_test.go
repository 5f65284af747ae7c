package sip

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	gosip "github.com/emiago/sipgo/sip"
)

// TestRecoverHandlerPanic: a handler that panics fails only its request
// (500, with a response built even for a request in another version), the
// stack is logged once, and a flood of panics within the interval adds no
// lines but is counted in the next one.
func TestRecoverHandlerPanic(t *testing.T) {
	h := newHarness(t)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	h.s.panics = newPanicLog(h.s.log, func() time.Time { return now })
	calls := 0
	boom := h.s.guarded(func(req *gosip.Request, tx gosip.ServerTransaction) {
		calls++
		var m map[string]int
		m["x"]++ // a nil map write: a runtime panic, as a nil dereference would be
	})
	send := func() *gosip.Response {
		req := parse(t, request("OPTIONS", "")).(*gosip.Request)
		req.SetSource("127.0.0.1:5062")
		tx := &fakeTx{req: req}
		boom(req, tx)
		return tx.final()
	}
	for i := range 50 {
		res := send()
		if res == nil || res.StatusCode != 500 {
			t.Fatalf("request %d: got %v, want 500", i, res)
		}
	}
	if calls != 50 {
		t.Fatalf("handler ran %d times, want 50", calls)
	}
	if n := strings.Count(h.log.String(), "recovered from panic"); n != 1 {
		t.Fatalf("%d panic lines for 50 panics within %v, want 1:\n%s", n, panicLogEvery, h.log)
	}
	if !strings.Contains(h.log.String(), "recover_test.go") {
		t.Errorf("the line has no stack naming the panic site:\n%s", h.log)
	}
	now = now.Add(panicLogEvery)
	send()
	if n := strings.Count(h.log.String(), "recovered from panic"); n != 2 {
		t.Fatalf("%d panic lines after the interval, want 2", n)
	}
	if !strings.Contains(h.log.String(), "suppressed_since_last=49") {
		t.Errorf("the second line does not count the 49 suppressed panics:\n%s", h.log)
	}
}

// TestRecoverAnsweredNoSecondResponse: a handler that answered and then
// panicked gets no second, 500 response.
func TestRecoverAnsweredNoSecondResponse(t *testing.T) {
	h := newHarness(t)
	boom := h.s.guarded(func(req *gosip.Request, tx gosip.ServerTransaction) {
		respond(tx, req, 200, "OK")
		panic("after the answer")
	})
	req := parse(t, request("OPTIONS", "")).(*gosip.Request)
	tx := &fakeTx{req: req}
	boom(req, tx)
	if len(tx.res) != 1 || tx.res[0].StatusCode != 200 {
		t.Fatalf("responses %v, want the one 200", tx.res)
	}
}

// TestRecoverCallGoroutine: a panic on a call's goroutine ends that call
// (it hangs up) and the server goes on.
func TestRecoverCallGoroutine(t *testing.T) {
	h := newHarness(t)
	c := newCall(h.s, h.s.log, newDialogState(netip.Addr{}, 0, nil, time.Now()))
	c.id = "panicking-call"
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer h.s.recoverCall(c, "call")
		var m map[string]int
		m["x"]++
	}()
	<-done
	select {
	case <-c.Done():
	default:
		t.Fatal("the call did not end")
	}
	if !strings.Contains(h.log.String(), "internal error") {
		t.Errorf("no hang-up logged:\n%s", h.log)
	}
}

// TestRecoverErr: a panic on a goroutine that returns an error becomes
// that error.
func TestRecoverErr(t *testing.T) {
	h := newHarness(t)
	err := func() (err error) {
		defer h.s.recoverErr("dial", &err)
		panic("bad response")
	}()
	if err == nil || !strings.Contains(err.Error(), "bad response") {
		t.Fatalf("err %v, want the panic as an error", err)
	}
}
