package q931

import (
	"encoding/hex"
	"reflect"
	"testing"
)

// captured holds the Q.931 messages (TPKT header removed) of the public
// captures in /work/shared/testdata/h323: ndpi-h323.pcap (an OpenH323
// Callgen323 calling a 310i phone, and a call with sending complete at the
// end) and intel-setup-v1.pcap (an H.225.0 version 1 Setup), extracted with
// `tshark -r F -Y q931 -T fields -e tcp.payload`.
var captured = []struct {
	name string
	hex  string
}{
	{"ndpi-6-setup", "080277f40504038090a528086d2e6a656d6563007e00850520a8060008914a0004014006006d002e006a0065006d0065006322c00900003d1443616c6c67656e33323320706f67616373616d00000a302e39616c706861340000000a01061206b800f8fdf93ecd9ed6119ab2000476222017005d0d8007000a01038f80231100c0fef93ecd9ed6119ab2000476222017010001000100010002800100"},
	{"ndpi-10-callproceeding", "0802f7f4027e0034052180060008914a000322c0000000000333313069005200f0c01100c0fef93ecd9ed6119ab20004762220170100010008800100"},
	{"ndpi-14-alerting", "0802f7f4017e0034052380060008914a000322c000000000033331306900520150c01100c0fef93ecd9ed6119ab20004762220170100010008800100"},
	{"ndpi-18-connect", "0802f7f40728074d2e4a454d45437e004c0522c0060008914a0003000a01061204d022c0000000000333313069005200f8fdf93ecd9ed6119ab2000476222017170c001100c0fef93ecd9ed6119ab20004762220170100010008800100"},
	{"ndpi-47-setup", "0802000105040388c0a56c04018031377e00670520a8060008914a000301400e004100420049004c004900530020004300500058002000320030003000300080c0a8000106b8000000000000000000000000000000000000d10d8000110000000000000000000000000000000000010001000100010010800100"},
	{"ndpi-50-alerting", "08028001017e001f050380060008914a0002020120110000000000000000000000000000000000"},
	{"ndpi-65-setup", "080200010504039090a26c08c1353239353637327008c1393234363532367e00730520a8060008914a000401030085c89a5220ae01003d001102007a06b800003dfd3000004833800005040302010000cd0d800207001102007c06b81100004091fb7289f911802a050403020100010001000100010019017820140011696e666f406173656c73616e2e636f6d6f6d2810800100a1"},
	{"ndpi-66-releasecomplete", "080280015a7e00220525c0060008914a00045808110024ab157276fa18109a58001321f0699002800100"},
	{"intel-setup-v1", "080200d605040388c0a5280972657665696c6c65007e00db051018060008914a000122c0b500808014496e74656c20496e7465726e65742050686f6e650003312e300000014005007400770065006500620031008686d51506b800b3914efbe221d0118fa300aa00af38210100b5008080808072657665696c6c6540626f6775732e636f6d00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000687474703a2f2f6764616e6e65656c2e6a662e696e74656c2e636f6d2f6367692d62696e2f756c7331302e626174000000000000000000000000000000000000"},
}

func capturedMessage(t testing.TB, name string) []byte {
	t.Helper()
	for _, c := range captured {
		if c.name == name {
			b, err := hex.DecodeString(c.hex)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
	}
	t.Fatalf("no captured message %q", name)
	return nil
}

// TestDecodeCaptures checks every element of the real messages against
// what tshark shows for them, and that each re-encodes to a message that
// decodes to the same value.
func TestDecodeCaptures(t *testing.T) {
	tests := []struct {
		name  string
		want  Message
		uuLen int  // octets of H.225 payload
		same  bool // Encode gives the captured octets back
	}{
		{"ndpi-6-setup", Message{Type: Setup, CallRef: 0x77f4,
			BearerCapability: &BearerCapability{Transfer: TransferSpeech, Rate: Rate64k, Layer1: Layer1H221},
			Display:          "m.jemec"}, 0x84, false},
		{"ndpi-10-callproceeding", Message{Type: CallProceeding, CallRef: 0x77f4, CallRefFlag: true}, 0x33, true},
		{"ndpi-14-alerting", Message{Type: Alerting, CallRef: 0x77f4, CallRefFlag: true}, 0x33, true},
		{"ndpi-18-connect", Message{Type: Connect, CallRef: 0x77f4, CallRefFlag: true, Display: "M.JEMEC"}, 0x4b, true},
		{"ndpi-47-setup", Message{Type: Setup, CallRef: 1,
			BearerCapability:   &BearerCapability{Transfer: TransferUnrestrictedDigital, Mode: 2, Layer1: Layer1H221},
			CallingPartyNumber: &PartyNumber{Plan: PlanE164, WithPresentation: true, Digits: "17"}}, 0x66, true},
		{"ndpi-50-alerting", Message{Type: Alerting, CallRef: 1, CallRefFlag: true}, 0x1e, true},
		{"ndpi-65-setup", Message{Type: Setup, CallRef: 1, SendingComplete: true,
			BearerCapability:   &BearerCapability{Transfer: TransferAudio31, Rate: Rate64k, Layer1: Layer1G711Mu},
			CallingPartyNumber: &PartyNumber{Type: NumberSubscriber, Plan: PlanE164, Digits: "5295672"},
			CalledPartyNumber:  &PartyNumber{Type: NumberSubscriber, Plan: PlanE164, Digits: "9246526"}}, 0x72, false},
		{"ndpi-66-releasecomplete", Message{Type: ReleaseComplete, CallRef: 1, CallRefFlag: true}, 0x21, true},
		{"intel-setup-v1", Message{Type: Setup, CallRef: 0xd6,
			BearerCapability: &BearerCapability{Transfer: TransferUnrestrictedDigital, Mode: 2, Layer1: Layer1H221},
			Display:          "reveille"}, 0xda, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := capturedMessage(t, tt.name)
			m, err := Decode(raw)
			if err != nil {
				t.Fatal(err)
			}
			if len(m.UserUser) != tt.uuLen {
				t.Errorf("user-user payload of %d octets, want %d", len(m.UserUser), tt.uuLen)
			}
			got := *m
			got.UserUser = nil
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("decoded\n%+v\nwant\n%+v", got, tt.want)
			}
			enc, err := m.Encode()
			if err != nil {
				t.Fatal(err)
			}
			if tt.same && hex.EncodeToString(enc) != hex.EncodeToString(raw) {
				t.Errorf("re-encoded\n%x\nwant\n%x", enc, raw)
			}
			again, err := Decode(enc)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(again, m) {
				t.Errorf("re-encoding decodes to\n%+v\nwant\n%+v", again, m)
			}
		})
	}
}
