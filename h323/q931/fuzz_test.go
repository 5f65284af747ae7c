package q931

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"testing"
)

// FuzzDecode feeds Decode arbitrary octets: it must not panic, and what
// it accepts must encode, and that encoding must decode to the same
// header, cause and H.225 payload and encode to the same octets again. The seed corpus in
// testdata/fuzz/FuzzDecode holds the real messages of the captures
// (capture_test.go) and every crasher found.
func FuzzDecode(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Decode(data)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		enc, err := m.Encode()
		if err != nil {
			t.Fatalf("decoded %+v does not encode: %v", m, err)
		}
		again, err := Decode(enc)
		if err != nil {
			t.Fatalf("encoding %x does not decode: %v", enc, err)
		}
		enc2, err := again.Encode()
		if err != nil {
			t.Fatalf("second encoding: %v", err)
		}
		if !bytes.Equal(enc, enc2) {
			t.Fatalf("encodings differ:\n%x\n%x", enc, enc2)
		}
		if again.Type != m.Type || again.CallRef != m.CallRef || again.CallRefFlag != m.CallRefFlag ||
			!bytes.Equal(again.UserUser, m.UserUser) || !reflect.DeepEqual(again.Cause, m.Cause) {
			t.Fatalf("decoded %+v, re-decoded %+v", m, again)
		}
	})
}

// FuzzTPKTReader reads packets from an arbitrary stream with a small
// maximum: it must not panic, return a payload above the maximum or an
// empty one, and must stop with an error before it runs out of input.
// The seed corpus in testdata/fuzz/FuzzTPKTReader holds the captured
// messages framed by TPKT, each followed by a keep-alive.
func FuzzTPKTReader(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		const max = 300
		r := NewTPKTReader(bytes.NewReader(data), max)
		for i := 0; ; i++ {
			if i > len(data)/5 {
				t.Fatalf("%d packets from %d octets", i, len(data))
			}
			p, err := r.Next()
			if err != nil {
				if err != io.EOF && len(p) != 0 {
					t.Fatalf("payload %x with error %v", p, err)
				}
				return
			}
			if len(p) == 0 || len(p) > max {
				t.Fatalf("payload of %d octets, max %d", len(p), max)
			}
		}
	})
}
