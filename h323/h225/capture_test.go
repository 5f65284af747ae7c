package h225

import (
	"encoding/hex"
	"errors"
	"net/netip"
	"reflect"
	"testing"

	"github.com/parleyhq/parley/h323/q931"
)

// Real Q.931 messages (TPKT removed) of the public captures in
// /work/shared/testdata/h323, extracted with
// `tshark -r F -Y q931 -T fields -e tcp.payload`: ndpi-h323.pcap (an
// OpenH323 Callgen323 calling a 310i phone, version 4 and 3; and an
// Abilis CPX gateway) and intel-setup-v1.pcap (Intel Internet Phone,
// H.225.0 version 1). The fields expected are what tshark shows.
const (
	ndpiSetup           = "080277f40504038090a528086d2e6a656d6563007e00850520a8060008914a0004014006006d002e006a0065006d0065006322c00900003d1443616c6c67656e33323320706f67616373616d00000a302e39616c706861340000000a01061206b800f8fdf93ecd9ed6119ab2000476222017005d0d8007000a01038f80231100c0fef93ecd9ed6119ab2000476222017010001000100010002800100"
	ndpiCallProceeding  = "0802f7f4027e0034052180060008914a000322c0000000000333313069005200f0c01100c0fef93ecd9ed6119ab20004762220170100010008800100"
	ndpiAlerting        = "0802f7f4017e0034052380060008914a000322c000000000033331306900520150c01100c0fef93ecd9ed6119ab20004762220170100010008800100"
	ndpiConnect         = "0802f7f40728074d2e4a454d45437e004c0522c0060008914a0003000a01061204d022c0000000000333313069005200f8fdf93ecd9ed6119ab2000476222017170c001100c0fef93ecd9ed6119ab20004762220170100010008800100"
	ndpiAbilisSetup     = "0802000105040388c0a56c04018031377e00670520a8060008914a000301400e004100420049004c004900530020004300500058002000320030003000300080c0a8000106b8000000000000000000000000000000000000d10d8000110000000000000000000000000000000000010001000100010010800100"
	ndpiAbilisAlerting  = "08028001017e001f050380060008914a0002020120110000000000000000000000000000000000"
	ndpiMalformedSetup  = "080200010504039090a26c08c1353239353637327008c1393234363532367e00730520a8060008914a000401030085c89a5220ae01003d001102007a06b800003dfd3000004833800005040302010000cd0d800207001102007c06b81100004091fb7289f911802a050403020100010001000100010019017820140011696e666f406173656c73616e2e636f6d6f6d2810800100a1"
	ndpiReleaseComplete = "080280015a7e00220525c0060008914a00045808110024ab157276fa18109a58001321f0699002800100"
	intelSetupV1        = "080200d605040388c0a5280972657665696c6c65007e00db051018060008914a000122c0b500808014496e74656c20496e7465726e65742050686f6e650003312e300000014005007400770065006500620031008686d51506b800b3914efbe221d0118fa300aa00af38210100b5008080808072657665696c6c6540626f6775732e636f6d00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000687474703a2f2f6764616e6e65656c2e6a662e696e74656c2e636f6d2f6367692d62696e2f756c7331302e626174000000000000000000000000000000000000"
)

func guid(t testing.TB, s string) GUID {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 16 {
		t.Fatalf("bad GUID %q", s)
	}
	return GUID(b)
}

func TestUnpackCaptures(t *testing.T) {
	callgen := guid(t, "c0fef93ecd9ed6119ab2000476222017")
	phone := EndpointType{Terminal: true, Vendor: &Vendor{Product: "310i", Version: "R"}}
	tests := []struct {
		name string
		hex  string
		typ  q931.MessageType
		want Message
	}{
		{"callgen setup", ndpiSetup, q931.Setup, Message{Body: Setup, Version: 4, CallID: callgen,
			ConferenceID:          guid(t, "f8fdf93ecd9ed6119ab2000476222017"),
			Goal:                  GoalCreate,
			SourceAddress:         []Alias{{Kind: H323ID, Value: "m.jemec"}},
			Info:                  EndpointType{Terminal: true, Vendor: &Vendor{Country: 9, Manufacturer: 61, Product: "Callgen323 pogacsam", Version: "0.9alpha4"}},
			DestCallSignalAddress: netip.MustParseAddrPort("10.1.6.18:1720"), SourceCallSignalAddress: netip.MustParseAddrPort("10.1.3.143:32803")}},
		{"310i call proceeding", ndpiCallProceeding, q931.CallProceeding, Message{Body: CallProceeding, Version: 3, CallID: callgen, Info: phone}},
		{"310i alerting", ndpiAlerting, q931.Alerting, Message{Body: Alerting, Version: 3, CallID: callgen, Info: phone}},
		{"310i connect", ndpiConnect, q931.Connect, Message{Body: Connect, Version: 3, CallID: callgen, Info: phone,
			ConferenceID: guid(t, "f8fdf93ecd9ed6119ab2000476222017"), H245Address: netip.MustParseAddrPort("10.1.6.18:1232")}},
		{"abilis setup", ndpiAbilisSetup, q931.Setup, Message{Body: Setup, Version: 3, Goal: GoalCreate,
			SourceAddress:         []Alias{{Kind: H323ID, Value: "ABILIS CPX 2000"}},
			DestCallSignalAddress: netip.MustParseAddrPort("192.168.0.1:1720")}},
		{"abilis alerting", ndpiAbilisAlerting, q931.Alerting, Message{Body: Alerting, Version: 2, Info: EndpointType{Terminal: true}}},
		{"release complete", ndpiReleaseComplete, q931.ReleaseComplete, Message{Body: ReleaseComplete, Version: 4,
			CallID: guid(t, "24ab157276fa18109a58001321f06990"), Reason: ReasonUndefined}},
		{"intel version 1 setup", intelSetupV1, q931.Setup, Message{Body: Setup, Version: 1, Goal: GoalCreate,
			ConferenceID:          guid(t, "b3914efbe221d0118fa300aa00af3821"),
			DestinationAddress:    []Alias{{Kind: H323ID, Value: "tweeb1"}},
			Info:                  EndpointType{Terminal: true, Vendor: &Vendor{Country: 181, Manufacturer: 32896, Product: "Intel Internet Phone", Version: "1.0"}},
			DestCallSignalAddress: netip.MustParseAddrPort("134.134.213.21:1720")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, _ := hex.DecodeString(tt.hex)
			q, m, err := Unpack(b)
			if err != nil {
				t.Fatal(err)
			}
			if q.Type != tt.typ {
				t.Errorf("Q.931 %v, want %v", q.Type, tt.typ)
			}
			if !reflect.DeepEqual(m, tt.want) {
				t.Errorf("decoded\n%+v\nwant\n%+v", m, tt.want)
			}
		})
	}
}

// TestUnpackMalformedCapture is the Setup tshark marks malformed (its
// additionalSourceAddresses): Unpack refuses it but returns the Q.931
// message so the call reference can be answered.
func TestUnpackMalformedCapture(t *testing.T) {
	b, _ := hex.DecodeString(ndpiMalformedSetup)
	q, _, err := Unpack(b)
	if err == nil {
		t.Fatal("decoded, want an error")
	}
	t.Log(err)
	if q == nil || q.Type != q931.Setup || q.CallRef != 1 {
		t.Errorf("Q.931 part %+v, want the Setup with call reference 1", q)
	}
	if errors.Is(err, ErrNoUserUser) {
		t.Errorf("error %v, want a decoding error", err)
	}
}
