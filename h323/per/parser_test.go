package per

import (
	"encoding/hex"
	"strings"
	"testing"
)

const parserModuleA = `
-- a leading comment
A DEFINITIONS AUTOMATIC TAGS ::= BEGIN
EXPORTS ALL;
IMPORTS Wrap{}, Small FROM B { itu-t 0 };
maxV INTEGER ::= 5
W ::= Wrap { INTEGER (0..3) }
R ::= SEQUENCE { a BOOLEAN, ..., b BOOLEAN, ..., c BOOLEAN }
E ::= ENUMERATED { z (5), y (1), x }
D ::= SEQUENCE { a INTEGER (0..3) DEFAULT 1, b BOOLEAN }
C ::= INTEGER -- an inline comment -- (0..7) /* and
a block one */
S1 ::= SEQUENCE SIZE (2) OF Small
S2 ::= SEQUENCE (SIZE (0..1)) OF SEQUENCE { x Small }
N ::= Small (0..1)
O ::= TYPE-IDENTIFIER.&Type (Small)
K ::= SEQUENCE { a BOOLEAN } (WITH COMPONENTS { ..., a PRESENT })
T ::= [0] IMPLICIT BOOLEAN
U ::= PrintableString (FROM ("a".."c" | "z")) (SIZE (1..2, ...))
V ::= IA5String (FROM ("ab"), ...)
END`

const parserModuleB = `
B DEFINITIONS AUTOMATIC TAGS ::= BEGIN
Wrap { T } ::= SEQUENCE { v T, n BOOLEAN } (CONSTRAINED BY { -- checked elsewhere -- T })
Small ::= INTEGER (0..7)
END`

func TestParseConstructs(t *testing.T) {
	s, err := Parse([]byte(parserModuleA), []byte(parserModuleB))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		typ  string
		v    any
		want string
	}{
		{"W", Seq{"v": int64(2), "n": true}, "a0"}, // 10 1
		{"R", Seq{"a": true, "c": false}, "40"},    // ext 0, a, c (root after the 2nd marker)
		{"E", "z", "80"},                           // x(0) y(1) z(5): index 2
		{"E", "x", "00"},                           //
		{"D", Seq{"b": true}, "40"},                // DEFAULT is OPTIONAL in the bitmap
		{"C", int64(5), "a0"},                      // the constraint after the comment counts
		{"S1", []any{int64(1), int64(2)}, "28"},    // fixed size: no length; 001 010
		{"S2", []any{Seq{"x": int64(7)}}, "f0"},    // 1-bit length, 111
		{"N", int64(1), "80"},                      // Small narrowed to 0..1: 1 bit
		{"O", []byte{0x20}, "0120"},                // open type
		{"K", Seq{"a": true}, "80"},                // WITH COMPONENTS ignored
		{"T", true, "80"},                          // tags ignored
		{"U", "cz", "6c"},                          // ext 0, 1-bit length, 2-bit indexes of "abcz"
		{"U", "abc", "800318"},                     // outside the root: unconstrained length
	} {
		typ := mustType(t, s, "A", tc.typ)
		got, err := typ.Encode(tc.v)
		if err != nil {
			t.Errorf("%s: %v", tc.typ, err)
			continue
		}
		if hex.EncodeToString(got) != tc.want {
			t.Errorf("%s %v: %x, want %s", tc.typ, tc.v, got, tc.want)
		}
		if _, err := typ.Decode(got); err != nil {
			t.Errorf("%s: decode: %v", tc.typ, err)
		}
	}
	if _, err := s.Type("A", "Nope"); err == nil {
		t.Error("Type found an undefined type")
	}
	if _, err := s.Type("Z", "W"); err == nil {
		t.Error("Type found an undefined module")
	}
}

func TestParseErrors(t *testing.T) {
	mod := func(body string) string {
		return "M DEFINITIONS AUTOMATIC TAGS ::= BEGIN\n" + body + "\nEND"
	}
	for _, tc := range []struct {
		name string
		text []string
		want string
	}{
		{"undefined type", []string{mod("A ::= SEQUENCE { b Missing }")}, "module M: A: b: undefined type Missing"},
		{"import from nowhere", []string{mod("IMPORTS X FROM Other;\nA ::= X")}, "module Other not given"},
		{"cycle", []string{mod("A ::= B\nB ::= A")}, "refers to itself"},
		{"assigned twice", []string{mod("A ::= BOOLEAN\nA ::= NULL")}, "line 3"},
		{"explicit tags", []string{"M DEFINITIONS EXPLICIT TAGS ::= BEGIN END"}, "EXPLICIT TAGS are not supported"},
		{"unterminated string", []string{mod(`A ::= IA5String (FROM ("abc))`)}, "unterminated string"},
		{"unterminated block comment", []string{mod("/* A ::= BOOLEAN")}, "unterminated /* comment"},
		{"no END", []string{"M DEFINITIONS AUTOMATIC TAGS ::= BEGIN A ::= BOOLEAN"}, "expected END"},
		{"parameter count", []string{mod("P { X, Y } ::= SEQUENCE { a X, b Y }\nA ::= P { BOOLEAN }")}, "P takes 2 parameters, given 1"},
		{"empty range", []string{mod("A ::= INTEGER (5..1)")}, "empty range 5..1"},
		{"duplicate component", []string{mod("A ::= SEQUENCE { a BOOLEAN, a NULL }")}, "component a appears twice"},
		{"bad character", []string{mod("A ::= BOOLEAN $")}, "unexpected character"},
		{"same module twice", []string{mod(""), mod("")}, "module M given twice"},
		{"value reference in a constraint", []string{mod("A ::= INTEGER (0..maxV)")}, "expected a number"},
		{"three markers", []string{mod("A ::= SEQUENCE { ..., ..., ... }")}, "more than two extension markers"},
		{"extensibility implied", []string{"M DEFINITIONS AUTOMATIC TAGS EXTENSIBILITY IMPLIED ::= BEGIN END"}, "EXTENSIBILITY IMPLIED is not supported"},
		{"empty CHOICE root", []string{mod("A ::= CHOICE { ..., a NULL }")}, "CHOICE without root alternatives"},
		{"empty ENUMERATED root", []string{mod("A ::= ENUMERATED { ..., a }")}, "ENUMERATED without root items"},
		{"recursive parameterized type", []string{mod("P { T } ::= SEQUENCE { a P { T } OPTIONAL }\nA ::= P { BOOLEAN }")}, "nested deeper than 16"},
		{"deep nesting", []string{mod("A ::= " + strings.Repeat("SEQUENCE OF ", 100) + "BOOLEAN")}, "types nested deeper than 64"},
		{"deep constraint", []string{mod("A ::= INTEGER " + strings.Repeat("(", 100) + "1" + strings.Repeat(")", 100))}, "constraints nested deeper than 64"},
		{"negative size", []string{mod("A ::= OCTET STRING (SIZE (MIN..-1))")}, "negative SIZE"},
		{"empty SEQUENCE OF size", []string{mod("A ::= SEQUENCE SIZE (3..2) OF BOOLEAN")}, "empty range 3..2"},
		{"COMPONENTS OF", []string{mod("A ::= SEQUENCE { COMPONENTS OF B }")}, "COMPONENTS OF is not supported"},
	} {
		mods := make([][]byte, len(tc.text))
		for i, s := range tc.text {
			mods[i] = []byte(s)
		}
		_, err := Parse(mods...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.name, err, tc.want)
		}
	}
}
