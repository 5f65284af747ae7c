package per

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// randomValue makes a random value of the type n that satisfies its PER-visible
// constraints, or reports false when the recursion got too deep.
func randomValue(rng *rand.Rand, n *node, depth int) (any, bool) {
	n = n.resolved()
	if depth > 12 {
		return nil, false
	}
	switch n.kind {
	case kSequence:
		s := Seq{}
		fields := n.fields[:n.nroot]
		for _, slot := range n.slots[:rng.IntN(len(n.slots)+1)] { // a random earlier version
			fields = append(fields[:len(fields):len(fields)], slot...)
		}
		for _, f := range fields {
			if f.optional && (depth > 4 || rng.IntN(2) == 0) {
				continue
			}
			v, ok := randomValue(rng, f.typ, depth+1)
			if !ok {
				return nil, false
			}
			s[f.name] = v
		}
		return s, true
	case kChoice:
		f := n.fields[rng.IntN(len(n.fields))]
		v, ok := randomValue(rng, f.typ, depth+1)
		return Choice{f.name, v}, ok
	case kSequenceOf:
		out := []any{}
		for range randomSize(rng, n.cons.size, 3) {
			v, ok := randomValue(rng, n.elem, depth+1)
			if !ok {
				return nil, false
			}
			out = append(out, v)
		}
		return out, true
	case kInteger:
		return randomInt(rng, n.cons.value), true
	case kBoolean:
		return rng.IntN(2) == 0, true
	case kNull:
		return Null{}, true
	case kEnumerated:
		return n.enum[rng.IntN(len(n.enum))].name, true
	case kOctetString:
		b := make([]byte, randomSize(rng, n.cons.size, 20))
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		return b, true
	case kBitString:
		l := randomSize(rng, n.cons.size, 40)
		b := make([]byte, (l+7)/8)
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		if l%8 != 0 {
			b[len(b)-1] &= 0xFF << (8 - l%8)
		}
		return BitString{Bytes: b, Len: l}, true
	case kKnownString:
		rs := make([]rune, randomSize(rng, n.cons.size, 12))
		for i := range rs {
			if n.str.chars != nil {
				rs[i] = n.str.chars[rng.IntN(len(n.str.chars))]
			} else {
				rs[i] = rune(rng.IntN(int(min(n.str.top+1, 0xD800)))) // no surrogates: they do not survive UTF-8
			}
		}
		return string(rs), true
	case kOtherString:
		return strings.Repeat("x", rng.IntN(5)), true
	case kOID:
		o := OID{uint32(rng.IntN(3)), uint32(rng.IntN(40))}
		for range rng.IntN(5) {
			o = append(o, rng.Uint32()>>rng.IntN(32))
		}
		return o, true
	case kOpen:
		return []byte{byte(rng.IntN(256)), 0x42}, true
	}
	panic(fmt.Sprintf("kind %d", n.kind))
}

func randomSize(rng *rand.Rand, r valueRange, spread int) int {
	lo := 0
	if r.hasLo {
		lo = int(r.lo)
	}
	hi := lo + spread
	if r.hasHi && int(r.hi) < hi {
		hi = int(r.hi)
	}
	if r.ext && rng.IntN(4) == 0 {
		return hi + 1 + rng.IntN(3)
	}
	return lo + rng.IntN(hi-lo+1)
}

func randomInt(rng *rand.Rand, r valueRange) int64 {
	wild := int64(rng.Uint64() >> rng.IntN(64))
	if rng.IntN(2) == 0 {
		wild = -wild
	}
	switch {
	case r.ext && rng.IntN(4) == 0:
		return wild
	case r.hasLo && r.hasHi:
		return r.lo + int64(rng.Uint64N(uint64(r.hi-r.lo)+1))
	case r.hasLo:
		return r.lo + int64(rng.Uint64()>>(1+rng.IntN(63)))
	}
	return wild
}

// TestRandomRoundTrips encodes and decodes random values of every type of
// the H.323 modules. With PER_RANDOM_DUMP=FILE it also writes "module type
// hex" lines, which Erlang's erlc -bper codec was used to decode and
// re-encode by hand (all identical when this was written).
func TestRandomRoundTrips(t *testing.T) {
	s := H323()
	rng := rand.New(rand.NewPCG(16, 323))
	var dump strings.Builder
	tried := 0
	for _, mname := range slices.Sorted(maps.Keys(s.modules)) {
		m := s.modules[mname]
		for _, tname := range slices.Sorted(maps.Keys(m.types)) {
			typ := mustType(t, s, mname, tname)
			for range 4 {
				v, ok := randomValue(rng, typ.n, 0)
				if !ok {
					continue
				}
				tried++
				b, err := typ.Encode(v)
				if err != nil {
					t.Fatalf("%s.%s: encode: %v", mname, tname, err)
				}
				back, err := typ.Decode(b)
				if err != nil {
					t.Fatalf("%s.%s: decode %x: %v", mname, tname, b, err)
				}
				if !reflect.DeepEqual(back, v) {
					t.Fatalf("%s.%s: %x decoded\n%v\nwant\n%v", mname, tname, b, back, v)
				}
				if again, _ := typ.Encode(back); !bytes.Equal(again, b) {
					t.Fatalf("%s.%s: re-encoded %x, want %x", mname, tname, again, b)
				}
				fmt.Fprintf(&dump, "%s %s %s\n", mname, tname, hex.EncodeToString(b))
			}
		}
	}
	if tried < 1500 {
		t.Errorf("only %d random values", tried)
	}
	if f := os.Getenv("PER_RANDOM_DUMP"); f != "" {
		if err := os.WriteFile(f, []byte(dump.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
