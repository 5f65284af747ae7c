package sip

import (
	"errors"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// Errors of the dialog state. They map to SIP statuses in statusOf.
var (
	// errGlare refuses an offer while another offer/answer exchange of the
	// dialog is in progress: 491 Request Pending (RFC 3261 §14.1, §14.2).
	errGlare = errors.New("an offer/answer exchange is in progress (glare)")
	// errDialogEnded refuses a request in a dialog that has ended: 481
	// Call/Transaction Does Not Exist (RFC 3261 §12.2.2).
	errDialogEnded = errors.New("the dialog has ended")
)

// dialogState is the signalling state of one call's SIP dialog: what the
// offer/answer exchanges agreed (RFC 3264), our SDP's identity and version,
// the direction of our side (hold, RFC 3264 §8.4), whether an exchange is
// in progress (glare, RFC 3261 §14.1), the late offer's answer, the session
// timer's next deadline (RFC 4028) and whether the call has ended. One mutex
// guards it all.
//
// Its methods are the transitions. They take the time as an argument, do no
// I/O and wait for nothing but the lock, which they hold only for their own
// computation (and install's func), so any goroutine may call them: sipgo's
// request goroutines, the call's own, the mixer's for every frame. The call
// keeps the goroutines, the network and the media. The CSeq numbers are
// sipgo's (sipgo.Dialog checks the peer's order and numbers ours).
type dialogState struct {
	local netip.Addr    // our address in SDP; read-only
	sdpID uint64        // o= session ID of our SDP; read-only
	timer *sessionTimer // the RFC 4028 session timer, nil when none; read-only
	done  chan struct{} // closed by end
	// sends mirrors dir for the mixer's every frame (sending), written
	// under mu with dir, read without it.
	sends atomic.Bool

	mu         sync.Mutex
	neg        *Negotiation // what the last offer/answer agreed; nil until the first
	sdpVersion uint64       // o= version of our last SDP
	dir        Direction    // the direction of our side: what our SDP says
	directedAt time.Time    // when the direction was last set
	updating   bool         // an offer/answer exchange or a refresh of ours is in progress
	ack        []byte       // the body of the ACK to our 2xx: a late offer's answer
	due        time.Time    // the session timer's next refresh or expiry; zero when not running
	ended      bool         // the call is over, by either side
	hungUp     bool         // we have decided to send BYE
}

// newDialogState returns the state of a dialog whose SDP names local, with o=
// session ID and first version sdpID, sendrecv as of now, and the session
// timer t (nil for none).
func newDialogState(local netip.Addr, sdpID uint64, t *sessionTimer, now time.Time) *dialogState {
	d := &dialogState{local: local, sdpID: sdpID, sdpVersion: sdpID, timer: t, done: make(chan struct{}),
		dir: SendRecv, directedAt: now}
	d.sends.Store(true)
	return d
}

// agree records neg as the session agreed as of now: its direction becomes
// ours (a call answered with it, or a new offer answered).
func (d *dialogState) agree(neg *Negotiation, now time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.agreeLocked(neg, now)
}

func (d *dialogState) agreeLocked(neg *Negotiation, now time.Time) {
	d.neg, d.dir, d.directedAt = neg, neg.Direction, now
	d.sends.Store(d.dir == SendRecv || d.dir == SendOnly)
}

// reoffer tells what a new offer neg changes in the agreed session: a
// different codec or payload type needs a new stream; a new remote address
// (but not c=0.0.0.0, the hold of RFC 3264 §8.4) is where the media goes.
func (d *dialogState) reoffer(neg *Negotiation) (newStream, newRemote bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	cur := d.neg
	if cur == nil || !neg.Format.Is(cur.Format) || neg.PayloadType != cur.PayloadType || neg.EventPayloadType != cur.EventPayloadType {
		return true, false
	}
	return false, neg.Remote != cur.Remote && !neg.Remote.Addr().IsUnspecified()
}

// answer agrees neg as of now and returns our SDP answer to it, with the
// next o= version, our audio on port and our video on videoPort (0: none).
func (d *dialogState) answer(neg *Negotiation, port, videoPort int, now time.Time) ([]byte, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.agreeLocked(neg, now)
	d.sdpVersion++
	return neg.Answer(d.local, port, videoPort, d.sdpID, d.sdpVersion)
}

// offer describes the agreed session, with the next o= version, as the
// offer to a re-INVITE that brought none (RFC 3261 §14.2).
func (d *dialogState) offer(port, videoPort int) ([]byte, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.neg == nil {
		return nil, errors.New("no session agreed yet")
	}
	d.sdpVersion++
	return d.neg.Answer(d.local, port, videoPort, d.sdpID, d.sdpVersion)
}

// begin starts an offer/answer exchange or a session refresh of ours:
// errGlare while another is in progress, errDialogEnded once the call has
// ended. Every begin that succeeds is followed by one finish.
func (d *dialogState) begin() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch {
	case d.ended:
		return errDialogEnded
	case d.updating:
		return errGlare
	}
	d.updating = true
	return nil
}

// finish ends the exchange begin started.
func (d *dialogState) finish() {
	d.mu.Lock()
	d.updating = false
	d.mu.Unlock()
}

// install runs f, which puts new media in place of the call's, unless the
// call has ended: then it reports false and the caller must free the media
// it opened, for the call's release may already have run. f runs under the
// dialog's lock: it must not call the dialog nor wait for anything.
func (d *dialogState) install(f func()) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ended {
		return false
	}
	f()
	return true
}

// acked keeps the body of the ACK to our 2xx, the answer of a late offer
// (RFC 3261 §13.2.1).
func (d *dialogState) acked(body []byte) {
	d.mu.Lock()
	d.ack = body
	d.mu.Unlock()
}

// lateAnswer reads the answer to the offer of our 2xx from the ACK's body,
// choosing among codecs.
func (d *dialogState) lateAnswer(codecs Codecs) (*Negotiation, error) {
	d.mu.Lock()
	body := d.ack
	d.mu.Unlock()
	return codecs.Negotiate(body)
}

// sending reports whether our direction lets us send: not while we hold or
// are held (sendrecv or sendonly, RFC 3264 §8.4). The mixer asks for every
// frame, so it is one atomic load, not the lock.
func (d *dialogState) sending() bool { return d.sends.Load() }

// rtpTimedOut reports whether no RTP has come for timeout (0: never), the
// last at lastRTP, for a call that started at started. A peer on hold may
// send nothing, so the timeout waits while our direction says the peer
// does not send, and counts from when it last changed.
func (d *dialogState) rtpTimedOut(now, started, lastRTP time.Time, timeout time.Duration) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if timeout <= 0 || !(d.dir == SendRecv || d.dir == RecvOnly) {
		return false
	}
	last := lastRTP
	if last.Before(started) {
		last = started
	}
	if last.Before(d.directedAt) {
		last = d.directedAt // the peer had no need to send before it resumed
	}
	return now.Sub(last) >= timeout
}

// sessionEvent is what the session timer asks for at its deadline.
type sessionEvent int

const (
	sessionWait    sessionEvent = iota // nothing yet: wait for the next deadline
	sessionRefresh                     // we are the refresher: refresh now
	sessionExpired                     // the peer did not refresh: end the call
)

// startTimer starts the session timer as of now (RFC 4028 §10): the first
// refresh, if we refresh, is due in half the interval; else the peer's
// refresh is due before the interval less min(32 s, interval/3). It
// returns how long until then; false when the dialog has no timer.
func (d *dialogState) startTimer(now time.Time) (time.Duration, bool) {
	if d.timer == nil {
		return 0, false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.timer.weRefresh {
		d.due = now.Add(d.timer.refreshEvery())
	} else {
		d.due = now.Add(d.timer.expiresAfter())
	}
	return d.due.Sub(now), true
}

// refreshed notes a session refresh by the peer answered at now (a
// re-INVITE or UPDATE, RFC 4028 §10): when the peer is the refresher its
// next refresh is due one expiry period from now. Before startTimer it
// does nothing.
func (d *dialogState) refreshed(now time.Time) {
	if d.timer == nil || d.timer.weRefresh {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.due.IsZero() {
		d.due = now.Add(d.timer.expiresAfter())
	}
}

// sessionDue is the session timer's decision at now: refresh (and the next
// refresh is due half an interval later), expire (and the timer stops),
// or wait, when the deadline moved or has not come.
func (d *dialogState) sessionDue(now time.Time) sessionEvent {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.timer == nil || d.due.IsZero() || now.Before(d.due) {
		return sessionWait
	}
	if d.timer.weRefresh {
		d.due = now.Add(d.timer.refreshEvery())
		return sessionRefresh
	}
	d.due = time.Time{}
	return sessionExpired
}

// untilDue is how long from now until the session timer's deadline; false
// when it is not running.
func (d *dialogState) untilDue(now time.Time) (time.Duration, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.due.IsZero() {
		return 0, false
	}
	return d.due.Sub(now), true
}

// end marks the call over and closes Done; true the first time only.
func (d *dialogState) end() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ended {
		return false
	}
	d.ended = true
	close(d.done)
	return true
}

// hangup marks that we end the call with a BYE; true the first time only,
// whether or not the peer ended it first.
func (d *dialogState) hangup() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.hungUp {
		return false
	}
	d.hungUp = true
	return true
}

// Done is closed when the call has ended.
func (d *dialogState) Done() <-chan struct{} { return d.done }
