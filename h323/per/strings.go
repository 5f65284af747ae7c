package per

import (
	"fmt"
	"slices"
	"unicode/utf16"
	"unicode/utf8"
)

// alphabet is the effective permitted alphabet of a known-multiplier
// character string type (X.691 26.5).
type alphabet struct {
	chars []rune // sorted; nil for the whole range 0..top
	top   rune   // largest character value
	bits  int    // bits per character in the ALIGNED variant (b2)
	index bool   // characters are encoded as their index in chars
}

// printable is PrintableString's character set (X.680 41.4).
const printable = " '()+,-./0123456789:=?ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// newAlphabet computes the effective alphabet of a string type constrained
// by from (nil: unconstrained).
func newAlphabet(typ string, from []rune) (*alphabet, error) {
	var base []rune
	var top rune
	switch typ {
	case "IA5String":
		top = 127
	case "VisibleString", "ISO646String":
		base = runeRange(' ', '~')
	case "PrintableString":
		base = normalizeRunes([]rune(printable))
	case "NumericString":
		base = []rune(" 0123456789")
	case "BMPString":
		top = 0xFFFF
	case "UniversalString":
		top = utf8.MaxRune
	default:
		return nil, fmt.Errorf("%s is not a known-multiplier string", typ)
	}
	a := &alphabet{chars: base, top: top}
	if from != nil {
		a.chars = slices.DeleteFunc(slices.Clone(from), func(r rune) bool { return !a.permits(r) })
		if len(a.chars) == 0 {
			return nil, fmt.Errorf("%s: empty permitted alphabet", typ)
		}
	}
	n := uint64(top) + 1
	if a.chars != nil {
		n, a.top = uint64(len(a.chars)), a.chars[len(a.chars)-1]
	}
	b := bitsFor(n - 1)
	a.bits = 1
	for a.bits < b { // X.691 26.5.2: rounded up to a power of two in ALIGNED
		a.bits *= 2
	}
	if b == 0 {
		a.bits = 0
	}
	a.index = uint64(a.top) >= 1<<a.bits
	if a.bits == 32 {
		a.index = false
	}
	return a, nil
}

func runeRange(lo, hi rune) []rune {
	out := make([]rune, 0, hi-lo+1)
	for r := lo; r <= hi; r++ {
		out = append(out, r)
	}
	return out
}

// permits reports whether r belongs to the alphabet.
func (a *alphabet) permits(r rune) bool {
	if a.chars == nil {
		return r >= 0 && r <= a.top
	}
	_, ok := slices.BinarySearch(a.chars, r)
	return ok
}

// code is the number r is encoded as.
func (a *alphabet) code(r rune) uint64 {
	if !a.index {
		return uint64(r)
	}
	i, _ := slices.BinarySearch(a.chars, r)
	return uint64(i)
}

// char is the character a code stands for.
func (a *alphabet) char(c uint64) (rune, error) {
	if a.index {
		if c >= uint64(len(a.chars)) {
			return 0, fmt.Errorf("character index %d outside the permitted alphabet", c)
		}
		return a.chars[c], nil
	}
	r := rune(c)
	if c > uint64(utf8.MaxRune) || !a.permits(r) {
		return 0, fmt.Errorf("character %#x outside the permitted alphabet", c)
	}
	return r, nil
}

// runesOf turns a Go string into the characters of a known-multiplier
// string: UTF-16 code units for BMPString, code points for the others.
func runesOf(s string, n *node) ([]rune, error) {
	if !utf8.ValidString(s) {
		return nil, fmt.Errorf("string is not valid UTF-8")
	}
	rs := []rune(s)
	if n.name == "BMPString" {
		u := utf16.Encode(rs)
		rs = make([]rune, len(u))
		for i, c := range u {
			rs[i] = rune(c)
		}
	}
	for _, r := range rs {
		if !n.str.permits(r) {
			return nil, fmt.Errorf("character %q outside the permitted alphabet", r)
		}
	}
	return rs, nil
}

// layout is where the characters are octet-aligned (X.691 26.5.6-26.5.7):
// a fixed size is aligned when it takes more than 16 bits, a variable one
// when its upper bound can take 16 bits or more (as H323Plus's PTLib does).
func (a *alphabet) layout(size valueRange) sizeLayout {
	if !size.hasHi {
		return sizeLayout{fixed: true, variable: true}
	}
	total := size.hi * int64(a.bits)
	return sizeLayout{fixed: total > 16, variable: total >= 16}
}

// stringFrom turns decoded characters into a Go string; BMPString's are
// UTF-16 code units whose surrogates must pair (X.680 makes BMPString UCS-2,
// without surrogates; peers send UTF-16), since an unpaired one has no Go
// string that would encode it again.
func stringFrom(rs []rune, typ string) (string, error) {
	if typ != "BMPString" {
		return string(rs), nil
	}
	u := make([]uint16, len(rs))
	for i, r := range rs {
		u[i] = uint16(r)
	}
	for i := 0; i < len(u); i++ {
		switch {
		case u[i] >= 0xD800 && u[i] < 0xDC00 && i+1 < len(u) && u[i+1] >= 0xDC00 && u[i+1] < 0xE000:
			i++
		case u[i] >= 0xD800 && u[i] < 0xE000:
			return "", fmt.Errorf("unpaired UTF-16 surrogate %#04x", u[i])
		}
	}
	return string(utf16.Decode(u)), nil
}

// writeString encodes a known-multiplier character string (X.691 26.5).
func (w *writer) writeString(n *node, s string) error {
	a := n.str
	rs, err := runesOf(s, n)
	if err != nil {
		return err
	}
	emit := func(off, cnt int) error {
		for _, r := range rs[off : off+cnt] {
			w.writeBits(a.code(r), a.bits)
		}
		return nil
	}
	return w.writeSized(n.cons.size, len(rs), a.layout(n.cons.size), emit)
}

func (r *reader) readString(n *node) (string, error) {
	a := n.str
	var rs []rune
	take := func(cnt int) error {
		if cnt*a.bits > r.remaining() {
			return errTruncated
		}
		for range cnt {
			c, err := r.readBits(a.bits)
			if err != nil {
				return err
			}
			ch, err := a.char(c)
			if err != nil {
				return err
			}
			rs = append(rs, ch)
		}
		return nil
	}
	if err := r.readSized(n.cons.size, a.layout(n.cons.size), take); err != nil {
		return "", err
	}
	return stringFrom(rs, n.name)
}
