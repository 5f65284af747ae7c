package per_test

import (
	"testing"

	"github.com/parleyhq/parley/h323/per"
)

// Realistic H.225.0 and H.245 messages, as Parley's H.323 edge and the
// endpoints it talks to (H323Plus) send them, for the differential tests
// against Erlang (erlang_test.go).

// Module and type names of the messages.
const (
	h225Module = "H323-MESSAGES"
	h245Module = "MULTIMEDIA-SYSTEM-CONTROL"
	uuType     = "H323-UserInformation"
	h245Type   = "MultimediaSystemControlMessage"
	olcType    = "OpenLogicalChannel"
)

var (
	h225Proto  = per.OID{0, 0, 8, 2250, 0, 7}
	h245Proto  = per.OID{0, 0, 8, 245, 0, 13}
	confID     = []byte{0x3e, 0xcd, 0x9e, 0xd6, 0x11, 0x9a, 0xb2, 0x00, 0x04, 0x76, 0x22, 0x20, 0x17, 0x00, 0x5d, 0x0d}
	callID     = per.Seq{"guid": []byte{0xc0, 0xfe, 0xf9, 0x3e, 0xcd, 0x9e, 0xd6, 0x11, 0x9a, 0xb2, 0x00, 0x04, 0x76, 0x22, 0x20, 0x17}}
	null       = per.Null{}
	choiceNull = func(name string) per.Choice { return per.Choice{Name: name, Value: null} }
)

// ip225 is an H.225.0 TransportAddress.
func ip225(a, b, c, d byte, port int) per.Choice {
	return per.Choice{Name: "ipAddress", Value: per.Seq{"ip": []byte{a, b, c, d}, "port": port}}
}

// ip245 is an H.245 TransportAddress.
func ip245(a, b, c, d byte, port int) per.Choice {
	return per.Choice{Name: "unicastAddress", Value: per.Choice{Name: "iPAddress",
		Value: per.Seq{"network": []byte{a, b, c, d}, "tsapIdentifier": port}}}
}

// endpoint is an EndpointType: a terminal from a vendor.
func endpoint() per.Seq {
	return per.Seq{
		"vendor": per.Seq{
			"vendor":    per.Seq{"t35CountryCode": 9, "t35Extension": 0, "manufacturerCode": 61},
			"productId": []byte("Parley"),
			"versionId": []byte("1.0"),
		},
		"terminal":      per.Seq{},
		"mc":            false,
		"undefinedNode": false,
	}
}

// aliases has an AliasAddress of each kind.
func aliases() []any {
	return []any{
		per.Choice{Name: "dialedDigits", Value: "0049301234#*,"},
		per.Choice{Name: "h323-ID", Value: "Sitzungsraum Süd"},
		per.Choice{Name: "url-ID", Value: "h323:room@192.0.2.1"},
		per.Choice{Name: "transportID", Value: ip225(192, 0, 2, 1, 1720)},
		per.Choice{Name: "email-ID", Value: "room@example.com"},
		per.Choice{Name: "partyNumber", Value: per.Choice{Name: "e164Number", Value: per.Seq{
			"publicTypeOfNumber": choiceNull("internationalNumber"), "publicNumberDigits": "4930123456"}}},
		per.Choice{Name: "partyNumber", Value: per.Choice{Name: "privateNumber", Value: per.Seq{
			"privateTypeOfNumber": choiceNull("localNumber"), "privateNumberDigits": "1234"}}},
		per.Choice{Name: "mobileUIM", Value: per.Choice{Name: "gsm-uim", Value: per.Seq{
			"imsi": "262011234567890", "msisdn": "4917012345", "tmsi": []byte{1, 2, 3, 4}}}},
		per.Choice{Name: "mobileUIM", Value: per.Choice{Name: "ansi-41-uim", Value: per.Seq{
			"esn": "0123456789abc*#0", "system-id": per.Choice{Name: "sid", Value: "12"}}}},
		per.Choice{Name: "isupNumber", Value: per.Choice{Name: "e164Number", Value: per.Seq{
			"natureOfAddress": choiceNull("nationalNumber"), "address": "30123456ABCDE"}}},
	}
}

// uu wraps a message body in an H323-UserInformation.
func uu(body per.Choice, extra per.Seq) per.Seq {
	pdu := per.Seq{"h323-message-body": body, "h245Tunneling": true}
	for k, v := range extra {
		pdu[k] = v
	}
	return per.Seq{"h323-uu-pdu": pdu}
}

// callMaint are the mandatory extension additions most UUIEs end with.
func callMaint(s per.Seq) per.Seq {
	s["callIdentifier"] = callID
	s["multipleCalls"] = false
	s["maintainConnection"] = false
	return s
}

// olcTransmit proposes G.711 µ-law from us: our RTCP address.
func olcTransmit() per.Seq {
	return per.Seq{
		"forwardLogicalChannelNumber": 1,
		"forwardLogicalChannelParameters": per.Seq{
			"dataType": per.Choice{Name: "audioData", Value: per.Choice{Name: "g711Ulaw64k", Value: 20}},
			"multiplexParameters": per.Choice{Name: "h2250LogicalChannelParameters", Value: per.Seq{
				"sessionID":           1,
				"mediaControlChannel": ip245(192, 0, 2, 1, 5005),
				"silenceSuppression":  false,
			}},
		},
	}
}

// olcReceive proposes G.711 A-law to us (the fastStart receive proposal:
// null forward data, the reverse parameters carry our RTP address).
func olcReceive() per.Seq {
	return per.Seq{
		"forwardLogicalChannelNumber": 2,
		"forwardLogicalChannelParameters": per.Seq{
			"dataType":            choiceNull("nullData"),
			"multiplexParameters": choiceNull("none"),
		},
		"reverseLogicalChannelParameters": per.Seq{
			"dataType": per.Choice{Name: "audioData", Value: per.Choice{Name: "g711Alaw64k", Value: 20}},
			"multiplexParameters": per.Choice{Name: "h2250LogicalChannelParameters", Value: per.Seq{
				"sessionID":           1,
				"mediaChannel":        ip245(192, 0, 2, 1, 5004),
				"mediaControlChannel": ip245(192, 0, 2, 1, 5005),
				"mediaPacketization":  per.Choice{Name: "rtpPayloadType", Value: per.Seq{"payloadDescriptor": per.Choice{Name: "rfc-number", Value: 3551}, "payloadType": 8}},
			}},
		},
	}
}

func request(name string, v any) per.Choice {
	return per.Choice{Name: "request", Value: per.Choice{Name: name, Value: v}}
}

func response(name string, v any) per.Choice {
	return per.Choice{Name: "response", Value: per.Choice{Name: name, Value: v}}
}

// tcs is a TerminalCapabilitySet as an audio-only room system sends it.
func tcs() per.Choice {
	mp := per.Seq{"multicastCapability": false, "multiUniCastConference": false,
		"mediaDistributionCapability": []any{per.Seq{
			"centralizedControl": false, "distributedControl": false, "centralizedAudio": false,
			"distributedAudio": false, "centralizedVideo": false, "distributedVideo": false}}}
	entry := func(n int, c per.Choice) per.Seq {
		return per.Seq{"capabilityTableEntryNumber": n, "capability": c}
	}
	audio := func(codec string) per.Choice {
		return per.Choice{Name: "receiveAudioCapability", Value: per.Choice{Name: codec, Value: 20}}
	}
	return request("terminalCapabilitySet", per.Seq{
		"sequenceNumber":     1,
		"protocolIdentifier": h245Proto,
		"multiplexCapability": per.Choice{Name: "h2250Capability", Value: per.Seq{
			"maximumAudioDelayJitter":                60,
			"receiveMultipointCapability":            mp,
			"transmitMultipointCapability":           mp,
			"receiveAndTransmitMultipointCapability": mp,
			"mcCapability":                           per.Seq{"centralizedConferenceMC": false, "decentralizedConferenceMC": false},
			"rtcpVideoControlCapability":             false,
			"mediaPacketizationCapability":           per.Seq{"h261aVideoPacketization": false},
			"logicalChannelSwitchingCapability":      false,
			"t120DynamicPortCapability":              false,
		}},
		"capabilityTable": []any{
			entry(1, audio("g711Ulaw64k")),
			entry(2, audio("g711Alaw64k")),
			entry(3, per.Choice{Name: "receiveUserInputCapability", Value: choiceNull("basicString")}),
			entry(4, per.Choice{Name: "receiveUserInputCapability", Value: choiceNull("dtmf")}),
			entry(5, per.Choice{Name: "receiveRTPAudioTelephonyEventCapability", Value: per.Seq{
				"dynamicRTPPayloadType": 101, "audioTelephoneEvent": "0-16"}}),
		},
		"capabilityDescriptors": []any{per.Seq{
			"capabilityDescriptorNumber": 0,
			"simultaneousCapabilities":   []any{[]any{1, 2}, []any{3, 4, 5}},
		}},
	})
}

type message struct {
	name, module, typ string
	value             any
}

// messages are the H.225.0 and H.245 messages of a call, and the
// OpenLogicalChannel proposals fastStart carries.
func messages(t *testing.T) []message {
	enc := func(typ string, v any) []byte {
		t.Helper()
		ty, err := per.H323().Type(h245Module, typ)
		if err != nil {
			t.Fatal(err)
		}
		b, err := ty.Encode(v)
		if err != nil {
			t.Fatalf("encoding %s: %v", typ, err)
		}
		return b
	}
	fastStart := []any{enc(olcType, olcTransmit()), enc(olcType, olcReceive())}
	msd := request("masterSlaveDetermination", per.Seq{"terminalType": 50, "statusDeterminationNumber": 12345678})

	return []message{
		{"OLC transmit G.711", h245Module, olcType, olcTransmit()},
		{"OLC receive G.711", h245Module, olcType, olcReceive()},

		{"Setup", h225Module, uuType, uu(per.Choice{Name: "setup", Value: per.Seq{
			"protocolIdentifier":      h225Proto,
			"sourceAddress":           aliases(),
			"sourceInfo":              endpoint(),
			"destinationAddress":      []any{per.Choice{Name: "dialedDigits", Value: "100"}, per.Choice{Name: "h323-ID", Value: "room"}},
			"destCallSignalAddress":   ip225(192, 0, 2, 2, 1720),
			"activeMC":                false,
			"conferenceID":            confID,
			"conferenceGoal":          choiceNull("create"),
			"callType":                choiceNull("pointToPoint"),
			"sourceCallSignalAddress": ip225(192, 0, 2, 1, 1720),
			"callIdentifier":          callID,
			"fastStart":               fastStart,
			"mediaWaitForConnect":     false,
			"canOverlapSend":          false,
			"multipleCalls":           false,
			"maintainConnection":      false,
		}}, nil)},
		{"CallProceeding", h225Module, uuType, uu(per.Choice{Name: "callProceeding", Value: callMaint(per.Seq{
			"protocolIdentifier": h225Proto,
			"destinationInfo":    endpoint(),
		})}, nil)},
		{"Alerting", h225Module, uuType, uu(per.Choice{Name: "alerting", Value: callMaint(per.Seq{
			"protocolIdentifier": h225Proto,
			"destinationInfo":    endpoint(),
			"h245Address":        ip225(192, 0, 2, 2, 1731),
			"fastStart":          fastStart[1:],
		})}, nil)},
		{"Connect", h225Module, uuType, uu(per.Choice{Name: "connect", Value: callMaint(per.Seq{
			"protocolIdentifier": h225Proto,
			"h245Address":        ip225(192, 0, 2, 2, 1731),
			"destinationInfo":    endpoint(),
			"conferenceID":       confID,
			"fastStart":          fastStart,
			"connectedAddress":   []any{per.Choice{Name: "dialedDigits", Value: "100"}},
			"displayName":        []any{per.Seq{"name": "Parley conference"}, per.Seq{"language": "de", "name": "Parley-Konferenz"}},
		})}, nil)},
		{"ReleaseComplete", h225Module, uuType, uu(per.Choice{Name: "releaseComplete", Value: per.Seq{
			"protocolIdentifier": h225Proto,
			"reason":             choiceNull("destinationRejection"),
			"callIdentifier":     callID,
		}}, nil)},
		{"ReleaseComplete extension reason", h225Module, uuType, uu(per.Choice{Name: "releaseComplete", Value: per.Seq{
			"protocolIdentifier": h225Proto,
			"reason":             per.Choice{Name: "replaceWithConferenceInvite", Value: confID},
			"callIdentifier":     callID,
		}}, per.Seq{"h245Tunneling": false})},
		{"Facility empty with h245Control", h225Module, uuType, uu(choiceNull("empty"), per.Seq{
			"h245Control": []any{enc(h245Type, tcs()), enc(h245Type, msd)},
		})},
		{"Facility startH245", h225Module, uuType, uu(per.Choice{Name: "facility", Value: callMaint(per.Seq{
			"protocolIdentifier": h225Proto,
			"reason":             choiceNull("startH245"),
			"h245Address":        ip225(192, 0, 2, 2, 1731),
		})}, nil)},

		{"TerminalCapabilitySet", h245Module, h245Type, tcs()},
		{"TerminalCapabilitySetAck", h245Module, h245Type, response("terminalCapabilitySetAck", per.Seq{"sequenceNumber": 1})},
		{"MasterSlaveDetermination", h245Module, h245Type, msd},
		{"MasterSlaveDeterminationAck", h245Module, h245Type, response("masterSlaveDeterminationAck", per.Seq{"decision": choiceNull("slave")})},
		{"OpenLogicalChannel", h245Module, h245Type, request("openLogicalChannel", olcTransmit())},
		{"OpenLogicalChannelAck", h245Module, h245Type, response("openLogicalChannelAck", per.Seq{
			"forwardLogicalChannelNumber": 1,
			"forwardMultiplexAckParameters": per.Choice{Name: "h2250LogicalChannelAckParameters", Value: per.Seq{
				"sessionID":           1,
				"mediaChannel":        ip245(192, 0, 2, 2, 6000),
				"mediaControlChannel": ip245(192, 0, 2, 2, 6001),
				"flowControlToZero":   false,
			}},
		})},
		{"CloseLogicalChannel", h245Module, h245Type, request("closeLogicalChannel", per.Seq{
			"forwardLogicalChannelNumber": 1, "source": choiceNull("user"), "reason": choiceNull("unknown")})},
		{"CloseLogicalChannelAck", h245Module, h245Type, response("closeLogicalChannelAck", per.Seq{"forwardLogicalChannelNumber": 1})},
		{"EndSessionCommand", h245Module, h245Type, per.Choice{Name: "command", Value: per.Choice{Name: "endSessionCommand", Value: choiceNull("disconnect")}}},
		{"RoundTripDelayRequest", h245Module, h245Type, request("roundTripDelayRequest", per.Seq{"sequenceNumber": 7})},
		{"RoundTripDelayResponse", h245Module, h245Type, response("roundTripDelayResponse", per.Seq{"sequenceNumber": 7})},
		{"UserInputIndication alphanumeric", h245Module, h245Type, userInput(per.Choice{Name: "alphanumeric", Value: "1234#"})},
		{"UserInputIndication signal", h245Module, h245Type, userInput(per.Choice{Name: "signal", Value: per.Seq{
			"signalType": "#", "duration": 250}})},
		{"UserInputIndication signal with rtp", h245Module, h245Type, userInput(per.Choice{Name: "signal", Value: per.Seq{
			"signalType": "D", "duration": 65535,
			"rtp": per.Seq{"timestamp": int64(4294967295), "expirationTime": 0, "logicalChannelNumber": 1}}})},
		{"UserInputIndication signalUpdate", h245Module, h245Type, userInput(per.Choice{Name: "signalUpdate", Value: per.Seq{
			"duration": 1000, "rtp": per.Seq{"logicalChannelNumber": 1}}})},
	}
}

func userInput(c per.Choice) per.Choice {
	return per.Choice{Name: "indication", Value: per.Choice{Name: "userInput", Value: c}}
}
