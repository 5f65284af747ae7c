package per

import (
	"errors"
	"fmt"
)

// Decode decodes one complete ALIGNED PER encoding of the type (see the
// package doc for the Go types it returns). Unknown extension additions are
// skipped and an unknown CHOICE extension alternative decodes as
// Choice{Name: "", Value: its encoding}. Decode refuses truncated input and
// octets beyond the encoding with an *Error naming the path; every length
// is bounded by the input and the nesting depth by a constant.
func (t *Type) Decode(b []byte) (any, error) {
	r := &reader{buf: b}
	p := &path{name: t.name}
	v, err := r.value(t.n, p, 0)
	if err != nil {
		return nil, err
	}
	if n := r.leftover(); n != 0 {
		return nil, p.errorf("%d octets after the encoding", n)
	}
	return v, nil
}

// leftover is the number of octets after the complete encoding that ends at
// the reader's position: padded to an octet, an empty one being one zero
// octet (X.691 10.1).
func (r *reader) leftover() int {
	used := (r.pos + 7) / 8
	if used == 0 && len(r.buf) == 1 && r.buf[0] == 0 {
		used = 1
	}
	return len(r.buf) - used
}

// openValue decodes a value of the type n from the contents b of an open
// type, which must hold exactly its complete encoding.
func openValue(b []byte, n *node, p *path, depth int) (any, error) {
	sub := &reader{buf: b}
	v, err := sub.value(n, p, depth)
	if err == nil && sub.leftover() != 0 {
		err = p.errorf("%d octets left in the open type after the value", sub.leftover())
	}
	return v, err
}

// value decodes a value of the type n.
func (r *reader) value(n *node, p *path, depth int) (any, error) {
	n = n.resolved()
	if depth > maxDepth {
		return nil, p.errorf("nesting deeper than %d", maxDepth)
	}
	var v any
	var err error
	switch n.kind {
	case kSequence:
		return r.sequence(n, p, depth)
	case kChoice:
		return r.choice(n, p, depth)
	case kSequenceOf:
		return r.sequenceOf(n, p, depth)
	case kInteger:
		v, err = r.integer(n.cons.value)
	case kBoolean:
		v, err = r.readBool()
	case kNull:
		v = Null{}
	case kEnumerated:
		v, err = r.enumerated(n)
	default:
		v, err = r.primitive(n)
	}
	if err != nil {
		return nil, p.errorf("%w", err)
	}
	return v, nil
}

func (r *reader) primitive(n *node) (any, error) {
	switch n.kind {
	case kOctetString:
		var out []byte
		lay := sizeLayout{fixed: n.cons.size.hi > 2, variable: true}
		err := r.readSized(n.cons.size, lay, func(cnt int) error {
			b, err := r.readBytes(cnt, false)
			out = append(out, b...)
			return err
		})
		if out == nil {
			out = []byte{}
		}
		return out, err
	case kBitString:
		var out BitString
		lay := sizeLayout{fixed: n.cons.size.hi > 16, variable: true}
		err := r.readSized(n.cons.size, lay, func(cnt int) error {
			b, err := r.readBitString(cnt)
			if err != nil {
				return err
			}
			out = appendBits(out, b)
			return nil
		})
		if out.Bytes == nil {
			out.Bytes = []byte{}
		}
		return out, err
	case kKnownString:
		return r.readString(n)
	case kOtherString:
		b, err := r.readOpen()
		return string(b), err
	case kOID:
		b, err := r.readOpen()
		if err != nil {
			return nil, err
		}
		return parseOID(b)
	case kOpen:
		return r.readOpen()
	}
	return nil, fmt.Errorf("cannot decode type kind %d", n.kind)
}

// appendBits joins two bit strings (fragments of one).
func appendBits(a, b BitString) BitString {
	if a.Len%8 == 0 {
		return BitString{Bytes: append(a.Bytes[:a.Len/8], b.Bytes...), Len: a.Len + b.Len}
	}
	for i := range b.Len {
		bit := b.Bytes[i/8] >> (7 - i%8) & 1
		if a.Len%8 == 0 {
			a.Bytes = append(a.Bytes, 0)
		}
		a.Bytes[a.Len/8] |= bit << (7 - a.Len%8)
		a.Len++
	}
	return a
}

// integer decodes an INTEGER under its value constraint (X.691 12).
func (r *reader) integer(c valueRange) (int64, error) {
	if c.ext {
		ext, err := r.readBool()
		if err != nil {
			return 0, err
		}
		if ext {
			return r.readUnconstrained()
		}
	}
	switch {
	case c.set && c.hasLo && c.hasHi:
		off, err := r.readConstrained(span(c.lo, c.hi))
		return int64(uint64(c.lo) + off), err
	case c.set && c.hasLo:
		off, err := r.readSemi()
		v := int64(uint64(c.lo) + off)
		if err == nil && v < c.lo {
			err = errors.New("integer overflows 64 bits")
		}
		return v, err
	}
	return r.readUnconstrained()
}

func (r *reader) enumerated(n *node) (string, error) {
	ext := false
	if n.extensible {
		var err error
		if ext, err = r.readBool(); err != nil {
			return "", err
		}
	}
	if !ext {
		i, err := r.readConstrained(uint64(n.enumExt))
		if err != nil {
			return "", err
		}
		return n.enum[i].name, nil
	}
	i, err := r.readNormallySmall()
	if err != nil {
		return "", err
	}
	if i >= uint64(len(n.enum)-n.enumExt) {
		return "", fmt.Errorf("unknown enumeration extension %d", i)
	}
	return n.enum[n.enumExt+int(i)].name, nil
}

// choice decodes a CHOICE (X.691 22).
func (r *reader) choice(n *node, p *path, depth int) (any, error) {
	ext := false
	if n.extensible {
		var err error
		if ext, err = r.readBool(); err != nil {
			return nil, p.errorf("%w", err)
		}
	}
	if !ext {
		i, err := r.readConstrained(uint64(n.nroot))
		if err != nil {
			return nil, p.errorf("alternative index: %w", err)
		}
		f := n.fields[i]
		v, err := r.value(f.typ, p.field(f.name), depth+1)
		if err != nil {
			return nil, err
		}
		return Choice{Name: f.name, Value: v}, nil
	}
	i, err := r.readNormallySmall()
	if err != nil {
		return nil, p.errorf("extension alternative index: %w", err)
	}
	b, err := r.readOpen()
	if err != nil {
		return nil, p.errorf("extension alternative: %w", err)
	}
	if i >= uint64(len(n.fields)-n.nroot) {
		return Choice{Value: b}, nil // an alternative of a later version
	}
	f := n.fields[n.nroot+int(i)]
	v, err := openValue(b, f.typ, p.field(f.name), depth+1)
	if err != nil {
		return nil, err
	}
	return Choice{Name: f.name, Value: v}, nil
}

// sequenceOf decodes a SEQUENCE OF or SET OF (X.691 19); the element count
// is bounded by the bits left, so that zero-size elements cannot make it
// allocate without end.
func (r *reader) sequenceOf(n *node, p *path, depth int) (any, error) {
	out := []any{}
	err := r.readSized(n.cons.size, sizeLayout{}, func(cnt int) error {
		if cnt > r.remaining() && cnt > 64 {
			return fmt.Errorf("%d elements: %w", cnt, errTruncated)
		}
		for range cnt {
			v, err := r.value(n.elem, p.elem(len(out)), depth+1)
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		return nil
	})
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			return nil, err
		}
		return nil, p.errorf("%w", err)
	}
	return out, nil
}

// parseOID reads the BER contents octets of an object identifier.
func parseOID(b []byte) (OID, error) {
	if len(b) == 0 {
		return nil, errors.New("empty object identifier")
	}
	var arcs []uint64
	var cur uint64
	for i, c := range b {
		if cur == 0 && c == 0x80 {
			return nil, errors.New("object identifier arc with a leading 0x80")
		}
		if cur > 1<<57 {
			return nil, errors.New("object identifier arc too large")
		}
		cur = cur<<7 | uint64(c&0x7F)
		if c&0x80 == 0 {
			arcs = append(arcs, cur)
			cur = 0
		} else if i == len(b)-1 {
			return nil, errors.New("truncated object identifier")
		}
	}
	out := make(OID, 0, len(arcs)+1)
	first := arcs[0]
	switch {
	case first < 40:
		out = append(out, 0, uint32(first))
	case first < 80:
		out = append(out, 1, uint32(first-40))
	default:
		if first-80 > 1<<32-1 {
			return nil, errors.New("object identifier arc too large")
		}
		out = append(out, 2, uint32(first-80))
	}
	for _, a := range arcs[1:] {
		if a > 1<<32-1 {
			return nil, errors.New("object identifier arc too large")
		}
		out = append(out, uint32(a))
	}
	return out, nil
}
