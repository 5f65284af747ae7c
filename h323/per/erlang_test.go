package per_test

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/parleyhq/parley/h323/per"
	"github.com/parleyhq/parley/internal/erlper"
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
		t.Run(m.name, func(t *testing.T) {
			typ, err := per.H323().Type(m.module, m.typ)
			if err != nil {
				t.Fatal(err)
			}
			goBytes, err := typ.Encode(m.value)
			if err != nil {
				t.Fatalf("Go encode: %v", err)
			}
			erlBytes, err := erl.Reencode(m.module, m.typ, goBytes)
			if err != nil {
				t.Errorf("Erlang cannot decode Go's encoding %x: %v", goBytes, err)
			} else if !bytes.Equal(erlBytes, goBytes) {
				t.Errorf("Erlang re-encodes Go's encoding differently:\nGo:     %x\nErlang: %x", goBytes, erlBytes)
			}

			term, err := erlper.Term(m.value)
			if err != nil {
				t.Fatal(err)
			}
			erlBytes, err = erl.Encode(m.module, m.typ, term)
			if err != nil {
				t.Fatalf("Erlang encode: %v\nterm: %s", err, term)
			}
			if !bytes.Equal(erlBytes, goBytes) {
				t.Errorf("encodings differ:\nGo:     %x\nErlang: %x", goBytes, erlBytes)
			}
			v, err := typ.Decode(erlBytes)
			if err != nil {
				t.Fatalf("Go cannot decode Erlang's encoding %x: %v", erlBytes, err)
			}
			if want := normalize(m.value); !reflect.DeepEqual(v, want) {
				t.Errorf("Go decodes Erlang's encoding to\n%#v\nwant\n%#v", v, want)
			}
			again, err := typ.Encode(v)
			if err != nil {
				t.Fatalf("Go re-encode: %v", err)
			}
			if !bytes.Equal(again, erlBytes) {
				t.Errorf("Go re-encodes Erlang's encoding differently:\nErlang: %x\nGo:     %x", erlBytes, again)
			}
		})
	}
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
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalize(e)
		}
		return out
	}
	return v
}
