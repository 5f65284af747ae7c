package sip

import (
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	gosip "github.com/emiago/sipgo/sip"
)

// panicLogEvery is how often at most a panic's stack is logged: a flood
// of packets that each hit the same bug writes one line per interval, not
// one per packet.
const panicLogEvery = 10 * time.Second

// panicLog logs recovered panics with their stack, at most once per
// panicLogEvery; the panics in between are counted and the count goes
// into the next line. It is safe for concurrent use.
type panicLog struct {
	log *slog.Logger
	now func() time.Time

	mu         sync.Mutex
	last       time.Time // when a stack was last logged; guarded by mu
	suppressed int       // panics recovered since then and not logged; guarded by mu
}

func newPanicLog(log *slog.Logger, now func() time.Time) *panicLog {
	return &panicLog{log: log, now: now}
}

// report logs the panic value v of where (a handler or goroutine name),
// with the stack of the panicking goroutine, unless a line was logged
// less than panicLogEvery ago. It must be called from the deferred
// function that recovered v, so that debug.Stack shows the panic site.
func (p *panicLog) report(where string, v any, attrs ...any) {
	p.mu.Lock()
	now := p.now()
	if !p.last.IsZero() && now.Sub(p.last) < panicLogEvery {
		p.suppressed++
		p.mu.Unlock()
		return
	}
	suppressed := p.suppressed
	p.last, p.suppressed = now, 0
	p.mu.Unlock()
	args := append([]any{"where", where, "panic", fmt.Sprint(v), "suppressed_since_last", suppressed}, attrs...)
	args = append(args, "stack", string(debug.Stack()))
	p.log.Error("recovered from panic", args...)
}

// answerTx is the server transaction a guarded handler sees: it notes
// whether a final response went out, so that a handler that panics
// before answering can still be answered 500 (RFC 3261 §8.2.6), and
// counts each response sent for the metrics: every provisional one, the
// first final one (sipgo's dialog sends a 2xx again until the ACK comes
// through Respond), and for an INVITE the ACK to a non-2xx (counted.go).
type answerTx struct {
	gosip.ServerTransaction
	count   func(Message) // nil counts nothing
	req     Message       // the request, as counted
	watches *atomic.Int64 // the server's goroutines in watchAck

	mu      sync.Mutex
	final   bool                // a final response was given to send; guarded by mu
	counted bool                // a final response was counted; guarded by mu
	acks    chan *gosip.Request // the ACKs once watchAck watches them; guarded by mu
}

// Respond implements gosip.ServerTransaction.
func (tx *answerTx) Respond(res *gosip.Response) error {
	if !res.IsProvisional() {
		tx.mu.Lock()
		tx.final = true
		tx.mu.Unlock()
	}
	err := tx.ServerTransaction.Respond(res)
	if err == nil {
		if res.IsProvisional() {
			tx.sent(res.StatusCode)
		} else {
			tx.sentFinal(res.StatusCode)
		}
	}
	return err
}

// sent counts a response sent.
func (tx *answerTx) sent(code int) {
	if tx.count != nil {
		m := tx.req
		m.Sent, m.Status = true, code
		tx.count(m)
	}
}

// sentFinal counts the final response sent, unless one was counted; the
// ACK to a non-2xx one to an INVITE is watched (watchAck).
func (tx *answerTx) sentFinal(code int) {
	tx.mu.Lock()
	first := !tx.counted
	tx.counted = true
	tx.mu.Unlock()
	if !first || tx.count == nil {
		return
	}
	tx.sent(code)
	if tx.req.Method == string(gosip.INVITE) && code >= 300 {
		tx.watchAck()
	}
}

func (tx *answerTx) answered() bool {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	return tx.final
}

// recoverRequest is deferred at the edge of every SIP handler. A panic
// fails only this transaction: it is logged (rate limited) and the request
// is answered 500 if no final response went out yet; an ACK gets none
// (RFC 3261 §17.2.3). The process and every other call go on.
func (s *Server) recoverRequest(req *gosip.Request, tx *answerTx) {
	v := recover()
	if v == nil {
		return
	}
	s.panics.report("sip handler", v, "method", string(req.Method), "call_id", callID(req), "source", req.Source())
	if req.IsAck() || tx.answered() {
		return
	}
	res := gosip.NewResponseFromRequest(req, gosip.StatusInternalServerError, "Server Internal Error", nil)
	res.SipVersion = "SIP/2.0"
	_ = tx.Respond(res)
}

// recoverCall is deferred first on a call's goroutines: a panic ends only
// that call (BYE, then its media is released), logged with its stack.
func (s *Server) recoverCall(c *call, where string) {
	v := recover()
	if v == nil {
		return
	}
	s.panics.report(where, v, "call_id", c.id)
	c.Hangup("internal error")
}

// recoverErr is deferred on a goroutine whose failure is an error: a
// panic becomes *err, logged with its stack.
func (s *Server) recoverErr(where string, err *error) {
	v := recover()
	if v == nil {
		return
	}
	s.panics.report(where, v)
	*err = fmt.Errorf("sip: internal error in %s: %v", where, v)
}
