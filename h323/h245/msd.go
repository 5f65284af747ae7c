package h245

import (
	"fmt"
	"time"
)

// msdState is where master/slave determination stands (H.245's
// MSDSE states).
type msdState uint8

const (
	msdIdle     msdState = iota
	msdOutgoing          // our MasterSlaveDetermination awaits its answer
	msdIncoming          // we acknowledged the peer's and await its Ack
	msdDone
)

// msd is the master/slave determination signalling entity of a Session.
type msd struct {
	state    msdState
	number   uint32 // our statusDeterminationNumber
	retries  int
	deadline time.Time // T106
	master   bool
}

// waiting reports whether T106 runs.
func (d *msd) waiting() bool { return d.state == msdOutgoing || d.state == msdIncoming }

// start sends our MasterSlaveDetermination with a new random number and
// starts T106.
func (d *msd) start(now time.Time, s *Session, o *output) {
	d.number = s.cfg.Random() & (1<<24 - 1)
	d.state = msdOutgoing
	d.deadline = now.Add(s.cfg.Timeout)
	o.send(MasterSlaveDetermination{TerminalType: s.cfg.TerminalType, Number: d.number})
}

// decide determines master or slave against the peer's terminal type and
// number (H.245's master/slave determination procedure): the larger terminalType is master; on a tie, we are
// master when (theirs - ours) mod 2^24 is below 0x800000, and 0 or 0x800000
// is indeterminate.
func decide(ourType int, ourNumber uint32, m MasterSlaveDetermination) (master, ok bool) {
	if ourType != m.TerminalType {
		return ourType > m.TerminalType, true
	}
	diff := (m.Number - ourNumber) & (1<<24 - 1)
	if diff == 0 || diff == 0x800000 {
		return false, false
	}
	return diff < 0x800000, true
}

// handle runs one received master/slave determination message and reports
// whether the determination has just completed.
func (d *msd) handle(now time.Time, m Message, s *Session, o *output) bool {
	switch m := m.(type) {
	case MasterSlaveDetermination:
		if d.state != msdOutgoing {
			// Without a determination of our own in flight, we draw the
			// number we compare against now.
			d.number = s.cfg.Random() & (1<<24 - 1)
		}
		master, ok := decide(s.cfg.TerminalType, d.number, m)
		if !ok {
			if d.state == msdOutgoing {
				d.retry(now, s, o, "indeterminate")
				return false
			}
			d.state = msdIdle
			o.send(MasterSlaveDeterminationReject{})
			return false
		}
		d.master = master
		d.state = msdIncoming
		d.deadline = now.Add(s.cfg.Timeout)
		o.send(MasterSlaveDeterminationAck{Master: !master})
	case MasterSlaveDeterminationAck:
		switch d.state {
		case msdOutgoing:
			d.master = m.Master
			d.state = msdDone
			o.send(MasterSlaveDeterminationAck{Master: !m.Master})
			return true
		case msdIncoming:
			if m.Master != d.master {
				d.state = msdIdle
				o.fail(fmt.Errorf("master/slave determination: the peer's decision contradicts ours: %w", ErrRejected))
				return false
			}
			d.state = msdDone
			return true
		}
	case MasterSlaveDeterminationReject:
		if d.state == msdOutgoing {
			d.retry(now, s, o, "rejected")
		}
	case MasterSlaveDeterminationRelease:
		if d.waiting() {
			d.state = msdIdle
			o.fail(fmt.Errorf("master/slave determination released: %w", ErrRejected))
		}
	}
	return false
}

// retry sends a new MasterSlaveDetermination after an indeterminate result
// or a reject, up to N100 times, then fails.
func (d *msd) retry(now time.Time, s *Session, o *output, why string) {
	if d.retries >= n100 {
		d.state = msdIdle
		o.fail(fmt.Errorf("master/slave determination %s %d times: %w", why, d.retries+1, ErrRejected))
		return
	}
	d.retries++
	d.start(now, s, o)
}

// tick expires T106: the determination is released and fails.
func (d *msd) tick(now time.Time, o *output) {
	if d.waiting() && !now.Before(d.deadline) {
		d.state = msdIdle
		o.send(MasterSlaveDeterminationRelease{})
		o.fail(fmt.Errorf("master/slave determination (T106): %w", ErrTimeout))
	}
}
