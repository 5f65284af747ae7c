package per

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

// FuzzDecode decodes arbitrary octets as an H323-UserInformation (h245
// false) or a MultimediaSystemControlMessage (h245 true). Decode must not
// panic; what it accepts must encode, unless it holds what only a decoder
// can meet (an unknown CHOICE alternative, a mandatory extension addition
// missing before a present one), and that encoding must decode to the same
// value and encode to the same octets. Seeds in testdata/fuzz/FuzzDecode are
// the capture vectors and the realistic messages of h323_test.go.
func FuzzDecode(f *testing.F) {
	uu := mustType(f, H323(), "H323-MESSAGES", "H323-UserInformation")
	msc := mustType(f, H323(), "MULTIMEDIA-SYSTEM-CONTROL", "MultimediaSystemControlMessage")
	f.Fuzz(func(t *testing.T, h245 bool, b []byte) {
		typ := uu
		if h245 {
			typ = msc
		}
		v, err := typ.Decode(b)
		if err != nil {
			return
		}
		out, err := typ.Encode(v)
		if err != nil {
			if msg := err.Error(); !strings.Contains(msg, `unknown alternative ""`) && !strings.Contains(msg, "missing mandatory extension addition") {
				t.Fatalf("decoded %x but cannot encode it: %v", b, err)
			}
			return
		}
		back, err := typ.Decode(out)
		if err != nil {
			t.Fatalf("cannot decode own encoding %x of %x: %v", out, b, err)
		}
		if !reflect.DeepEqual(back, v) {
			t.Fatalf("%x: decode→encode→decode changed the value:\n%#v\n%#v", b, v, back)
		}
		again, err := typ.Encode(back)
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("%x: second encoding %x differs from %x (%v)", b, again, out, err)
		}
	})
}

// FuzzParse parses arbitrary module text: Parse must not panic, and every
// type of a module it accepts must decode a few octets (or refuse them)
// without panicking. Seeds in testdata/fuzz/FuzzParse are the test modules
// (the big H.323 modules make the fuzzing engine crawl).
func FuzzParse(f *testing.F) {
	f.Fuzz(func(t *testing.T, text []byte) {
		s, err := Parse(text)
		if err != nil {
			return
		}
		for _, m := range s.modules {
			for name := range m.types {
				typ, err := s.Type(m.name, name)
				if err != nil {
					t.Fatalf("parsed type %s not found: %v", name, err)
				}
				for _, in := range [][]byte{{0}, {0x80, 0x01, 0xff, 0x00}, {0xc1, 0xff}} {
					if v, err := typ.Decode(in); err == nil {
						if _, err := typ.Encode(v); err != nil && !strings.Contains(err.Error(), "missing mandatory extension") && !strings.Contains(err.Error(), `unknown alternative ""`) {
							t.Fatalf("%s: decoded %x but cannot encode it: %v", name, in, err)
						}
					}
				}
			}
		}
	})
}
