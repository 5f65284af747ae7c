package sip

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/emiago/sipgo"
	gosip "github.com/emiago/sipgo/sip"
)

// The SIP messages that sipgo sends or takes on Parley's behalf, counted
// for OnMessage where Parley can see them: the BYEs Parley sends and
// their responses; on calls out, the ACKs, the CANCEL when the ringing
// ends and the INVITE sent again with credentials; on calls in, a CANCEL
// the transaction layer answers itself (200, then 487 to the INVITE) and
// the ACK it absorbs for a non-2xx final response. Server.countMessage
// says what else is counted.

// byeDialog is a dialog Parley ends with a BYE: sipgo's client and server
// sessions.
type byeDialog interface {
	Bye(ctx context.Context) error
	LoadState() gosip.DialogState
}

// bye sends a BYE in d (RFC 3261 §15.1.1) and counts it and the response
// it got, unless sipgo sends none: the dialog has ended, or a call out's
// is not confirmed.
func (s *Server) bye(ctx context.Context, d byeDialog) error {
	state := d.LoadState()
	_, out := d.(*sipgo.DialogClientSession)
	err := d.Bye(ctx)
	if state != gosip.DialogStateEnded && (!out || state == gosip.DialogStateConfirmed) {
		s.countRequest(gosip.BYE, byeStatus(err))
	}
	return err
}

// byeStatus is the status of the response to a BYE for which sipgo's Bye
// returned err: 200 for nil, the response's for ErrDialogResponse, 0 when
// none came.
func byeStatus(err error) int {
	var v sipgo.ErrDialogResponse
	var p *sipgo.ErrDialogResponse
	switch {
	case err == nil:
		return gosip.StatusOK
	case errors.As(err, &v) && v.Res != nil:
		return v.Res.StatusCode
	case errors.As(err, &p) && p != nil && p.Res != nil:
		return p.Res.StatusCode
	}
	return 0
}

// ack sends the ACK to the 2xx of a call out's INVITE and counts it.
func (s *Server) ack(ctx context.Context, dlg *sipgo.DialogClientSession) error {
	err := dlg.Ack(ctx)
	if err == nil {
		s.countMessage(Message{Sent: true, Method: string(gosip.ACK)})
	}
	return err
}

// maxAuthRetries is how many challenges sipgo's WaitAnswer answers by
// sending the INVITE again (its maxAuthAttempts).
const maxAuthRetries = 2

// outCount counts the messages of a call out's INVITE transactions that
// sipgo's WaitAnswer sends and takes. It is used by the one goroutine
// that waits for the answer.
type outCount struct {
	s        *Server
	password bool // the trunk has credentials: sipgo answers a challenge
	retries  int  // challenges answered
	last     *gosip.Response
}

// response counts res, a response to the INVITE (WaitAnswer's
// OnResponse); for a non-2xx final one also the ACK its transaction sends
// (RFC 3261 §17.1.1.3), and the INVITE sipgo sends again with credentials
// after a challenge it answers.
func (o *outCount) response(res *gosip.Response) {
	o.last = res
	o.s.countMessage(Message{Method: string(gosip.INVITE), Status: res.StatusCode})
	if res.StatusCode >= 300 {
		o.s.countMessage(Message{Sent: true, Method: string(gosip.ACK)})
	}
	if o.password && o.retries < maxAuthRetries && challenge(res) {
		o.retries++
		o.s.countMessage(Message{Sent: true, Method: string(gosip.INVITE)})
	}
}

// challenge reports whether res asks for credentials as sipgo's
// WaitAnswer answers: 401 with WWW-Authenticate, 407 with
// Proxy-Authenticate.
func challenge(res *gosip.Response) bool {
	switch res.StatusCode {
	case gosip.StatusUnauthorized:
		return res.GetHeader("WWW-Authenticate") != nil
	case gosip.StatusProxyAuthRequired:
		return res.GetHeader("Proxy-Authenticate") != nil
	}
	return false
}

// cancelFailed is how sipgo's WaitAnswer says the CANCEL it sent got a
// final response other than 200.
const cancelFailed = "cancel failed with non 200. code="

// ended counts, once WaitAnswer has returned err, what it sent and took
// beyond OnResponse: when ctx ended the wait (the ring timeout, another
// branch answered), the CANCEL sipgo sends once a provisional response
// has come (RFC 3261 §9.1) and its response: ctx's error after a 200,
// cancelFailed and the status after another; and a final response to the
// INVITE that OnResponse never saw (the 487 after the CANCEL), with the
// ACK its transaction sends.
func (o *outCount) ended(ctx context.Context, dlg *sipgo.DialogClientSession, err error) {
	if ctx.Err() != nil && err != nil {
		switch msg := err.Error(); {
		case errors.Is(err, ctx.Err()):
			o.s.countRequest(gosip.CANCEL, gosip.StatusOK)
		case strings.Contains(msg, cancelFailed):
			code := 0
			_, _ = fmt.Sscanf(msg[strings.Index(msg, cancelFailed)+len(cancelFailed):], "%d", &code)
			o.s.countRequest(gosip.CANCEL, code)
		}
	}
	if res := dlg.InviteResponse; res != nil && res != o.last && !res.IsProvisional() {
		o.last = res
		o.s.countMessage(Message{Method: string(gosip.INVITE), Status: res.StatusCode})
		if res.StatusCode >= 300 {
			o.s.countMessage(Message{Sent: true, Method: string(gosip.ACK)})
		}
	}
}

// countCancelled counts a CANCEL of the INVITE of tx that the transaction
// layer took and answered itself (200), before it answered the INVITE
// 487; the ACK to that 487 is counted as it passes (watchAck).
func (s *Server) countCancelled(tx *answerTx) {
	s.countMessage(Message{Method: string(gosip.CANCEL)})
	s.countMessage(Message{Sent: true, Method: string(gosip.CANCEL), Status: gosip.StatusOK})
	tx.sentFinal(gosip.StatusRequestTerminated)
}

// maxAckWatches bounds the goroutines of watchAck: one per INVITE refused
// in the last 32 s (Timer H) whose ACK has not come; a flood of INVITEs
// from spoofed sources, which never ACK, gets its ACKs uncounted rather
// than the memory.
const maxAckWatches = 1024

// watchAck counts the ACK to the non-2xx final response of an INVITE's
// server transaction, which the transaction layer absorbs (RFC 3261
// §17.2.1) and hands only to Acks: it is passed on through tx's own Acks
// for sipgo's dialog, which waits for it.
func (tx *answerTx) watchAck() {
	in, done := tx.ServerTransaction.Acks(), tx.ServerTransaction.Done()
	if in == nil && done == nil {
		return // a transaction that never has ACKs (tests' fakes)
	}
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if tx.acks != nil {
		return
	}
	if tx.watches.Add(1) > maxAckWatches {
		tx.watches.Add(-1)
		return // Acks stays the transaction's own
	}
	tx.acks = make(chan *gosip.Request, 1)
	go func() {
		defer tx.watches.Add(-1)
		select {
		case r := <-in:
			tx.count(Message{Method: string(gosip.ACK)})
			tx.acks <- r
		case <-done:
		}
	}()
}

// Acks implements gosip.ServerTransaction: once watchAck watches the
// transaction's ACK, it comes through here.
func (tx *answerTx) Acks() <-chan *gosip.Request {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if tx.acks != nil {
		return tx.acks
	}
	return tx.ServerTransaction.Acks()
}
