package per

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// maxDepth bounds the nesting of values encoded or decoded.
const maxDepth = 100

// Encode encodes v (see the package doc for the Go types) in ALIGNED PER as
// one complete encoding padded to an octet (X.691 10.1); an empty encoding
// is one zero octet. It refuses a missing mandatory component, an unknown
// component name, a wrong Go type and a constraint violation with an *Error
// naming the path.
func (t *Type) Encode(v any) ([]byte, error) {
	w := &writer{buf: make([]byte, 0, 64)}
	if err := w.value(t.n, v, &path{name: t.name}, 0); err != nil {
		return nil, err
	}
	if len(w.buf) == 0 {
		return []byte{0}, nil
	}
	return w.buf, nil
}

// value encodes v as the type n.
func (w *writer) value(n *node, v any, p *path, depth int) error {
	n = n.resolved()
	if depth > maxDepth {
		return p.errorf("nesting deeper than %d", maxDepth)
	}
	switch n.kind {
	case kSequence:
		s, ok := v.(Seq)
		if !ok {
			return p.errorf("want per.Seq for SEQUENCE, have %T", v)
		}
		return w.sequence(n, s, p, depth)
	case kChoice:
		return w.choice(n, v, p, depth)
	case kSequenceOf:
		return w.sequenceOf(n, v, p, depth)
	case kInteger:
		i, ok := toInt64(v)
		if !ok {
			return p.errorf("want int64 for INTEGER, have %T", v)
		}
		if err := w.integer(n.cons.value, i); err != nil {
			return p.errorf("%w", err)
		}
	case kBoolean:
		b, ok := v.(bool)
		if !ok {
			return p.errorf("want bool for BOOLEAN, have %T", v)
		}
		w.writeBool(b)
	case kNull:
		if _, ok := v.(Null); !ok && v != nil {
			return p.errorf("want per.Null for NULL, have %T", v)
		}
	case kEnumerated:
		return w.enumerated(n, v, p)
	default:
		if err := w.primitive(n, v); err != nil {
			return p.errorf("%w", err)
		}
	}
	return nil
}

// primitive encodes the string-like types.
func (w *writer) primitive(n *node, v any) error {
	switch n.kind {
	case kOctetString:
		b, ok := v.([]byte)
		if !ok {
			return fmt.Errorf("want []byte for OCTET STRING, have %T", v)
		}
		lay := sizeLayout{fixed: n.cons.size.hi > 2, variable: true}
		return w.writeSized(n.cons.size, len(b), lay, func(off, cnt int) error {
			w.writeBytes(b[off:off+cnt], false)
			return nil
		})
	case kBitString:
		b, ok := v.(BitString)
		if !ok {
			return fmt.Errorf("want per.BitString for BIT STRING, have %T", v)
		}
		if b.Len < 0 || len(b.Bytes)*8 < b.Len {
			return fmt.Errorf("BitString of %d bits holds only %d octets", b.Len, len(b.Bytes))
		}
		lay := sizeLayout{fixed: n.cons.size.hi > 16, variable: true}
		return w.writeSized(n.cons.size, b.Len, lay, func(off, cnt int) error {
			w.writeBitString(b.Bytes[off/8:], cnt) // fragments hold whole octets
			return nil
		})
	case kKnownString:
		s, ok := v.(string)
		if !ok {
			return fmt.Errorf("want string for %s, have %T", n.name, v)
		}
		return w.writeString(n, s)
	case kOtherString:
		s, ok := v.(string)
		if !ok {
			return fmt.Errorf("want string for %s, have %T", n.name, v)
		}
		if n.name == "UTF8String" && !utf8.ValidString(s) {
			return errors.New("string is not valid UTF-8")
		}
		return w.writeOpen([]byte(s))
	case kOID:
		o, ok := v.(OID)
		if !ok {
			return fmt.Errorf("want per.OID for OBJECT IDENTIFIER, have %T", v)
		}
		b, err := berOID(o)
		if err != nil {
			return err
		}
		return w.writeOpen(b)
	case kOpen:
		b, ok := v.([]byte)
		if !ok {
			return fmt.Errorf("want []byte (an encoding) for an open type, have %T", v)
		}
		if len(b) == 0 {
			b = []byte{0}
		}
		return w.writeOpen(b)
	}
	return fmt.Errorf("cannot encode type kind %d", n.kind)
}

// writeOpen writes octets behind unconstrained lengths: open types, object
// identifiers and strings without a known multiplier (X.691 10.2, 23, 27).
func (w *writer) writeOpen(b []byte) error {
	return w.writeChunks(len(b), func(off, cnt int) error {
		w.writeBytes(b[off:off+cnt], true)
		return nil
	})
}

// integer encodes an INTEGER under its value constraint (X.691 12).
func (w *writer) integer(c valueRange, i int64) error {
	in := c.inRoot(i)
	if c.ext {
		w.writeBool(!in)
		if !in {
			w.writeUnconstrained(i)
			return nil
		}
	} else if !in {
		return fmt.Errorf("%d outside %s", i, c)
	}
	switch {
	case c.set && c.hasLo && c.hasHi:
		w.writeConstrained(uint64(i)-uint64(c.lo), span(c.lo, c.hi))
	case c.set && c.hasLo:
		w.writeSemi(uint64(i) - uint64(c.lo))
	default:
		w.writeUnconstrained(i)
	}
	return nil
}

func toInt64(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case int:
		return int64(x), true
	case int32:
		return int64(x), true
	case int16:
		return int64(x), true
	case int8:
		return int64(x), true
	case uint32:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint8:
		return int64(x), true
	}
	return 0, false
}

// enumerated encodes an ENUMERATED value given as its identifier (X.691 13).
func (w *writer) enumerated(n *node, v any, p *path) error {
	s, ok := v.(string)
	if !ok {
		return p.errorf("want string (an identifier) for ENUMERATED, have %T", v)
	}
	for i, it := range n.enum {
		if it.name != s {
			continue
		}
		if n.extensible {
			w.writeBool(i >= n.enumExt)
		}
		if i < n.enumExt {
			w.writeConstrained(uint64(i), uint64(n.enumExt))
		} else {
			w.writeNormallySmall(uint64(i - n.enumExt))
		}
		return nil
	}
	return p.errorf("unknown enumeration %q", s)
}

// choice encodes a CHOICE (X.691 22): the extension bit, the root index as
// a constrained number, or the extension index and the value as an open type.
func (w *writer) choice(n *node, v any, p *path, depth int) error {
	c, ok := v.(Choice)
	if pc, isPtr := v.(*Choice); isPtr && pc != nil {
		c, ok = *pc, true
	}
	if !ok {
		return p.errorf("want per.Choice for CHOICE, have %T", v)
	}
	idx, root := -1, 0
	for i, f := range n.fields {
		if !f.ext {
			root++
		}
		if f.name == c.Name && c.Name != "" {
			idx = i
		}
	}
	if idx < 0 {
		return p.errorf("unknown alternative %q", c.Name)
	}
	q := p.field(c.Name)
	if n.extensible {
		w.writeBool(idx >= root)
	}
	if idx < root {
		w.writeConstrained(uint64(idx), uint64(root))
		return w.value(n.fields[idx].typ, c.Value, q, depth+1)
	}
	w.writeNormallySmall(uint64(idx - root))
	b, err := encodeOpen(func(sub *writer) error { return sub.value(n.fields[idx].typ, c.Value, q, depth+1) })
	if err != nil {
		return err
	}
	return w.writeOpen(b)
}

// encodeOpen runs enc on a fresh writer and returns its complete encoding.
func encodeOpen(enc func(*writer) error) ([]byte, error) {
	sub := &writer{}
	if err := enc(sub); err != nil {
		return nil, err
	}
	if len(sub.buf) == 0 {
		return []byte{0}, nil
	}
	return sub.buf, nil
}

// sequenceOf encodes a SEQUENCE OF or SET OF (X.691 19).
func (w *writer) sequenceOf(n *node, v any, p *path, depth int) error {
	items, ok := toSlice(v)
	if !ok {
		return p.errorf("want []any for SEQUENCE OF, have %T", v)
	}
	err := w.writeSized(n.cons.size, len(items), sizeLayout{}, func(off, cnt int) error {
		for i := off; i < off+cnt; i++ {
			if err := w.value(n.elem, items[i], p.elem(i), depth+1); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil && !errors.As(err, new(*Error)) {
		return p.errorf("%w", err)
	}
	return err
}

// toSlice accepts []any and the slices of the value types.
func toSlice(v any) ([]any, bool) {
	switch x := v.(type) {
	case []any:
		return x, true
	case [][]byte:
		return anySlice(x), true
	case []Seq:
		return anySlice(x), true
	case []Choice:
		return anySlice(x), true
	case []string:
		return anySlice(x), true
	case []int64:
		return anySlice(x), true
	case []OID:
		return anySlice(x), true
	}
	return nil, false
}

func anySlice[T any](x []T) []any {
	out := make([]any, len(x))
	for i, e := range x {
		out[i] = e
	}
	return out
}

// berOID returns the BER contents octets of an object identifier (X.690 8.19).
func berOID(o OID) ([]byte, error) {
	if len(o) < 2 || o[0] > 2 || o[0] < 2 && o[1] > 39 {
		return nil, fmt.Errorf("invalid object identifier %v", o)
	}
	first := uint64(o[0])*40 + uint64(o[1])
	var out []byte
	for _, arc := range append([]uint64{first}, toU64(o[2:])...) {
		var tmp [10]byte
		k := len(tmp) - 1
		tmp[k] = byte(arc & 0x7F)
		for arc >>= 7; arc > 0; arc >>= 7 {
			k--
			tmp[k] = byte(arc&0x7F) | 0x80
		}
		out = append(out, tmp[k:]...)
	}
	return out, nil
}

func toU64(o OID) []uint64 {
	out := make([]uint64, len(o))
	for i, a := range o {
		out[i] = uint64(a)
	}
	return out
}
