package h245

import (
	"fmt"
	"net/netip"
	"slices"
	"time"
)

// txState is where our audio channel stands (H.245's outgoing
// LCSE states).
type txState uint8

const (
	txNone    txState = iota
	txOpening         // our OpenLogicalChannel awaits its answer (T103)
	txOpen
	txClosing // our CloseLogicalChannel awaits its Ack (T108)
)

// txChannel is our audio channel to the peer.
type txChannel struct {
	state      txState
	number     int
	audio      Audio
	rtp, rtcp  netip.AddrPort // where the peer wants our RTP and RTCP
	candidates []Audio        // codecs still to try after a reject
	deadline   time.Time
}

// waiting reports whether T103 or T108 runs.
func (t *txChannel) waiting() bool { return t.state == txOpening || t.state == txClosing }

// tick expires T103 (the channel is closed and fails) and T108 (the close
// is taken as done).
func (t *txChannel) tick(now time.Time, o *output) {
	if !t.waiting() || now.Before(t.deadline) {
		return
	}
	if t.state == txOpening {
		o.send(CloseLogicalChannel{Number: t.number, LCSE: true})
		o.fail(fmt.Errorf("open logical channel %d (T103): %w", t.number, ErrTimeout))
	}
	*t = txChannel{}
}

// rxChannel is the peer's audio channel to us.
type rxChannel struct {
	open   bool
	number int
	codec  Codec
	rtcp   netip.AddrPort // the peer's RTCP, from its mediaControlChannel
}

// maybeOpen opens our audio channel (slow start) once the capability sets
// are exchanged and master/slave determination is done, with the first
// codec of the peer's receive capabilities that we have.
func (s *Session) maybeOpen(now time.Time, o *output) {
	if s.fast || s.tx.state != txNone || !s.tcsAcked || !s.peerTCS || s.msd.state != msdDone {
		return
	}
	var cands []Audio
	for _, a := range s.peerAudio {
		if slices.Contains(s.cfg.Codecs, a.Codec) && !slices.ContainsFunc(cands, func(c Audio) bool { return c.Codec == a.Codec }) {
			cands = append(cands, Audio{Codec: a.Codec, Frames: min(a.Frames, s.cfg.Frames)})
		}
	}
	if len(cands) == 0 {
		if !s.noCodec {
			s.noCodec = true
			o.fail(fmt.Errorf("the peer receives none of %v: %w", s.cfg.Codecs, ErrNoCodec))
		}
		return
	}
	s.openTx(now, cands, o)
}

// openTx sends an OpenLogicalChannel for the first of cands and starts T103.
func (s *Session) openTx(now time.Time, cands []Audio, o *output) {
	s.tx = txChannel{state: txOpening, number: s.next, audio: cands[0], candidates: cands[1:], deadline: now.Add(s.cfg.Timeout)}
	s.next++
	o.send(OpenLogicalChannel{Number: s.tx.number, Forward: &Params{
		Audio: cands[0], H2250: true, SessionID: 1, MediaControlChannel: s.cfg.RTCP,
	}})
}

// onOLCAck takes the peer's addresses from the Ack of our channel.
func (s *Session) onOLCAck(m OpenLogicalChannelAck, o *output) {
	if s.tx.state != txOpening || m.Number != s.tx.number {
		return
	}
	if !m.MediaChannel.IsValid() {
		o.send(CloseLogicalChannel{Number: m.Number, LCSE: true})
		s.tx = txChannel{}
		o.fail(fmt.Errorf("open logical channel %d: ack without mediaChannel: %w", m.Number, ErrRejected))
		return
	}
	s.tx.state = txOpen
	s.tx.rtp, s.tx.rtcp = m.MediaChannel, m.MediaControlChannel
	s.tx.candidates = nil
	s.maybeReady(o)
}

// onOLCReject tries our next codec, or fails.
func (s *Session) onOLCReject(now time.Time, m OpenLogicalChannelReject, o *output) {
	if s.tx.state != txOpening || m.Number != s.tx.number {
		return
	}
	if len(s.tx.candidates) > 0 {
		s.openTx(now, s.tx.candidates, o)
		return
	}
	s.tx = txChannel{}
	o.fail(fmt.Errorf("open logical channel %d (%s): %w", m.Number, m.Cause, ErrRejected))
}

// onOLC accepts the peer's audio channel (forward only, G.711 of ours,
// H.225.0 session 1) with our RTP and RTCP addresses, or rejects it.
func (s *Session) onOLC(m OpenLogicalChannel, o *output) {
	cause := ""
	switch f := m.Forward; {
	case f == nil || f.Audio.Codec == 0 || !slices.Contains(s.cfg.Codecs, f.Audio.Codec):
		cause = "dataTypeNotSupported"
	case m.Reverse != nil:
		cause = "unsuitableReverseParameters"
	case !f.H2250:
		cause = "unspecified"
	case f.SessionID != 0 && f.SessionID != 1:
		cause = "invalidSessionID"
	}
	if cause != "" {
		o.send(OpenLogicalChannelReject{Number: m.Number, Cause: cause})
		return
	}
	s.rx = rxChannel{open: true, number: m.Number, codec: m.Forward.Audio.Codec, rtcp: m.Forward.MediaControlChannel}
	o.send(OpenLogicalChannelAck{Number: m.Number, SessionID: 1, MediaChannel: s.cfg.RTP, MediaControlChannel: s.cfg.RTCP})
	s.maybeReady(o)
}

// onRequestClose closes our channel at the peer's request, or refuses to
// close a channel we do not have open.
func (s *Session) onRequestClose(now time.Time, m RequestChannelClose, o *output) {
	if s.tx.state != txOpen || s.tx.number != m.Number {
		o.send(RequestChannelCloseReject{Number: m.Number})
		return
	}
	o.send(RequestChannelCloseAck{Number: m.Number})
	o.send(CloseLogicalChannel{Number: m.Number})
	s.tx = txChannel{state: txClosing, number: m.Number, deadline: now.Add(s.cfg.Timeout)}
	s.reported = Media{}
	o.emit(ChannelClosed{Direction: Transmit})
}

// maybeReady reports MediaReady once channels are open both ways, and
// again when they change or reopen.
func (s *Session) maybeReady(o *output) {
	if s.tx.state != txOpen || !s.rx.open {
		return
	}
	m := s.media()
	if m != s.reported {
		s.reported = m
		o.emit(MediaReady{Media: m})
	}
}
