package h245

import (
	"encoding/binary"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/h323/per"
	"github.com/parleyhq/parley/internal/tsharkcheck"
)

// tpkt frames pdu as on an H.245 TCP connection (RFC 1006).
func tpkt(pdu []byte) []byte {
	return append(binary.BigEndian.AppendUint16([]byte{3, 0}, uint16(len(pdu)+4)), pdu...)
}

// TestWiresharkDecodesCaptures checks the harness: the captured H323Plus
// PDUs decode cleanly, and a truncated one does not.
func TestWiresharkDecodesCaptures(t *testing.T) {
	var msgs [][]byte
	for _, v := range vectors(t, "h323plus-separate") {
		msgs = append(msgs, tpkt(v.pdu))
	}
	if p := tsharkcheck.Problems(tsharkcheck.H245(t, msgs...)); len(p) > 0 {
		t.Errorf("tshark: %v", p)
	}
	if p := tsharkcheck.Problems(tsharkcheck.H245(t, tpkt(vectors(t, "h323plus-separate")[0].pdu[:20]))); len(p) == 0 {
		t.Error("tshark found nothing wrong with a truncated capability set")
	}
}

// TestWiresharkDecodesOurs writes every message a Session builds into a
// capture and checks that Wireshark's H.245 dissector decodes each without
// a malformed or expert mark, with the fields we meant.
func TestWiresharkDecodesOurs(t *testing.T) {
	s := newSession(t, "192.0.2.1", 4000, func(c *Config) { c.TerminalType = 190; c.Random = fixed(12345) })
	start, err := s.Start(t0)
	if err != nil {
		t.Fatal(err)
	}
	offer, err := newSession(t, "192.0.2.1", 4000, nil).OfferFastStart()
	if err != nil {
		t.Fatal(err)
	}
	ours, err := EncodeOLC(OpenLogicalChannel{Number: 7, Forward: &Params{Audio: Audio{Codec: PCMU, Frames: 20}, H2250: true, SessionID: 1, MediaControlChannel: s.cfg.RTCP}})
	if err != nil {
		t.Fatal(err)
	}
	// Fast-start elements are bare OpenLogicalChannels: wrap them as
	// requests for the dissector.
	var olcs []Message
	for _, b := range append(offer, ours) {
		m, err := DecodeOLC(b)
		if err != nil {
			t.Fatal(err)
		}
		olcs = append(olcs, m)
	}
	typ, _ := messageType()
	loop := wrap("request", "maintenanceLoopRequest", per.Seq{"type": per.Choice{Name: "systemLoop", Value: per.Null{}}})
	type check struct {
		msg  any // a Message, or the bytes of one
		want map[string]string
	}
	checks := []check{
		{start[0], map[string]string{"h245.request": "2", "h245.sequenceNumber": "1", "h245.g711Alaw64k": "20", "h245.g711Ulaw64k": "20", "h245.capabilityTableEntryNumber": "1,2,3,4,5", "h245.protocolIdentifier": "0.0.8.245.0.13"}},
		{start[1], map[string]string{"h245.request": "1", "h245.terminalType": "190", "h245.statusDeterminationNumber": "12345"}},
		{MasterSlaveDeterminationAck{Master: true}, map[string]string{"h245.response": "1", "h245.decision": "0"}},
		{MasterSlaveDeterminationAck{}, map[string]string{"h245.decision": "1"}},
		{MasterSlaveDeterminationReject{}, map[string]string{"h245.response": "2"}},
		{MasterSlaveDeterminationRelease{}, map[string]string{"h245.indication": "2"}},
		{TerminalCapabilitySetAck{Sequence: 3}, map[string]string{"h245.response": "3", "h245.sequenceNumber": "3"}},
		{TerminalCapabilitySetReject{Sequence: 3, Cause: "undefinedTableEntryUsed"}, map[string]string{"h245.response": "4", "h245.cause": "1"}},
		{TerminalCapabilitySetRelease{}, map[string]string{"h245.indication": "3"}},
		{SendTerminalCapabilitySet{}, map[string]string{"h245.command": "2"}},
		{olcs[0], map[string]string{"h245.forwardLogicalChannelNumber": "1", "h245.audioData": "1", "h245.g711Alaw64k": "20", "h245.sessionID": "1", "h245.ip4_network": "192.0.2.1", "h245.tsapIdentifier": "4001"}},
		{olcs[1], map[string]string{"h245.forwardLogicalChannelNumber": "2", "h245.dataType": "1,3", "h245.g711Alaw64k": "20", "h245.tsapIdentifier": "4000,4001"}},
		{olcs[2], map[string]string{"h245.forwardLogicalChannelNumber": "3", "h245.audioData": "3", "h245.g711Ulaw64k": "20"}},
		{olcs[3], map[string]string{"h245.forwardLogicalChannelNumber": "4", "h245.g711Ulaw64k": "20", "h245.tsapIdentifier": "4000,4001"}},
		{olcs[4], map[string]string{"h245.forwardLogicalChannelNumber": "7", "h245.g711Ulaw64k": "20"}},
		{OpenLogicalChannelAck{Number: 7, SessionID: 1, MediaChannel: s.cfg.RTP, MediaControlChannel: s.cfg.RTCP}, map[string]string{"h245.response": "5", "h245.forwardLogicalChannelNumber": "7", "h245.tsapIdentifier": "4000,4001", "h245.flowControlToZero": "0"}},
		{OpenLogicalChannelReject{Number: 7, Cause: "dataTypeNotSupported"}, map[string]string{"h245.response": "6", "h245.cause": "2"}},
		{CloseLogicalChannel{Number: 7}, map[string]string{"h245.request": "4", "h245.source": "0"}},
		{CloseLogicalChannel{Number: 7, LCSE: true}, map[string]string{"h245.source": "1"}},
		{CloseLogicalChannelAck{Number: 7}, map[string]string{"h245.response": "7", "h245.forwardLogicalChannelNumber": "7"}},
		{RequestChannelClose{Number: 7}, map[string]string{"h245.request": "5"}},
		{RequestChannelCloseAck{Number: 7}, map[string]string{"h245.response": "8"}},
		{RequestChannelCloseReject{Number: 7}, map[string]string{"h245.response": "9"}},
		{EndSessionCommand{}, map[string]string{"h245.command": "5", "h245.endSessionCommand": "1"}},
		{RoundTripDelayRequest{Sequence: 200}, map[string]string{"h245.request": "9", "h245.sequenceNumber": "200"}},
		{RoundTripDelayResponse{Sequence: 200}, map[string]string{"h245.response": "16", "h245.sequenceNumber": "200"}},
		{UserInput{Alphanumeric: "5"}, map[string]string{"h245.indication": "13", "h245.alphanumeric": "5"}},
		{UserInput{Signal: '#', Duration: 250 * time.Millisecond}, map[string]string{"h245.signalType": "#", "h245.duration": "250"}},
		{FunctionNotUnderstood{Kind: "request.maintenanceLoopRequest", of: loop}, map[string]string{"h245.indication": "1", "h245.functionNotUnderstood": "0"}},
	}
	var msgs [][]byte
	for _, c := range checks {
		b, ok := c.msg.([]byte)
		if !ok {
			m := c.msg.(Message)
			if b, err = Encode(m); err != nil {
				t.Fatalf("%#v: %v", m, err)
			}
		}
		if _, err := typ.Decode(b); err != nil {
			t.Fatalf("%x: %v", b, err)
		}
		msgs = append(msgs, tpkt(b))
	}
	frames := tsharkcheck.H245(t, msgs...)
	if p := tsharkcheck.Problems(frames); len(p) > 0 {
		t.Errorf("tshark: %v", p)
	}
	for i, f := range frames {
		for name, want := range checks[i].want {
			if got := strings.Join(f.Values(name), ","); got != want {
				t.Errorf("%d %#v: %s = %q, want %q", i, checks[i].msg, name, got, want)
			}
		}
	}
}
