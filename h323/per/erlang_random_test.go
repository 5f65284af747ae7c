package per

import (
	"bytes"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/parleyhq/parley/internal/erlper"
)

// TestErlangRandom checks random values of every type of the H.323
// modules (randomValue of random_test.go) against Erlang (erlc -bper,
// internal/erlper): Erlang decodes Go's encoding of each to that very value
// (given as an Erlang term), and encodes the value to the same bytes.
// Values holding an open type are left out: randomValue fills those with
// octets that are no encoding of the type Erlang expects inside. Where
// Erlang's own encoding does not decode to the value, Erlang's encoder is at
// fault (as for Setup-UUIE.hopCount in OTP 25) and the value is only
// logged.
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
				if !ok {
					continue
				}
				var term strings.Builder
				if !erlTerm(&term, typ.n, v) {
					continue // an open type
				}
				b, err := typ.Encode(v)
				if err != nil {
					t.Fatalf("%s.%s: encode: %v", mname, tname, err)
				}
				compared++
				if err := erl.Match(mname, tname, b, term.String()); err != nil {
					t.Errorf("%s.%s: Erlang does not decode Go's %x to the value %.300s: %.300v", mname, tname, b, term.String(), err)
					continue
				}
				e, err := erl.Encode(mname, tname, term.String())
				if err == nil && bytes.Equal(e, b) {
					continue
				}
				if err != nil || erl.Match(mname, tname, e, term.String()) != nil {
					t.Logf("%s.%s: Erlang's encoder fails the value Go encodes as %x (it writes %x, %v)", mname, tname, b, e, err)
					continue
				}
				t.Errorf("%s.%s: Go and Erlang encode the same value differently:\nGo:     %x\nErlang: %x\nvalue: %.500s", mname, tname, b, e, term.String())
			}
		}
	}
	if compared < 1000 {
		t.Errorf("only %d random values compared", compared)
	}
}

// erlTerm writes the value v of type n as the Erlang term of Erlang's
// maps representation (see internal/erlper), ENUMERATED values as atoms.
// It reports false for a value holding an open type.
func erlTerm(sb *strings.Builder, n *node, v any) bool {
	n = n.resolved()
	list := func(k int, item func(i int) bool) bool {
		for i := 0; i < k; i++ {
			if i > 0 {
				sb.WriteString(",")
			}
			if !item(i) {
				return false
			}
		}
		return true
	}
	switch n.kind {
	case kSequence:
		seq := v.(Seq)
		var present []*field
		for _, f := range n.fields {
			if _, ok := seq[f.name]; ok {
				present = append(present, f)
			}
		}
		sb.WriteString("#{")
		ok := list(len(present), func(i int) bool {
			fmt.Fprintf(sb, "'%s'=>", present[i].name)
			return erlTerm(sb, present[i].typ, seq[present[i].name])
		})
		sb.WriteString("}")
		return ok
	case kChoice:
		c := v.(Choice)
		for _, f := range n.fields {
			if f.name == c.Name {
				fmt.Fprintf(sb, "{'%s',", f.name)
				ok := erlTerm(sb, f.typ, c.Value)
				sb.WriteString("}")
				return ok
			}
		}
		panic("no alternative " + c.Name)
	case kSequenceOf:
		items := v.([]any)
		sb.WriteString("[")
		ok := list(len(items), func(i int) bool { return erlTerm(sb, n.elem, items[i]) })
		sb.WriteString("]")
		return ok
	case kInteger:
		fmt.Fprintf(sb, "%d", v.(int64))
	case kBoolean:
		fmt.Fprintf(sb, "%t", v.(bool))
	case kNull:
		sb.WriteString("'NULL'")
	case kEnumerated:
		fmt.Fprintf(sb, "'%s'", v.(string))
	case kOctetString:
		b := v.([]byte)
		sb.WriteString("<<")
		list(len(b), func(i int) bool { fmt.Fprintf(sb, "%d", b[i]); return true })
		sb.WriteString(">>")
	case kBitString:
		bs := v.(BitString)
		sb.WriteString("<<")
		list((bs.Len+7)/8, func(i int) bool {
			if bits := bs.Len - 8*i; bits < 8 {
				fmt.Fprintf(sb, "%d:%d", bs.Bytes[i]>>(8-bits), bits)
			} else {
				fmt.Fprintf(sb, "%d", bs.Bytes[i])
			}
			return true
		})
		sb.WriteString(">>")
	case kKnownString, kOtherString:
		rs := []rune(v.(string))
		sb.WriteString("[")
		list(len(rs), func(i int) bool {
			if r := rs[i]; r > 255 { // Erlang's BMPString encoder takes {0,0,Row,Cell}
				fmt.Fprintf(sb, "{0,%d,%d,%d}", r>>16, r>>8&0xff, r&0xff)
			} else {
				fmt.Fprintf(sb, "%d", r)
			}
			return true
		})
		sb.WriteString("]")
	case kOID:
		o := v.(OID)
		sb.WriteString("{")
		list(len(o), func(i int) bool { fmt.Fprintf(sb, "%d", o[i]); return true })
		sb.WriteString("}")
	case kOpen:
		return false
	default:
		panic(fmt.Sprintf("kind %d", n.kind))
	}
	return true
}
