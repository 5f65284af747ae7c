package per_test

import (
	"bytes"
	"fmt"
	"reflect"
	"testing"

	"github.com/parleyhq/parley/h323/per"
	"github.com/parleyhq/parley/internal/erlper"
	"github.com/parleyhq/parley/internal/erlterm"
)

// TestErlangDifferential checks this package against Erlang's ASN.1
// compiler (erlc -bper, an independent aligned-PER codec; internal/erlper)
// on realistic H.225.0 and H.245 messages (erlang_values_test.go), both
// ways:
//
//   - Go encodes the value; Erlang decodes those bytes and encodes the
//     value again: the bytes must be identical.
//   - Erlang encodes the same value, written as an Erlang term: Go decodes
//     those bytes to the value it started from, and encodes it to the same
//     bytes.
func TestErlangDifferential(t *testing.T) {
	erl := erlper.Start(t)
	for _, m := range messages(t) {
		t.Run(m.name, func(t *testing.T) { checkErlang(t, erl, m, "", true) })
	}
}

// checkErlang runs both directions of the differential test on m. term is
// its value as an Erlang term when erlterm.Term cannot write it, else "".
// erlangEncodes false skips what rests on Erlang's encoder (where it is
// known broken): Erlang's decoding of Go's bytes is still checked.
func checkErlang(t *testing.T, erl *erlper.Codec, m message, term string, erlangEncodes bool) {
	t.Helper()
	typ, err := per.H323().Type(m.module, m.typ)
	if err != nil {
		t.Fatal(err)
	}
	if term == "" {
		if term, err = erlterm.Term(m.value); err != nil {
			t.Fatal(err)
		}
	}
	goBytes, err := typ.Encode(m.value)
	if err != nil {
		t.Fatalf("Go encode: %v", err)
	}
	if err := erl.Match(m.module, m.typ, goBytes, term); err != nil {
		t.Errorf("Erlang does not decode Go's encoding %s to the value: %.600v", short(goBytes), err)
	}
	if !erlangEncodes {
		checkRoundTrip(t, typ, m.value, goBytes)
		return
	}
	erlBytes, err := erl.Reencode(m.module, m.typ, goBytes)
	if err != nil {
		t.Errorf("Erlang cannot decode Go's encoding %s: %v", short(goBytes), err)
	} else if !bytes.Equal(erlBytes, goBytes) {
		t.Errorf("Erlang re-encodes Go's encoding differently:\nGo:     %s\nErlang: %s", short(goBytes), short(erlBytes))
	}
	erlBytes, err = erl.Encode(m.module, m.typ, term)
	if err != nil {
		t.Fatalf("Erlang encode: %v\nterm: %.300s", err, term)
	}
	if !bytes.Equal(erlBytes, goBytes) {
		t.Errorf("encodings differ:\nGo:     %s\nErlang: %s", short(goBytes), short(erlBytes))
	}
	checkRoundTrip(t, typ, m.value, erlBytes)
}

// checkRoundTrip checks that Go decodes b to value and encodes that to b.
func checkRoundTrip(t *testing.T, typ *per.Type, value any, b []byte) {
	t.Helper()
	v, err := typ.Decode(b)
	if err != nil {
		t.Fatalf("Go cannot decode %s: %v", short(b), err)
	}
	if want := normalize(value); !reflect.DeepEqual(v, want) {
		t.Errorf("Go decodes %s to\n%.600v\nwant\n%.600v", short(b), fmt.Sprint(v), fmt.Sprint(want))
	}
	again, err := typ.Encode(v)
	if err != nil {
		t.Fatalf("Go re-encode: %v", err)
	}
	if !bytes.Equal(again, b) {
		t.Errorf("Go re-encodes its decoding differently:\nwas: %s\nnow: %s", short(b), short(again))
	}
}

// short formats an encoding for a failure message: in full up to 200
// bytes, else its length and both ends.
func short(b []byte) string {
	if len(b) <= 200 {
		return fmt.Sprintf("%x", b)
	}
	return fmt.Sprintf("(%d bytes) %x … %x", len(b), b[:100], b[len(b)-100:])
}

// normalize makes a value built for Encode (int, []any of any) look as
// Decode returns it (int64).
func normalize(v any) any {
	switch x := v.(type) {
	case per.Seq:
		out := per.Seq{}
		for k, e := range x {
			out[k] = normalize(e)
		}
		return out
	case per.Choice:
		return per.Choice{Name: x.Name, Value: normalize(x.Value)}
	case int:
		return int64(x)
	case per.BitString: // Decode clears the bits past Len and the octets past them
		b := append([]byte{}, x.Bytes[:(x.Len+7)/8]...)
		if x.Len%8 != 0 {
			b[len(b)-1] &= 0xff << (8 - x.Len%8)
		}
		return per.BitString{Bytes: b, Len: x.Len}
	case [][]byte:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = e
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalize(e)
		}
		return out
	}
	return v
}
