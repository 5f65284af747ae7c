package h225

import (
	"errors"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/parleyhq/parley/h323/per"
)

var (
	testCallID = GUID{0x10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}
	testConfID = GUID{0x20, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}
)

// openLogicalChannel returns an encoded H.245 OpenLogicalChannel for a
// G.711 A-law channel to RTCP port rtcp, as fastStart carries.
func openLogicalChannel(t testing.TB, rtcp int) []byte {
	t.Helper()
	typ, err := per.H323().Type("MULTIMEDIA-SYSTEM-CONTROL", "OpenLogicalChannel")
	if err != nil {
		t.Fatal(err)
	}
	b, err := typ.Encode(per.Seq{
		"forwardLogicalChannelNumber": 1,
		"forwardLogicalChannelParameters": per.Seq{
			"dataType": per.Choice{Name: "audioData", Value: per.Choice{Name: "g711Alaw64k", Value: 20}},
			"multiplexParameters": per.Choice{Name: "h2250LogicalChannelParameters", Value: per.Seq{
				"sessionID": 1,
				"mediaControlChannel": per.Choice{Name: "unicastAddress", Value: per.Choice{Name: "iPAddress", Value: per.Seq{
					"network": []byte{192, 0, 2, 1}, "tsapIdentifier": rtcp}}},
			}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// masterSlaveDetermination returns an encoded H.245
// MultimediaSystemControlMessage, as h245Control carries.
func masterSlaveDetermination(t testing.TB) []byte {
	t.Helper()
	typ, err := per.H323().Type("MULTIMEDIA-SYSTEM-CONTROL", "MultimediaSystemControlMessage")
	if err != nil {
		t.Fatal(err)
	}
	b, err := typ.Encode(per.Choice{Name: "request", Value: per.Choice{Name: "masterSlaveDetermination", Value: per.Seq{
		"terminalType": 190, "statusDeterminationNumber": 12345}}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// messages returns one message of each body Parley sends, with every
// field the body has.
func messages(t testing.TB) map[string]Message {
	olc := [][]byte{openLogicalChannel(t, 5001), openLogicalChannel(t, 5003)}
	info := EndpointType{MCU: true, Vendor: ParleyVendor("1.0")}
	return map[string]Message{
		"setup": {Body: Setup, Version: Version, CallID: testCallID, ConferenceID: testConfID, Goal: GoalCreate,
			SourceAddress: []Alias{{Kind: H323ID, Value: "Parley Café"}, {Kind: DialedDigits, Value: "100#"}},
			DestinationAddress: []Alias{{Kind: DialedDigits, Value: "2001"}, {Kind: URLID, Value: "h323:room@example.org"},
				{Kind: TransportID, Address: netip.MustParseAddrPort("192.0.2.9:1720")}, {Kind: EmailID, Value: "a@example.org"},
				{Kind: PartyNumber, Value: "4420"}},
			Info:                    EndpointType{Terminal: true, Vendor: ParleyVendor("1.0")},
			DestCallSignalAddress:   netip.MustParseAddrPort("192.0.2.9:1720"),
			SourceCallSignalAddress: netip.MustParseAddrPort("[2001:db8::1]:40000"),
			MediaWaitForConnect:     true, CanOverlapSend: true,
			FastStart: olc, H245Tunneling: true, H245Control: [][]byte{masterSlaveDetermination(t)}},
		"callProceeding": {Body: CallProceeding, Version: Version, CallID: testCallID, Info: info, H245Tunneling: true},
		"alerting":       {Body: Alerting, Version: Version, CallID: testCallID, Info: info, FastStart: olc[:1], H245Tunneling: true},
		"connect": {Body: Connect, Version: Version, CallID: testCallID, ConferenceID: testConfID, Info: info,
			H245Address: netip.MustParseAddrPort("192.0.2.1:30000"), FastStart: olc[1:], H245Tunneling: true},
		"progress":        {Body: Progress, Version: Version, CallID: testCallID, Info: EndpointType{Gateway: true}},
		"information":     {Body: Information, Version: Version, CallID: testCallID},
		"releaseComplete": {Body: ReleaseComplete, Version: Version, CallID: testCallID, Reason: ReasonInConf},
		"facility": {Body: Facility, Version: Version, CallID: testCallID, ConferenceID: testConfID,
			FacilityReason: FacilityStartH245, H245Address: netip.MustParseAddrPort("192.0.2.1:30001")},
		"facilityForwarded": {Body: Facility, Version: Version, CallID: testCallID, FacilityReason: FacilityForwardedElements},
		"empty":             {Body: Empty, H245Tunneling: true, H245Control: [][]byte{masterSlaveDetermination(t)}},
		"status":            {Body: Status, Version: Version, CallID: testCallID},
		"statusInquiry":     {Body: StatusInquiry, Version: Version, CallID: testCallID},
		"notify":            {Body: Notify, Version: Version, CallID: testCallID},
	}
}

func TestRoundTrip(t *testing.T) {
	for name, m := range messages(t) {
		t.Run(name, func(t *testing.T) {
			b, err := Encode(m)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Decode(b)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, m) {
				t.Errorf("decoded\n%+v\nwant\n%+v", got, m)
			}
		})
	}
}

// TestEncodeDefaults checks what a zero field sends.
func TestEncodeDefaults(t *testing.T) {
	b, err := Encode(Message{Body: Setup, CallID: testCallID, ConferenceID: testConfID})
	if err != nil {
		t.Fatal(err)
	}
	m, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if m.Goal != GoalCreate || m.Version != Version {
		t.Errorf("zero Goal and Version sent as %q, %d; want create, %d", m.Goal, m.Version, Version)
	}
	b, err = Encode(Message{Body: Facility, CallID: testCallID})
	if err != nil {
		t.Fatal(err)
	}
	if m, err = Decode(b); err != nil || m.FacilityReason != FacilityUndefined {
		t.Errorf("zero FacilityReason sent as %q (%v), want undefinedReason", m.FacilityReason, err)
	}
}

func TestEncodeErrors(t *testing.T) {
	tests := []struct {
		name string
		m    Message
		want string
	}{
		{"unknown body", Message{Body: "hello", CallID: testCallID}, `unknown body "hello"`},
		{"no call identifier", Message{Body: Alerting}, "Alerting-UUIE.callIdentifier: zero GUID"},
		{"setup conference", Message{Body: Setup, CallID: testCallID}, "Setup-UUIE.conferenceID: zero GUID"},
		{"connect conference", Message{Body: Connect, CallID: testCallID}, "Connect-UUIE.conferenceID: zero GUID"},
		{"alias kind", Message{Body: Setup, CallID: testCallID, ConferenceID: testConfID,
			SourceAddress: []Alias{{Kind: "fax"}}}, `Setup-UUIE.sourceAddress[0]: unknown alias kind "fax"`},
		{"transport alias", Message{Body: Setup, CallID: testCallID, ConferenceID: testConfID,
			DestinationAddress: []Alias{{Kind: TransportID}}}, "Setup-UUIE.destinationAddress[0]: transportID: no address"},
		{"dialed digits alphabet", Message{Body: Setup, CallID: testCallID, ConferenceID: testConfID,
			DestinationAddress: []Alias{{Kind: DialedDigits, Value: "12a"}}}, "dialedDigits"},
		{"empty h323-ID", Message{Body: Setup, CallID: testCallID, ConferenceID: testConfID,
			SourceAddress: []Alias{{Kind: H323ID}}}, "h323-ID"},
		{"release reason", Message{Body: ReleaseComplete, CallID: testCallID, Reason: "tired"}, "reason"},
		{"facility reason", Message{Body: Facility, CallID: testCallID, FacilityReason: "bored"}, "reason"},
		{"goal", Message{Body: Setup, CallID: testCallID, ConferenceID: testConfID, Goal: "win"}, "conferenceGoal"},
		{"product length", Message{Body: Alerting, CallID: testCallID,
			Info: EndpointType{Vendor: &Vendor{Product: strings.Repeat("p", 257)}}}, "productId"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Encode(tt.m)
			if err == nil {
				t.Fatalf("encoded %x, want an error", b)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	encode := func(v any) []byte {
		typ, err := userInformation()
		if err != nil {
			t.Fatal(err)
		}
		b, err := typ.Encode(v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	pdu := func(body per.Choice) per.Seq {
		return per.Seq{"h323-uu-pdu": per.Seq{"h323-message-body": body, "h245Tunneling": false}}
	}
	uuie := func(version uint32) per.Seq {
		return per.Seq{"protocolIdentifier": per.OID{0, 0, 8, 2250, 0, version}, "callIdentifier": per.Seq{"guid": testCallID[:]}}
	}
	tests := []struct {
		name string
		b    []byte
		want string
		is   error
	}{
		{"empty", nil, "H323-UserInformation", nil},
		{"truncated", encode(pdu(per.Choice{Name: "status", Value: uuie(7)}))[:5], "H323-UserInformation", nil},
		{"version 9", encode(pdu(per.Choice{Name: "status", Value: uuie(9)})), "Status-UUIE.protocolIdentifier 0.0.8.2250.0.9", ErrVersion},
		{"version 0", encode(pdu(per.Choice{Name: "statusInquiry", Value: uuie(0)})), "StatusInquiry-UUIE.protocolIdentifier 0.0.8.2250.0.0", ErrVersion},
		{"not H.225.0", encode(pdu(per.Choice{Name: "notify", Value: per.Seq{"protocolIdentifier": per.OID{0, 0, 8, 245, 0, 7},
			"callIdentifier": per.Seq{"guid": testCallID[:]}}})), "Notify-UUIE.protocolIdentifier 0.0.8.245.0.7", ErrVersion},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Decode(tt.b)
			if err == nil {
				t.Fatalf("decoded %+v, want an error", m)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want it to contain %q", err, tt.want)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v does not wrap %v", err, tt.is)
			}
		})
	}
}
