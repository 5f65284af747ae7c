package per

import (
	"bytes"
	"encoding/hex"
	"reflect"
	"strings"
	"testing"
)

// testModule exercises each X.691 rule on a small schema; the expected
// encodings in TestEncodings are derived by hand from X.691 (aligned).
const testModule = `
Test DEFINITIONS AUTOMATIC TAGS ::= BEGIN
Opt ::= SEQUENCE { a BOOLEAN, b INTEGER (0..7) OPTIONAL, ... }
Oct ::= SEQUENCE { a BOOLEAN, i INTEGER (0..255) }
Two ::= INTEGER (0..65535)
Stamp ::= SEQUENCE { a BOOLEAN, t INTEGER (1..4294967295) }
Semi ::= INTEGER (1..MAX)
Unc ::= INTEGER
Ext ::= INTEGER (0..16383, ...)
Neg ::= INTEGER (-262144..262143)
Ch ::= CHOICE { a NULL, b BOOLEAN, ..., c INTEGER (0..255) }
ChOld ::= CHOICE { a NULL, b BOOLEAN, ... }
Add ::= SEQUENCE { a BOOLEAN, ..., b BOOLEAN, c NULL OPTIONAL }
AddOld ::= SEQUENCE { a BOOLEAN, ... }
Grp ::= SEQUENCE { a BOOLEAN, ..., [[ b BOOLEAN, c INTEGER (0..3) OPTIONAL ]], d NULL OPTIONAL }
Digits ::= SEQUENCE { a BOOLEAN, s IA5String (SIZE (1..128)) (FROM ("0123456789#*,")) }
Bmp ::= SEQUENCE { a BOOLEAN, s BMPString (SIZE (1..256)) }
Fixed4 ::= SEQUENCE { a BOOLEAN, o OCTET STRING (SIZE (4)) }
Fixed2 ::= SEQUENCE { a BOOLEAN, o OCTET STRING (SIZE (2)), b BOOLEAN }
Var ::= SEQUENCE { a BOOLEAN, o OCTET STRING (SIZE (0..10)), b BOOLEAN }
Id ::= OBJECT IDENTIFIER
Ints ::= SEQUENCE SIZE (1..4) OF INTEGER (0..3)
Bits ::= SEQUENCE { a BOOLEAN, s BIT STRING (SIZE (0..10)), b BOOLEAN }
Enum ::= ENUMERATED { a (0), b (1), c (2), ... }
Octets ::= OCTET STRING
Num ::= SEQUENCE { a BOOLEAN, s NumericString (SIZE (1..3)), b BOOLEAN }
Sig ::= IA5String (SIZE (1) ^ FROM ("0123456789#*ABCD!"))
Gen ::= SEQUENCE { a BOOLEAN, s GeneralString, b BOOLEAN }
Print ::= PrintableString (SIZE (1..40))
Open ::= SEQUENCE { a BOOLEAN, t TYPE-IDENTIFIER.&Type (Ints) }
SizeExt ::= SEQUENCE (SIZE (1..2, ...)) OF BOOLEAN
Tree ::= SEQUENCE { kids SEQUENCE OF Tree OPTIONAL }
AnyBits ::= BIT STRING
Bools ::= SEQUENCE OF BOOLEAN
Text ::= IA5String
END
`

func testSchema(t testing.TB) *Schema {
	t.Helper()
	s, err := Parse([]byte(testModule))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustType(t testing.TB, s *Schema, module, name string) *Type {
	t.Helper()
	typ, err := s.Type(module, name)
	if err != nil {
		t.Fatal(err)
	}
	return typ
}

func TestEncodings(t *testing.T) {
	s := testSchema(t)
	big := bytes.Repeat([]byte{0xAB}, 200)
	frag := bytes.Repeat([]byte{0xCD}, 16384)
	for _, tc := range []struct {
		typ  string
		v    any
		want string
	}{
		// ext bit 0, presence 1, a=1, b=101 (3 bits).
		{"Opt", Seq{"a": true, "b": int64(5)}, "74"},
		{"Opt", Seq{"a": false}, "00"},
		// range 256: one aligned octet.
		{"Oct", Seq{"a": true, "i": int64(3)}, "8003"},
		// range 64K: two aligned octets.
		{"Two", int64(0x1234), "1234"},
		// range 2^32-1: 2-bit length (octets-1), aligned minimal octets.
		{"Stamp", Seq{"a": true, "t": int64(1)}, "8000"},
		{"Stamp", Seq{"a": true, "t": int64(256)}, "80ff"},
		{"Stamp", Seq{"a": true, "t": int64(257)}, "a00100"},
		{"Stamp", Seq{"a": true, "t": int64(4294967295)}, "e0fffffffe"},
		// semi-constrained: length octet, offset from the lower bound.
		{"Semi", int64(1), "0100"},
		{"Semi", int64(300), "02012b"},
		// unconstrained: length, two's complement.
		{"Unc", int64(-1), "01ff"},
		{"Unc", int64(128), "020080"},
		{"Unc", int64(-128), "0180"},
		// extensible: bit 0 and the root encoding, or bit 1 and unconstrained.
		{"Ext", int64(5), "000005"},
		{"Ext", int64(20000), "80024e20"},
		// range 524288 > 64K: 2-bit length then 3 octets.
		{"Neg", int64(0), "80040000"},
		{"Neg", int64(-262144), "0000"},
		// CHOICE: ext bit, 1-bit index; extension: small index then open type.
		{"Ch", Choice{"b", true}, "60"},
		{"Ch", Choice{"a", Null{}}, "00"},
		{"Ch", Choice{"c", int64(7)}, "800107"},
		// additions: bitmap length 2 (0000001), bitmap 11, each as an open
		// type, the empty ones as one zero octet.
		{"Add", Seq{"a": true, "b": false, "c": Null{}}, "c0e001000100"},
		{"Add", Seq{"a": true, "b": true}, "c0c00180"},
		{"AddOld", Seq{"a": true}, "40"},
		// a group is one addition, a SEQUENCE of its components.
		{"Grp", Seq{"a": true, "b": true, "c": int64(2)}, "c0c0" + "01e0"},
		{"Grp", Seq{"a": true, "b": false, "d": Null{}}, "c0e0" + "0100" + "0100"},
		// dialedDigits: 7-bit length, aligned 4-bit indexes in "#*,0..9".
		{"Digits", Seq{"a": true, "s": "12#"}, "824500"},
		{"Digits", Seq{"a": false, "s": "0"}, "0030"},
		// h323-ID: length-1 in an aligned octet (range 256), 16-bit chars.
		{"Bmp", Seq{"a": true, "s": "A"}, "80000041"},
		{"Bmp", Seq{"a": true, "s": "é€"}, "800100e920ac"},
		{"Fixed4", Seq{"a": true, "o": []byte{192, 168, 0, 1}}, "80c0a80001"},
		{"Fixed2", Seq{"a": true, "o": []byte{1, 2}, "b": true}, "808140"},
		{"Var", Seq{"a": true, "o": []byte{1}, "b": true}, "880180"},
		// an empty string adds no padding (X.691 10.9.3.3, as PTLib and Wireshark).
		{"Var", Seq{"a": true, "o": []byte{}, "b": true}, "84"},
		// H.225.0 protocolIdentifier 0.0.8.2250.0.7.
		{"Id", OID{0, 0, 8, 2250, 0, 7}, "060008914a0007"},
		{"Ints", []any{int64(1), int64(2), int64(3)}, "9b"},
		{"Bits", Seq{"a": true, "s": BitString{Bytes: []byte{0x80}, Len: 1}, "b": true}, "88c0"},
		{"Enum", "c", "40"},
		{"Octets", big, "80c8" + strings.Repeat("ab", 200)},
		{"Octets", frag, "c1" + strings.Repeat("cd", 16384) + "00"},
		// NumericString: 4-bit indexes of " 0123456789", 12 bits: unaligned.
		{"Num", Seq{"a": true, "s": "1", "b": true}, "85"},
		{"Num", Seq{"a": true, "s": "123", "b": true}, "c469"},
		// H.245 signalType: one 8-bit character (17 chars need 5 bits,
		// rounded to 8; '!'..'D' fits in 8 so the value itself).
		{"Sig", "#", "23"},
		{"Gen", Seq{"a": true, "s": "", "b": true}, "800080"},
		{"Print", "Hi", "0448" + "69"},
		{"Open", Seq{"a": true, "t": []byte{0x9b}}, "80019b"},
		{"SizeExt", []any{true}, "20"},
		{"SizeExt", []any{true, true, true}, "8003e0"},
	} {
		typ := mustType(t, s, "Test", tc.typ)
		got, err := typ.Encode(tc.v)
		if err != nil {
			t.Errorf("%s %v: %v", tc.typ, tc.v, err)
			continue
		}
		if hex.EncodeToString(got) != tc.want {
			t.Errorf("%s %v: encoded %x, want %s", tc.typ, tc.v, got, tc.want)
			continue
		}
		back, err := typ.Decode(got)
		if err != nil {
			t.Errorf("%s %x: decode: %v", tc.typ, got, err)
			continue
		}
		if !reflect.DeepEqual(back, tc.v) {
			t.Errorf("%s %x: decoded %#v, want %#v", tc.typ, got, back, tc.v)
		}
	}
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestFragments round-trips values long enough for X.691 10.9.3.8's 16K
// fragments and checks the fragment headers.
func TestFragments(t *testing.T) {
	s := testSchema(t)
	bits := BitString{Bytes: bytes.Repeat([]byte{0xA5}, 2049), Len: 16384 + 3}
	bits.Bytes[2048] &= 0xE0
	bools := make([]any, 16384*5+1)
	for i := range bools {
		bools[i] = i%3 == 0
	}
	for _, tc := range []struct {
		typ     string
		v       any
		headers map[int]byte // offset -> length octet expected there
	}{
		{"Octets", bytes.Repeat([]byte{1}, 16384+5), map[int]byte{0: 0xC1, 16385: 5}},
		{"Octets", bytes.Repeat([]byte{2}, 65536*2), map[int]byte{0: 0xC4, 65537: 0xC4, 131074: 0}},
		{"AnyBits", bits, map[int]byte{0: 0xC1, 2049: 3}},
		{"Bools", bools, map[int]byte{0: 0xC4, 8193: 0xC1, 10242: 1}},
		{"Text", strings.Repeat("x", 3*16384+200), map[int]byte{0: 0xC3, 49153: 0x80, 49154: 200}},
	} {
		typ := mustType(t, s, "Test", tc.typ)
		b, err := typ.Encode(tc.v)
		if err != nil {
			t.Fatalf("%s: %v", tc.typ, err)
		}
		for off, want := range tc.headers {
			if off >= len(b) || b[off] != want {
				t.Errorf("%s: octet %d of %d is not %#x", tc.typ, off, len(b), want)
			}
		}
		back, err := typ.Decode(b)
		if err != nil || !reflect.DeepEqual(back, tc.v) {
			t.Errorf("%s: round trip failed: %v", tc.typ, err)
		}
	}
}
