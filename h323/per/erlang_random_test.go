package per

import (
	"bytes"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/parleyhq/parley/internal/erlper"
)

// TestErlangRandom has Erlang (erlc -bper, internal/erlper) decode and
// re-encode random values of every type of the H.323 modules as Go encodes
// them (randomValue of random_test.go): the bytes must come back the same.
// Values holding an open type are left out, since randomValue fills those
// with octets that are no encoding of the type Erlang expects inside. Where
// Erlang's own re-encoding does not decode to what it decoded from Go's
// bytes, Erlang's encoder is at fault (as for Setup-UUIE.hopCount in
// OTP 25) and the value is only logged.
func TestErlangRandom(t *testing.T) {
	erl := erlper.Start(t)
	s := H323()
	rng := rand.New(rand.NewPCG(16, 691))
	compared := 0
	for _, mname := range slices.Sorted(maps.Keys(s.modules)) {
		for _, tname := range slices.Sorted(maps.Keys(s.modules[mname].types)) {
			typ := mustType(t, s, mname, tname)
			for range 6 {
				v, ok := randomValue(rng, typ.n, 0)
				if !ok || hasOpen(typ.n, v) {
					continue
				}
				b, err := typ.Encode(v)
				if err != nil {
					t.Fatalf("%s.%s: encode: %v", mname, tname, err)
				}
				compared++
				e, err := erl.Reencode(mname, tname, b)
				if err != nil {
					t.Errorf("%s.%s: Erlang cannot decode Go's %x: %.300v", mname, tname, b, err)
					continue
				}
				if bytes.Equal(e, b) {
					continue
				}
				fromGo, err1 := erl.Show(mname, tname, b)
				fromErl, err2 := erl.Show(mname, tname, e)
				if err1 != nil || err2 != nil || fromGo != fromErl {
					t.Logf("%s.%s: Erlang's encoder does not re-encode what it decodes from %x (it writes %x)", mname, tname, b, e)
					continue
				}
				t.Errorf("%s.%s: Erlang re-encodes the same value differently:\nGo:     %x\nErlang: %x\nvalue: %.500s", mname, tname, b, e, fromGo)
			}
		}
	}
	if compared < 1000 {
		t.Errorf("only %d random values compared", compared)
	}
}

// hasOpen tells whether the value v of type n holds an open type.
func hasOpen(n *node, v any) bool {
	n = n.resolved()
	switch n.kind {
	case kOpen:
		return true
	case kSequence:
		s, _ := v.(Seq)
		for _, f := range n.fields {
			if x, ok := s[f.name]; ok && hasOpen(f.typ, x) {
				return true
			}
		}
	case kChoice:
		c, _ := v.(Choice)
		for _, f := range n.fields {
			if f.name == c.Name {
				return hasOpen(f.typ, c.Value)
			}
		}
	case kSequenceOf:
		items, _ := v.([]any)
		for _, x := range items {
			if hasOpen(n.elem, x) {
				return true
			}
		}
	}
	return false
}
