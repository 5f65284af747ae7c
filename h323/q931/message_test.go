package q931

import (
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func ptr[T any](v T) *T { return &v }

// TestRoundTrip encodes messages with every element and decodes them back.
func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		m    Message
		want string // hex of the encoding, when pinned
	}{
		{"setup", Message{Type: Setup, CallRef: 0x1234, SendingComplete: true,
			BearerCapability:   &BearerCapability{Transfer: TransferSpeech, Rate: Rate64k, Layer1: Layer1H221},
			Display:            "Parley",
			CallingPartyNumber: &PartyNumber{Type: NumberInternational, Plan: PlanE164, WithPresentation: true, Presentation: 1, Screening: 3, Digits: "3312345"},
			CalledPartyNumber:  &PartyNumber{Type: NumberUnknown, Plan: PlanE164, Digits: "100#"},
			UserUser:           []byte{0xaa, 0xbb}},
			"0802123405a1" + "04038090a5" + "2806506172" + "6c6579" + "6c0911a3" + hex.EncodeToString([]byte("3312345")) +
				"700581" + hex.EncodeToString([]byte("100#")) + "7e000305aabb"},
		{"release complete", Message{Type: ReleaseComplete, CallRef: 0x7fff, CallRefFlag: true,
			Cause: &Cause{Location: LocationPrivateLocal, Value: CauseNormalCallClearing, Diagnostic: []byte{1}}},
			"0802ffff5a" + "08038190" + "01"},
		{"status", Message{Type: Status, CallRef: 5, Cause: &Cause{Value: CauseMessageTypeNonexistent}, CallState: ptr(CallState(10))},
			"080200057d" + "080280e1" + "14010a"},
		{"progress and signal", Message{Type: Progress, CallRef: 1,
			ProgressIndicator: &ProgressIndicator{Location: LocationPublicRemote, Description: ProgressInbandAvailable},
			Signal:            ptr(SignalRingBack)},
			"0802000103" + "1e028488" + "340101"},
		{"information keypad", Message{Type: Information, CallRef: 9, KeypadFacility: "1234#"},
			"080200097b" + "2c05" + hex.EncodeToString([]byte("1234#"))},
		{"multirate bearer", Message{Type: Setup, CallRef: 2,
			BearerCapability: &BearerCapability{Transfer: TransferUnrestrictedDigital, Rate: RateMultirate, Multiplier: 6, Layer1: Layer1H221}},
			"0802000205" + "04048898" + "86a5"},
		{"others in order and codesets", Message{Type: Notify, CallRef: 3, Display: "x",
			Other: []IE{{ID: 0x27, Data: []byte{0x80}}, {ID: 0xa0}, {Codeset: 6, ID: 0x01, Data: []byte{7}}, {Codeset: 5, ID: 0xb1}}},
			"080200036e" + "a0" + "270180" + "280178" + "9e010107" + "9db1"},
		{"empty user-user payload", Message{Type: Facility, CallRef: 1, UserUser: []byte{}}, "0802000162" + "7e000105"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.m.Encode()
			if err != nil {
				t.Fatal(err)
			}
			if got := hex.EncodeToString(b); got != tt.want {
				t.Errorf("encoded\n%s\nwant\n%s", got, tt.want)
			}
			m, err := Decode(b)
			if err != nil {
				t.Fatal(err)
			}
			want := tt.m
			if len(want.Other) > 0 {
				// Encode moves single-octet codeset-0 elements first.
				want.Other = []IE{{ID: 0xa0}, {ID: 0x27, Data: []byte{0x80}}, {Codeset: 6, ID: 0x01, Data: []byte{7}}, {Codeset: 5, ID: 0xb1}}
			}
			if !reflect.DeepEqual(*m, want) {
				t.Errorf("decoded\n%+v\nwant\n%+v", *m, want)
			}
		})
	}
}

// TestDecodeAccepts covers the forms an old or unusual peer may send.
func TestDecodeAccepts(t *testing.T) {
	tests := []struct {
		name, hex string
		want      Message
	}{
		{"one-octet call reference", "0801857d", Message{Type: Status, CallRef: 5, CallRefFlag: true}},
		{"dummy call reference", "080075", Message{Type: StatusEnquiry}},
		{"unknown message type kept", "0802000140", Message{Type: 0x40, CallRef: 1}},
		{"locking shift", "0802000105" + "96" + "2801aa" + "7e01ff", Message{Type: Setup, CallRef: 1,
			Other: []IE{{Codeset: 6, ID: 0x28, Data: []byte{0xaa}}, {Codeset: 6, ID: 0x7e, Data: []byte{0xff}}}}},
		{"non-locking shift applies once", "0802000105" + "9f" + "280161" + "280162", Message{Type: Setup, CallRef: 1,
			Display: "b", Other: []IE{{Codeset: 7, ID: 0x28, Data: []byte{'a'}}}}},
		{"repeated element kept", "0802000103" + "1e028188" + "1e028182", Message{Type: Progress, CallRef: 1,
			ProgressIndicator: &ProgressIndicator{Location: 1, Description: 8}, Other: []IE{{ID: 0x1e, Data: []byte{0x81, 0x82}}}}},
		{"cause with recommendation and out-of-order elements", "080200015a" + "7e000105" + "0803028190", Message{Type: ReleaseComplete, CallRef: 1,
			Cause: &Cause{Location: 2, Value: 16}, UserUser: []byte{}}},
		{"display with NUL", "0802000107" + "28036869" + "00", Message{Type: Connect, CallRef: 1, Display: "hi"}},
		{"trailing shift", "080200010798", Message{Type: Connect, CallRef: 1}},
		{"repeated sending complete", "0802000105a1a1", Message{Type: Setup, CallRef: 1, SendingComplete: true, Other: []IE{{ID: 0xa1}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, _ := hex.DecodeString(tt.hex)
			m, err := Decode(b)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*m, tt.want) {
				t.Errorf("decoded\n%+v\nwant\n%+v", *m, tt.want)
			}
		})
	}
}

// TestDecodeErrors refuses every malformation with an error naming it.
func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name, hex, want string
	}{
		{"empty", "", "too short"},
		{"header only", "0802", "too short"},
		{"protocol discriminator", "0902000105", "protocol discriminator 0x09"},
		{"call reference length", "0803000000005", "call reference length"},
		{"call reference length high nibble", "0812000105", "call reference length"},
		{"truncated call reference", "080200", "truncated call reference"},
		{"escape message type", "0802000100", "message type 0x00"},
		{"message type bit 8", "0802000185", "message type 0x85"},
		{"truncated length", "080200010528", "element 0x28 at offset 0: truncated length"},
		{"truncated contents", "08020001052805616263", "length 5, only 3 octets left"},
		{"truncated user-user length", "0802000105" + "7e00", "element 0x7e at offset 0: truncated length"},
		{"user-user longer than message", "0802000105" + "7e010005", "length 256"},
		{"user-user discriminator", "0802000105" + "7e000108", "user-user: protocol discriminator 0x08"},
		{"user-user empty", "0802000105" + "7e0000", "user-user: no protocol discriminator"},
		{"bearer capability short", "0802000105" + "040180", "bearer capability: 1 octets"},
		{"bearer capability no octet 4", "0802000105" + "04020000", "bearer capability: no octet 4"},
		{"bearer capability multirate", "0802000105" + "04028898", "multirate without a rate multiplier"},
		{"cause short", "080200015a" + "080180", "cause: 1 octets"},
		{"cause no value", "080200015a" + "08020101", "cause: no cause value"},
		{"call state length", "080200017d" + "14020a0a", "call state: 2 octets"},
		{"progress length", "0802000103" + "1e0181", "progress indicator: 1 octets"},
		{"signal length", "0802000101" + "3400", "signal: 0 octets"},
		{"calling number empty", "0802000105" + "6c00", "calling party number: empty"},
		{"calling number octet 3a", "0802000105" + "6c0101", "calling party number: octet 3a missing"},
		{"called number not IA5", "0802000105" + "700381ff31", "called party number: octet 0xff at 0 is not IA5"},
		{"keypad not IA5", "080200017b" + "2c01b1", "keypad facility: octet 0xb1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, _ := hex.DecodeString(tt.hex)
			m, err := Decode(b)
			if err == nil {
				t.Fatalf("decoded %+v, want an error", m)
			}
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("error %v does not wrap ErrMalformed", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

// TestDecodeLimits refuses a message above MaxMessageSize and too many
// uninterpreted elements.
func TestDecodeLimits(t *testing.T) {
	big := append([]byte{8, 2, 0, 1, 5, 0x7e, 0xff, 0xfb, 5}, make([]byte, 0xfffa)...)
	if _, err := Decode(big); err == nil || !strings.Contains(err.Error(), "at most 65531") {
		t.Errorf("Decode of %d octets: %v", len(big), err)
	}
	many := []byte{8, 2, 0, 1, 5}
	for range maxOther + 1 {
		many = append(many, 0xa0)
	}
	if _, err := Decode(many); err == nil || !strings.Contains(err.Error(), "more than 64") {
		t.Errorf("Decode of %d unknown elements: %v", maxOther+1, err)
	}
}

// TestEncodeErrors refuses values the wire cannot carry, naming the field.
func TestEncodeErrors(t *testing.T) {
	tests := []struct {
		name string
		m    Message
		want string
	}{
		{"call reference", Message{Type: Setup, CallRef: 0x8000}, "call reference 0x8000"},
		{"message type", Message{Type: 0x85}, "message type 0x85"},
		{"no message type", Message{}, "message type 0x00"},
		{"bearer capability", Message{Type: Setup, BearerCapability: &BearerCapability{Layer1: 0x20}}, "bearer capability"},
		{"cause", Message{Type: ReleaseComplete, Cause: &Cause{Value: 0x80}}, "cause"},
		{"call state", Message{Type: Status, CallState: ptr(CallState(0x40))}, "call state 64"},
		{"progress", Message{Type: Progress, ProgressIndicator: &ProgressIndicator{Location: 0x10}}, "progress indicator"},
		{"calling number range", Message{Type: Setup, CallingPartyNumber: &PartyNumber{Type: 8}}, "calling party number"},
		{"called number digits", Message{Type: Setup, CalledPartyNumber: &PartyNumber{Digits: "12é"}}, "called party number: octet 0xc3 at 2"},
		{"keypad", Message{Type: Information, KeypadFacility: "ü"}, "keypad facility: octet 0xc3"},
		{"display length", Message{Type: Setup, Display: strings.Repeat("x", 256)}, "element 0x28: 256 octets, at most 255"},
		{"user-user length", Message{Type: Setup, UserUser: make([]byte, 0xffff)}, "user-user: 65536 octets"},
		{"other shift", Message{Type: Setup, Other: []IE{{ID: 0x96}}}, "a shift is not an element"},
		{"other codeset", Message{Type: Setup, Other: []IE{{Codeset: 8, ID: 1}}}, "codeset 8"},
		{"too large", Message{Type: Setup, UserUser: make([]byte, 0xfffe)}, "at most 65531"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.m.Encode()
			if err == nil {
				t.Fatalf("encoded %d octets, want an error", len(b))
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestMessageTypeString(t *testing.T) {
	for mt, want := range map[MessageType]string{Setup: "Setup", ReleaseComplete: "ReleaseComplete", 0x40: "MessageType(0x40)"} {
		if got := mt.String(); got != want {
			t.Errorf("%#x.String() = %q, want %q", uint8(mt), got, want)
		}
	}
}
