package h245

import (
	"fmt"
	"net/netip"
	"slices"
)

// offer is one of our fast-start proposals: transmit (we send codec) or
// receive (the peer sends codec).
type offer struct {
	codec    Codec
	transmit bool
}

// EncodeOLC encodes m as a bare OpenLogicalChannel, the element of H.225.0
// fastStart.
func EncodeOLC(m OpenLogicalChannel) ([]byte, error) {
	v, err := m.seq()
	if err != nil {
		return nil, err
	}
	return encodeAs(olcType, v, "open logical channel")
}

// DecodeOLC decodes a bare OpenLogicalChannel, one element of H.225.0
// fastStart; a malformed one is an error wrapping ErrMalformed.
func DecodeOLC(b []byte) (OpenLogicalChannel, error) {
	v, err := decodeAs(olcType, b)
	if err != nil {
		return OpenLogicalChannel{}, err
	}
	m, err := olcOf(v)
	if err != nil {
		return OpenLogicalChannel{}, fmt.Errorf("open logical channel: %w", err)
	}
	return m, nil
}

// OfferFastStart returns the fastStart elements of our Setup (H.323
// §8.1.7.1): for each of our codecs in our order, a transmit proposal
// (forward parameters with our RTCP address) and a receive proposal
// (reverse parameters with our RTP and RTCP addresses), all in session 1.
// It may be called once, before any other procedure.
func (s *Session) OfferFastStart() ([][]byte, error) {
	if s.offer != nil || s.fast || s.started {
		return nil, fmt.Errorf("fast start offer: %w", ErrState)
	}
	var out [][]byte
	var offers []offer
	n := s.next
	for _, c := range s.cfg.Codecs {
		a := Audio{Codec: c, Frames: s.cfg.Frames}
		tx := OpenLogicalChannel{Number: n, Forward: &Params{Audio: a, H2250: true, SessionID: 1, MediaControlChannel: s.cfg.RTCP}}
		rx := OpenLogicalChannel{Number: n + 1, Reverse: &Params{Audio: a, H2250: true, SessionID: 1, MediaChannel: s.cfg.RTP, MediaControlChannel: s.cfg.RTCP}}
		for _, m := range []OpenLogicalChannel{tx, rx} {
			b, err := EncodeOLC(m)
			if err != nil {
				return nil, err
			}
			out = append(out, b)
		}
		offers = append(offers, offer{codec: c, transmit: true}, offer{codec: c})
		n += 2
	}
	s.offer, s.next = offers, n
	return out, nil
}

// AnswerFastStart chooses from the caller's fastStart proposals (H.323
// §8.1.7.1), as the called side: the first channel the caller proposes to
// send in a codec of ours, and the first it proposes to receive, preferring
// the same codec. It returns the fastStart elements for our
// CallProceeding, Alerting or Connect and the negotiated Media; an error
// (ErrNoCodec, ErrMalformed) means we refuse fast start and the call goes
// on with slow start. It may be called once, before any other procedure.
func (s *Session) AnswerFastStart(proposals [][]byte) ([][]byte, Media, error) {
	if s.offer != nil || s.fast || s.started {
		return nil, Media{}, fmt.Errorf("fast start answer: %w", ErrState)
	}
	var sends, receives []OpenLogicalChannel
	for i, b := range proposals {
		m, err := DecodeOLC(b)
		if err != nil {
			return nil, Media{}, fmt.Errorf("fastStart[%d]: %w", i, err)
		}
		switch {
		case m.Forward != nil && m.Reverse == nil && s.usable(m.Forward):
			sends = append(sends, m)
		case m.Forward == nil && m.Reverse != nil && s.usable(m.Reverse) && m.Reverse.MediaChannel.IsValid():
			receives = append(receives, m)
		}
	}
	if len(sends) == 0 || len(receives) == 0 {
		return nil, Media{}, fmt.Errorf("fast start: %d usable send and %d receive proposals: %w", len(sends), len(receives), ErrNoCodec)
	}
	in := sends[0]
	i := slices.IndexFunc(receives, func(m OpenLogicalChannel) bool { return m.Reverse.Audio.Codec == in.Forward.Audio.Codec })
	out := receives[max(i, 0)]
	send := Audio{Codec: out.Reverse.Audio.Codec, Frames: min(out.Reverse.Audio.Frames, s.cfg.Frames)}
	answer := []OpenLogicalChannel{
		{Number: in.Number, Forward: &Params{Audio: in.Forward.Audio, H2250: true, SessionID: 1, MediaChannel: s.cfg.RTP, MediaControlChannel: s.cfg.RTCP}},
		{Number: s.next, Reverse: &Params{Audio: send, H2250: true, SessionID: 1, MediaControlChannel: s.cfg.RTCP}},
	}
	enc := make([][]byte, 0, len(answer))
	for _, m := range answer {
		b, err := EncodeOLC(m)
		if err != nil {
			return nil, Media{}, err
		}
		enc = append(enc, b)
	}
	s.fast = true
	s.rx = rxChannel{open: true, number: in.Number, codec: in.Forward.Audio.Codec, rtcp: in.Forward.MediaControlChannel}
	s.tx = txChannel{state: txOpen, number: s.next, audio: send, rtp: out.Reverse.MediaChannel, rtcp: out.Reverse.MediaControlChannel}
	s.next++
	s.reported = s.media()
	return enc, s.reported, nil
}

// AcceptFastStart reads the fastStart elements of the called side's answer
// (H.323 §8.1.7.1), as the caller: the channel it accepts from us (with
// its RTP and RTCP addresses) and the channel it opens to us. A later
// answer repeating fastStart returns the Media of the first. An answer
// lacking either direction is an error wrapping ErrNoCodec.
func (s *Session) AcceptFastStart(answer [][]byte) (Media, error) {
	if s.offer == nil {
		return Media{}, fmt.Errorf("fast start answer without an offer: %w", ErrState)
	}
	if s.fast {
		return s.reported, nil
	}
	var tx *txChannel
	var rx *rxChannel
	for i, b := range answer {
		m, err := DecodeOLC(b)
		if err != nil {
			return Media{}, fmt.Errorf("fastStart[%d]: %w", i, err)
		}
		switch {
		case m.Forward != nil && m.Reverse == nil && tx == nil:
			// Matched by codec, not number: answers renumber in the wild.
			if !slices.ContainsFunc(s.offer, func(o offer) bool { return o.transmit && o.codec == m.Forward.Audio.Codec }) {
				return Media{}, fmt.Errorf("fastStart[%d]: forward %v was not proposed: %w", i, m.Forward.Audio.Codec, ErrMalformed)
			}
			if !m.Forward.MediaChannel.IsValid() {
				return Media{}, fmt.Errorf("fastStart[%d]: channel %d without mediaChannel: %w", i, m.Number, ErrMalformed)
			}
			tx = &txChannel{state: txOpen, number: m.Number, audio: m.Forward.Audio, rtp: m.Forward.MediaChannel, rtcp: m.Forward.MediaControlChannel}
		case m.Forward == nil && m.Reverse != nil && rx == nil:
			if !slices.ContainsFunc(s.offer, func(o offer) bool { return !o.transmit && o.codec == m.Reverse.Audio.Codec }) {
				return Media{}, fmt.Errorf("fastStart[%d]: reverse %v was not proposed: %w", i, m.Reverse.Audio.Codec, ErrMalformed)
			}
			rx = &rxChannel{open: true, number: m.Number, codec: m.Reverse.Audio.Codec, rtcp: m.Reverse.MediaControlChannel}
		}
	}
	if tx == nil || rx == nil {
		return Media{}, fmt.Errorf("fast start answer lacks a direction: %w", ErrNoCodec)
	}
	s.fast, s.tx, s.rx = true, *tx, *rx
	s.reported = s.media()
	return s.reported, nil
}

// usable reports whether fast-start parameters p are audio of ours in
// H.225.0 session 1.
func (s *Session) usable(p *Params) bool {
	return p.H2250 && p.SessionID == 1 && slices.Contains(s.cfg.Codecs, p.Audio.Codec)
}

// media is the Media of the open channels: RTCP goes where the peer's Ack or
// answer says, else where its own channel's RTCP comes from, else to RTP+1.
func (s *Session) media() Media {
	m := Media{Send: s.tx.audio.Codec, Receive: s.rx.codec, RemoteRTP: s.tx.rtp, RemoteRTCP: s.tx.rtcp}
	if !m.RemoteRTCP.IsValid() {
		m.RemoteRTCP = s.rx.rtcp
	}
	if !m.RemoteRTCP.IsValid() {
		m.RemoteRTCP = netip.AddrPortFrom(m.RemoteRTP.Addr(), m.RemoteRTP.Port()+1)
	}
	return m
}
