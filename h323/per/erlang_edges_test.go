package per_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/parleyhq/parley/h323/per"
	"github.com/parleyhq/parley/internal/erlper"
	"github.com/parleyhq/parley/internal/erlterm"
)

// TestErlangEdges runs the differential test of TestErlangDifferential on
// the corners of aligned PER the H.323 modules reach: lengths at and past
// the 16K fragment size, unconstrained and wide-range INTEGERs, an
// extensible range, empty strings behind a constrained length, BIT STRINGs
// of odd lengths, permitted alphabets, ENUMERATED, open types (H.235's
// SIGNED{EncodedGeneralToken}) and OBJECT IDENTIFIER arcs.
func TestErlangEdges(t *testing.T) {
	erl := erlper.Start(t)
	for _, e := range edges() {
		t.Run(e.name, func(t *testing.T) { checkErlang(t, erl, e.message, e.term, e.erlangBug == "") })
	}
}

const h235Module = "H235-SECURITY-MESSAGES"

type edge struct {
	message
	term      string // the value as an Erlang term where erlterm.Term cannot write it
	erlangBug string // why Erlang's encoder cannot be trusted with the value, if it cannot
}

// pattern is n bytes that are not all alike.
func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + 1)
	}
	return b
}

func edges() []edge {
	var out []edge
	add := func(name, module, typ string, v any) {
		out = append(out, edge{message: message{name, module, typ, v}})
	}
	for _, n := range []int{0, 1, 127, 128, 255, 256, 16383, 16384, 16385, 32768, 49152, 65536, 65537, 70000} {
		add(fmt.Sprintf("OCTET STRING of %d bytes", n), h225Module, "NonStandardParameter", per.Seq{
			"nonStandardIdentifier": per.Choice{Name: "object", Value: per.OID{0, 0, 8, 2250, 1}}, "data": pattern(n)})
	}
	for _, n := range []int{0, 1, 127, 128, 16383, 16384, 16385, 32769} {
		items := make([]any, n)
		for i := range items {
			items[i] = []byte{byte(i)}
		}
		add(fmt.Sprintf("SEQUENCE OF %d items", n), h225Module, "H323-UU-PDU", per.Seq{
			"h323-message-body": choiceNull("empty"), "h245Tunneling": true, "h245Control": items})
	}
	for _, n := range []int{0, 1, 7, 8, 9, 16383, 16384, 16385, 65539} {
		add(fmt.Sprintf("BIT STRING of %d bits", n), h235Module, "Element",
			per.Choice{Name: "bits", Value: per.BitString{Bytes: pattern((n + 7) / 8), Len: n}})
	}
	for _, s := range []string{"", "a", "Größe € ✓", strings.Repeat("Ω", 16385)} {
		add(fmt.Sprintf("BMPString of %d characters", len([]rune(s))), h235Module, "Element", per.Choice{Name: "name", Value: s})
	}
	for _, i := range []int64{0, 1, -1, 127, 128, 255, 256, -128, -129, 32767, -32768, 1 << 31, -(1 << 31) - 1, 1 << 62, math.MaxInt64, math.MinInt64} {
		add(fmt.Sprintf("INTEGER %d", i), h235Module, "Element", per.Choice{Name: "integer", Value: i})
	}
	for _, i := range []int64{1, 255, 256, 65535, 65536, 16777215, 16777216, 4294967295} {
		add(fmt.Sprintf("INTEGER (1..4294967295) %d", i), h235Module, "TimeStamp", i)
	}
	for _, i := range []int64{0, 1, 16777215} {
		add(fmt.Sprintf("INTEGER (0..16777215) %d", i), h245Module, "MasterSlaveDetermination",
			per.Seq{"terminalType": 255, "statusDeterminationNumber": i})
	}
	for _, i := range []int64{1, 96, 32768, 32769, 100000} {
		add(fmt.Sprintf("INTEGER (1..32768, ...) %d", i), h245Module, "RTPPayloadType",
			per.Seq{"payloadDescriptor": per.Choice{Name: "rfc-number", Value: i}, "payloadType": 127})
	}
	for _, i := range []int64{96, 127} {
		add(fmt.Sprintf("INTEGER (96..127) %d", i), h245Module, "AudioTelephonyEventCapability",
			per.Seq{"dynamicRTPPayloadType": i, "audioTelephoneEvent": ""})
	}
	for _, s := range []string{"", "h", strings.Repeat("h", 512)} {
		add(fmt.Sprintf("IA5String (SIZE(0..512)) of %d", len(s)), h225Module, "ServiceControlDescriptor", per.Choice{Name: "url", Value: s})
	}
	for _, s := range []string{"", "0", "0123 4567 89", strings.Repeat("9", 40)} {
		add(fmt.Sprintf("NumericString (SIZE(0..40)) of %d", len(s)), h245Module, "DialingInformationNumber", per.Seq{
			"networkAddress": s, "subAddress": "x", "networkType": []any{choiceNull("n-isdn"), choiceNull("mobile")}})
	}
	add("NumericString (SIZE(1..16))", h245Module, "Q2931Address", per.Seq{
		"address": per.Choice{Name: "internationalNumber", Value: "4930123456789012"}})
	add("PrintableString", h225Module, "RTPSession", per.Seq{
		"rtpAddress": per.Seq{"recvAddress": ip225(192, 0, 2, 1, 5004)}, "rtcpAddress": per.Seq{},
		"cname": "Parley (room 1) +49/30:=?", "ssrc": int64(4294967295), "sessionId": 1, "associatedSessionIds": []any{2, 255}})
	for _, n := range []int{0, 1, 2047, 2048} {
		add(fmt.Sprintf("BIT STRING (SIZE(0..2048)) of %d", n), h235Module, "DHset", per.Seq{
			"halfkey": per.BitString{Bytes: pattern((n + 7) / 8), Len: n}, "modSize": per.BitString{}, "generator": per.BitString{Bytes: []byte{0x80}, Len: 1}})
	}
	add("BIT STRING (SIZE(0..511)) empty and full", h235Module, "ECpoint", per.Seq{
		"x": per.BitString{}, "y": per.BitString{Bytes: pattern(64), Len: 511}})
	for _, n := range []int{1, 2048} {
		add(fmt.Sprintf("BIT STRING (SIZE(1..2048)) of %d", n), h235Module, "H235Key",
			per.Choice{Name: "secureChannel", Value: per.BitString{Bytes: pattern((n + 7) / 8), Len: n}})
	}
	add("BIT STRING (SIZE(32))", h225Module, "EndpointType", per.Seq{"mc": false, "undefinedNode": true,
		"set": per.BitString{Bytes: []byte{0x80, 0, 0, 1}, Len: 32}})
	for _, n := range []int{3, 4} {
		add(fmt.Sprintf("OCTET STRING (SIZE(3..4)) of %d", n), h225Module, "CarrierInfo", per.Seq{
			"carrierIdentificationCode": pattern(n), "carrierName": "c"})
	}
	for _, o := range []per.OID{{0, 0}, {0, 39}, {1, 39}, {2, 40}, {1, 2, 840, 113549, 1, 1}, {2, 999, 4294967295}} {
		add(fmt.Sprintf("OBJECT IDENTIFIER %v", o), h225Module, "ProtocolIdentifier", o)
	}
	add("EndSessionCommand extension alternative", h245Module, "EndSessionCommand",
		per.Choice{Name: "isdnOptions", Value: choiceNull("terminalOnHold")})
	out = append(out, edge{message: message{"Setup-UUIE with hopCount", h225Module, "Setup-UUIE", setupLast()},
		// OTP 25.2.3 (Debian 12's erlang-asn1), -bper +maps: a Setup-UUIE
		// with hopCount (its 40th component) encodes to hopCount's own
		// octet alone, e.g. <<16#20>> for 5, and fails to decode.
		erlangBug: "encodes Setup-UUIE.hopCount as the whole message"})
	add("Setup-UUIE with the last addition", h225Module, "Setup-UUIE", setupLast(func(s per.Seq) { delete(s, "hopCount") }))
	add("ClearToken with every root component and additions", h235Module, "ClearToken", clearToken())
	// Erlang takes (and gives) the open type TYPE-IDENTIFIER.&Type
	// (ClearToken) as the ClearToken's value, Go as its encoding.
	signed := func(toBeSigned any) per.Choice {
		return per.Choice{Name: "cryptoSignedToken", Value: per.Seq{"tokenOID": per.OID{0, 0, 8, 235, 0, 3, 1}, "token": per.Seq{
			"toBeSigned":   toBeSigned,
			"algorithmOID": per.OID{1, 2, 840, 113549, 1, 1, 5},
			"paramS":       per.Seq{},
			"signature":    per.BitString{Bytes: pattern(128), Len: 1024},
		}}}
	}
	term, err := erlterm.Term(signed(clearToken()))
	if err != nil {
		panic(err)
	}
	out = append(out, edge{message: message{"CryptoToken SIGNED{EncodedGeneralToken} (an open type)", h235Module, "CryptoToken",
		signed(encode(h235Module, "ClearToken", clearToken()))}, term: term})
	for _, s := range []string{"userProvidedNotScreened", "userProvidedVerifiedAndPassed", "userProvidedVerifiedAndFailed", "networkProvided"} {
		out = append(out, edge{
			message: message{"ENUMERATED " + s, h225Module, "ExtendedAliasAddress", per.Seq{
				"address": per.Choice{Name: "dialedDigits", Value: "1"}, "screeningIndicator": s}},
			term: fmt.Sprintf("#{address=>{dialedDigits,\"1\"},screeningIndicator=>%s}", s),
		})
	}
	return out
}

// encode is Go's encoding of v, for values whose encoding goes inside
// another (open types); it panics on an error, which the outer test then
// reports as a panic.
func encode(module, typ string, v any) []byte {
	ty, err := per.H323().Type(module, typ)
	if err != nil {
		panic(err)
	}
	b, err := ty.Encode(v)
	if err != nil {
		panic(err)
	}
	return b
}

// setupLast is a Setup-UUIE with the mandatory additions and the last two
// optional ones (hopCount, displayName): the longest extension bit-map.
// edit changes it.
func setupLast(edit ...func(per.Seq)) per.Seq {
	s := per.Seq{
		"protocolIdentifier":  h225Proto,
		"sourceInfo":          per.Seq{"mc": false, "undefinedNode": false},
		"activeMC":            true,
		"conferenceID":        confID,
		"conferenceGoal":      choiceNull("callIndependentSupplementaryService"),
		"callType":            choiceNull("nToN"),
		"callIdentifier":      callID,
		"mediaWaitForConnect": true,
		"canOverlapSend":      true,
		"multipleCalls":       true,
		"maintainConnection":  true,
		"hopCount":            31,
		"displayName":         []any{per.Seq{"name": strings.Repeat("n", 80)}},
	}
	for _, e := range edit {
		e(s)
	}
	return s
}

// clearToken is an H.235 ClearToken with every root component.
func clearToken() per.Seq {
	return per.Seq{
		"tokenOID":  per.OID{0, 0, 8, 235, 0, 2, 5},
		"timeStamp": int64(1765000000),
		"password":  "pässwörd",
		"dhkey": per.Seq{"halfkey": per.BitString{Bytes: pattern(128), Len: 1024},
			"modSize": per.BitString{Bytes: pattern(128), Len: 1024}, "generator": per.BitString{Bytes: []byte{2}, Len: 8}},
		"challenge":   pattern(8),
		"random":      int64(-123456789),
		"certificate": per.Seq{"type": per.OID{1, 2, 3}, "certificate": pattern(300)},
		"generalID":   "gk.example",
		"nonStandard": per.Seq{"nonStandardIdentifier": per.OID{1, 2}, "data": []byte{}},
		"sendersID":   "ep",
		"h235Key":     per.Choice{Name: "secureChannel", Value: per.BitString{Bytes: pattern(16), Len: 128}},
		"profileInfo": []any{
			per.Seq{"elementID": 0, "element": per.Choice{Name: "integer", Value: -5}},
			per.Seq{"elementID": 255, "paramS": per.Seq{"ranInt": 7, "iv8": pattern(8), "iv16": pattern(16), "iv": []byte{}, "clearSalt": pattern(3)},
				"element": per.Choice{Name: "flag", Value: true}},
		},
	}
}
