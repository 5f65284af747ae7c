package h245

import (
	"errors"
	"net/netip"
	"reflect"
	"testing"
)

// TestAnswerFastStartH323Plus answers the four proposals of H323Plus's
// Setup (A-law and µ-law, each both ways) as the called side.
func TestAnswerFastStartH323Plus(t *testing.T) {
	proposals := from(vectors(t, "h323plus-faststart"), "caller")
	callerRTP, callerRTCP := netip.MustParseAddrPort("127.0.0.1:5000"), netip.MustParseAddrPort("127.0.0.1:5001")
	for _, tc := range []struct {
		name   string
		codecs []Codec
		codec  Codec
		in     int // the caller's channel we accept
	}{
		{"default", nil, PCMA, 101},
		{"the caller's choice over ours", []Codec{PCMU, PCMA}, PCMA, 101},
		{"µ-law only", []Codec{PCMU}, PCMU, 102},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t, "192.0.2.1", 4000, func(c *Config) { c.Codecs = tc.codecs })
			answer, media, err := s.AnswerFastStart(proposals)
			if err != nil {
				t.Fatal(err)
			}
			want := Media{Send: tc.codec, Receive: tc.codec, RemoteRTP: callerRTP, RemoteRTCP: callerRTCP}
			if media != want {
				t.Errorf("media %+v, want %+v", media, want)
			}
			if len(answer) != 2 {
				t.Fatalf("%d answers", len(answer))
			}
			a := Audio{Codec: tc.codec, Frames: 20, Name: tc.codec.capName()}
			wantOLC := []OpenLogicalChannel{
				{Number: tc.in, Forward: &Params{Audio: a, H2250: true, SessionID: 1, MediaChannel: s.cfg.RTP, MediaControlChannel: s.cfg.RTCP}},
				{Number: 1, Reverse: &Params{Audio: a, H2250: true, SessionID: 1, MediaControlChannel: s.cfg.RTCP}},
			}
			for i, b := range answer {
				m, err := DecodeOLC(b)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(m, wantOLC[i]) {
					t.Errorf("answer[%d] %#v\nwant %#v", i, m, wantOLC[i])
				}
			}
			if m, ok := s.Media(); !ok || m != want {
				t.Errorf("Media() %v %v", m, ok)
			}
			// Slow start now opens no channel of its own.
			s.Start(t0)
			handle(t, s, t0, TerminalCapabilitySet{Sequence: 1, Table: []Capability{{Number: 1, Direction: Receive, Audio: &Audio{Codec: PCMA, Frames: 20}}}})
			handle(t, s, t0, TerminalCapabilitySetAck{Sequence: 1})
			if out, ev := handle(t, s, t0, MasterSlaveDeterminationAck{Master: true}); len(out) != 1 || len(ev) != 0 {
				t.Errorf("after fast start: %#v %#v", out, ev)
			}
			// The caller closing its fast-start channel is a ChannelClosed.
			if _, ev := handle(t, s, t0, CloseLogicalChannel{Number: tc.in}); !reflect.DeepEqual(ev, []Event{ChannelClosed{Receive}}) {
				t.Errorf("close: %#v", ev)
			}
		})
	}
	if _, _, err := newSession(t, "192.0.2.1", 4000, nil).AnswerFastStart(proposals[1:2]); !errors.Is(err, ErrNoCodec) {
		t.Errorf("one direction: %v", err)
	}
	if _, _, err := newSession(t, "192.0.2.1", 4000, nil).AnswerFastStart([][]byte{{0x40}}); !errors.Is(err, ErrMalformed) {
		t.Errorf("garbage: %v", err)
	}
}

// TestFastStartOfferAnswer offers fast start from one Session, answers it
// with another, and reads the answer back; and reads H323Plus's answer.
func TestFastStartOfferAnswer(t *testing.T) {
	caller := newSession(t, "192.0.2.1", 4000, nil)
	offer, err := caller.OfferFastStart()
	if err != nil {
		t.Fatal(err)
	}
	pcma, pcmu := Audio{Codec: PCMA, Frames: 20, Name: "g711Alaw64k"}, Audio{Codec: PCMU, Frames: 20, Name: "g711Ulaw64k"}
	rtp, rtcp := caller.cfg.RTP, caller.cfg.RTCP
	want := []OpenLogicalChannel{
		{Number: 1, Forward: &Params{Audio: pcma, H2250: true, SessionID: 1, MediaControlChannel: rtcp}},
		{Number: 2, Reverse: &Params{Audio: pcma, H2250: true, SessionID: 1, MediaChannel: rtp, MediaControlChannel: rtcp}},
		{Number: 3, Forward: &Params{Audio: pcmu, H2250: true, SessionID: 1, MediaControlChannel: rtcp}},
		{Number: 4, Reverse: &Params{Audio: pcmu, H2250: true, SessionID: 1, MediaChannel: rtp, MediaControlChannel: rtcp}},
	}
	for i, b := range offer {
		m, err := DecodeOLC(b)
		if err != nil || !reflect.DeepEqual(m, want[i]) {
			t.Errorf("offer[%d] %#v %v\nwant %#v", i, m, err, want[i])
		}
	}
	if _, err := caller.OfferFastStart(); !errors.Is(err, ErrState) {
		t.Errorf("second offer: %v", err)
	}
	callee := newSession(t, "198.51.100.2", 6000, func(c *Config) { c.Codecs = []Codec{PCMU} })
	answer, calleeMedia, err := callee.AnswerFastStart(offer)
	if err != nil {
		t.Fatal(err)
	}
	callerMedia, err := caller.AcceptFastStart(answer)
	if err != nil {
		t.Fatal(err)
	}
	if w := (Media{Send: PCMU, Receive: PCMU, RemoteRTP: callee.cfg.RTP, RemoteRTCP: callee.cfg.RTCP}); callerMedia != w {
		t.Errorf("caller %+v, want %+v", callerMedia, w)
	}
	if w := (Media{Send: PCMU, Receive: PCMU, RemoteRTP: rtp, RemoteRTCP: rtcp}); calleeMedia != w {
		t.Errorf("callee %+v, want %+v", calleeMedia, w)
	}
	if again, err := caller.AcceptFastStart(answer[:1]); err != nil || again != callerMedia {
		t.Errorf("repeated answer: %v %v", again, err)
	}
	// The caller's fast-start channel is the one RequestChannelClose names.
	if out, _ := handle(t, caller, t0, RequestChannelClose{Number: 3}); len(out) != 2 {
		t.Errorf("request close of the fast-start channel: %#v", out)
	}

	// Our offer as H323Plus took it, byte for byte, and its answer.
	parley := vectors(t, "parley-faststart")
	s := newSession(t, "127.0.0.1", 7200, nil)
	offer, err = s.OfferFastStart()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(offer, from(parley, "caller")) {
		t.Errorf("offer %x\nwant %x", offer, from(parley, "caller"))
	}
	m, err := s.AcceptFastStart(from(parley, "callee"))
	if err != nil {
		t.Fatal(err)
	}
	h323plus := Media{Send: PCMA, Receive: PCMA, RemoteRTP: netip.MustParseAddrPort("127.0.0.1:5002"), RemoteRTCP: netip.MustParseAddrPort("127.0.0.1:5003")}
	if m != h323plus {
		t.Errorf("H323Plus's answer to us: %+v, want %+v", m, h323plus)
	}

	// H323Plus's Connect answering its own proposals (channel 101 both
	// ways) fits our offer too: the codecs match.
	s = newSession(t, "127.0.0.1", 5000, nil)
	if _, err := s.OfferFastStart(); err != nil {
		t.Fatal(err)
	}
	if m, err = s.AcceptFastStart(from(vectors(t, "h323plus-faststart"), "callee")); err != nil || m != h323plus {
		t.Errorf("H323Plus answer: %+v %v, want %+v", m, err, h323plus)
	}

	for name, answer := range map[string][][]byte{
		"no offer":     nil,
		"one way":      from(vectors(t, "h323plus-faststart"), "callee")[:1],
		"garbage":      {{0xff}},
		"not proposed": {mustOLC(t, OpenLogicalChannel{Number: 1, Forward: &Params{Audio: pcmu, H2250: true, SessionID: 1, MediaChannel: rtp}})},
	} {
		s := newSession(t, "127.0.0.1", 5000, func(c *Config) { c.Codecs = []Codec{PCMA} })
		if name != "no offer" {
			s.OfferFastStart()
		}
		if m, err := s.AcceptFastStart(answer); err == nil {
			t.Errorf("%s: %+v", name, m)
		}
		if s.fast {
			t.Errorf("%s: changed the session", name)
		}
	}
}

func mustOLC(t *testing.T, m OpenLogicalChannel) []byte {
	t.Helper()
	b, err := EncodeOLC(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
