package h245

import (
	"errors"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestDecodeCaptures decodes every H.245 PDU of the real captures into the
// message expected at that point of the call.
func TestDecodeCaptures(t *testing.T) {
	h323plusTCS := TerminalCapabilitySet{Sequence: 1,
		Table: []Capability{
			{Number: 1, Direction: Receive, Audio: &Audio{Codec: PCMA, Frames: 20, Name: "g711Alaw64k"}, Name: "receiveAudioCapability"},
			{Number: 2, Direction: Receive, Audio: &Audio{Codec: PCMU, Frames: 20, Name: "g711Ulaw64k"}, Name: "receiveAudioCapability"},
			{Number: 3, Direction: Receive, UserInput: "hookflash", Name: "receiveUserInputCapability"},
			{Number: 4, Direction: Receive, UserInput: "basicString", Name: "receiveUserInputCapability"},
			{Number: 5, Direction: Receive, UserInput: "dtmf", Name: "receiveUserInputCapability"},
			{Number: 6, Name: "receiveRTPAudioTelephonyEventCapability"},
		},
		Descriptors: []Descriptor{{Number: 1, Simultaneous: [][]int{{1, 2}, {3}, {4, 5, 6}}}},
	}
	lo := func(port uint16) netip.AddrPort { return netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), port) }
	want := map[string][]Message{
		"h323plus-separate": {
			h323plusTCS,
			MasterSlaveDetermination{TerminalType: 50, Number: 0xfe9c2d},
			h323plusTCS,
			MasterSlaveDetermination{TerminalType: 50, Number: 0xb6e8dc},
			TerminalCapabilitySetAck{Sequence: 1},
			TerminalCapabilitySetAck{Sequence: 1},
			MasterSlaveDeterminationAck{Master: true},
			MasterSlaveDeterminationAck{Master: false},
			OpenLogicalChannel{Number: 101, Forward: &Params{Audio: Audio{Codec: PCMA, Frames: 20, Name: "g711Alaw64k"}, H2250: true, SessionID: 1, MediaControlChannel: lo(5005)}},
			OpenLogicalChannel{Number: 101, Forward: &Params{Audio: Audio{Codec: PCMA, Frames: 20, Name: "g711Alaw64k"}, H2250: true, SessionID: 1, MediaControlChannel: lo(5007)}},
			OpenLogicalChannelAck{Number: 101, SessionID: 1, MediaChannel: lo(5006), MediaControlChannel: lo(5007)},
			OpenLogicalChannelAck{Number: 101, SessionID: 1, MediaChannel: lo(5004), MediaControlChannel: lo(5005)},
			UserInput{Alphanumeric: "1"},
			UserInput{Alphanumeric: "42"},
			EndSessionCommand{},
			EndSessionCommand{},
		},
	}
	for name, msgs := range want {
		vs := vectors(t, name)
		if len(vs) != len(msgs) {
			t.Fatalf("%s: %d vectors, want %d", name, len(vs), len(msgs))
		}
		for i, v := range vs {
			m, err := Decode(v.pdu)
			if err != nil {
				t.Fatalf("%s[%d] %x: %v", name, i, v.pdu, err)
			}
			if !reflect.DeepEqual(m, msgs[i]) {
				t.Errorf("%s[%d]:\n got %#v\nwant %#v", name, i, m, msgs[i])
			}
		}
	}
	// Every other capture decodes, into a typed message.
	for _, v := range vectors(t, "") {
		if strings.HasSuffix(v.name, "-faststart") {
			if _, err := DecodeOLC(v.pdu); err != nil {
				t.Errorf("%s %x: %v", v.name, v.pdu, err)
			}
			continue
		}
		m, err := Decode(v.pdu)
		if err != nil {
			t.Errorf("%s %x: %v", v.name, v.pdu, err)
			continue
		}
		if o, ok := m.(Other); ok {
			t.Errorf("%s %x: untyped %s", v.name, v.pdu, o.Kind)
		}
	}
}

// TestRoundTrip encodes every message this package builds and decodes it
// back unchanged.
func TestRoundTrip(t *testing.T) {
	v4 := netip.MustParseAddrPort("192.0.2.10:40000")
	v6 := netip.MustParseAddrPort("[2001:db8::1]:40001")
	pcma := Audio{Codec: PCMA, Frames: 20, Name: "g711Alaw64k"}
	pcmu := Audio{Codec: PCMU, Frames: 30, Name: "g711Ulaw64k"}
	for _, m := range []Message{
		MasterSlaveDetermination{TerminalType: 190, Number: 1<<24 - 1},
		MasterSlaveDeterminationAck{Master: true},
		MasterSlaveDeterminationAck{},
		MasterSlaveDeterminationReject{},
		MasterSlaveDeterminationRelease{},
		TerminalCapabilitySet{Sequence: 255,
			Table: []Capability{
				{Number: 1, Direction: Receive, Audio: &pcma, Name: "receiveAudioCapability"},
				{Number: 2, Direction: ReceiveAndTransmit, Audio: &pcmu, Name: "receiveAndTransmitAudioCapability"},
				{Number: 3, Direction: Transmit, UserInput: "dtmf", Name: "transmitUserInputCapability"},
			},
			Descriptors: []Descriptor{{Number: 0, Simultaneous: [][]int{{1, 2}, {3}}}}},
		TerminalCapabilitySet{Sequence: 2},
		TerminalCapabilitySetAck{Sequence: 7},
		TerminalCapabilitySetReject{Sequence: 7, Cause: "undefinedTableEntryUsed"},
		TerminalCapabilitySetRelease{},
		SendTerminalCapabilitySet{},
		OpenLogicalChannel{Number: 1, Forward: &Params{Audio: pcma, H2250: true, SessionID: 1, MediaControlChannel: v4}},
		OpenLogicalChannel{Number: 65535, Reverse: &Params{Audio: pcmu, H2250: true, SessionID: 1, MediaChannel: v6, MediaControlChannel: v4}},
		OpenLogicalChannelAck{Number: 3, SessionID: 1, MediaChannel: v6, MediaControlChannel: v4},
		OpenLogicalChannelAck{Number: 3},
		OpenLogicalChannelReject{Number: 3, Cause: "dataTypeNotSupported"},
		CloseLogicalChannel{Number: 4, LCSE: true},
		CloseLogicalChannel{Number: 4},
		CloseLogicalChannelAck{Number: 4},
		RequestChannelClose{Number: 5},
		RequestChannelCloseAck{Number: 5},
		RequestChannelCloseReject{Number: 5},
		EndSessionCommand{},
		RoundTripDelayRequest{Sequence: 9},
		RoundTripDelayResponse{Sequence: 9},
		UserInput{Alphanumeric: "123#"},
		UserInput{Signal: '#'},
		UserInput{Signal: 'D', Duration: 250 * time.Millisecond},
	} {
		b, err := Encode(m)
		if err != nil {
			t.Errorf("encode %#v: %v", m, err)
			continue
		}
		got, err := Decode(b)
		if err != nil {
			t.Errorf("decode %#v (%x): %v", m, b, err)
			continue
		}
		if !reflect.DeepEqual(got, m) {
			t.Errorf("round trip:\n got %#v\nwant %#v", got, m)
		}
	}
}

// TestEncodeRefuses checks that a message this package cannot build is an
// error, not a wrong encoding.
func TestEncodeRefuses(t *testing.T) {
	for _, m := range []Message{
		UserInput{},
		UserInput{Signal: 'x'},
		UserInput{Signal: '1', Alphanumeric: "1"},
		UserInput{Signal: '1', Duration: 70 * time.Second},
		OpenLogicalChannel{Number: 1, Forward: &Params{Audio: Audio{Name: "g729"}, H2250: true, SessionID: 1}},
		OpenLogicalChannel{Number: 1, Forward: &Params{Audio: Audio{Codec: PCMA, Frames: 0}, H2250: true, SessionID: 1}},
		OpenLogicalChannel{Number: 0, Forward: &Params{Audio: Audio{Codec: PCMA, Frames: 20}, H2250: true, SessionID: 1}},
		OpenLogicalChannelReject{Number: 1, Cause: "bogus"},
		TerminalCapabilitySetReject{Cause: "bogus"},
		TerminalCapabilitySet{Table: []Capability{{Number: 1, Direction: Receive, Name: "receiveVideoCapability"}}},
		TerminalCapabilitySet{Table: []Capability{{Number: 1, Audio: &Audio{Codec: PCMA, Frames: 20}}}},
		Other{Kind: "request.requestMode"},
	} {
		if b, err := Encode(m); err == nil {
			t.Errorf("Encode(%#v) = %x, want an error", m, b)
		}
	}
}

// TestDecodeRefuses checks that truncated and garbage PDUs are errors
// wrapping ErrMalformed.
func TestDecodeRefuses(t *testing.T) {
	for _, b := range [][]byte{
		nil,
		{0x03},
		{0x02, 0x70, 0x01},
		{0xff, 0xff, 0xff, 0xff},
	} {
		if m, err := Decode(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("Decode(%x) = %#v, %v; want ErrMalformed", b, m, err)
		}
	}
}

// TestDecodeUnknownExtensions decodes extension alternatives later than
// our module (a new message class, a new request) as Other, which a
// Session ignores.
func TestDecodeUnknownExtensions(t *testing.T) {
	for _, tc := range []struct {
		pdu  []byte
		kind string
	}{
		{[]byte{0x8a, 0x01, 0x00}, "unknown"},               // class extension 10
		{[]byte{0x12, 0x80, 0x01, 0x00}, "request.unknown"}, // request extension 20
	} {
		m, err := Decode(tc.pdu)
		if err != nil {
			t.Fatalf("%x: %v", tc.pdu, err)
		}
		if o, ok := m.(Other); !ok || o.Kind != tc.kind {
			t.Errorf("%x: %#v, want Other %s", tc.pdu, m, tc.kind)
		}
		out, ev, err := newSession(t, "192.0.2.1", 4000, nil).Handle(t0, tc.pdu)
		if len(out)+len(ev) != 0 || err != nil {
			t.Errorf("%x: handled as %x %#v %v", tc.pdu, out, ev, err)
		}
	}
}
