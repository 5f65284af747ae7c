package per

import "fmt"

// sizeLayout says where the units of a sized type are octet-aligned in the
// ALIGNED variant: fixed when the size is fixed (no length determinant),
// variable behind a constrained length determinant. Behind an unconstrained
// length the units are always aligned, since the length is.
type sizeLayout struct{ fixed, variable bool }

// inRoot reports whether count satisfies the root of a SIZE constraint.
func (r valueRange) inRoot(v int64) bool {
	return !r.set || (!r.hasLo || v >= r.lo) && (!r.hasHi || v <= r.hi)
}

// writeSized encodes count units (octets, bits, characters or elements)
// under a SIZE constraint (X.691 16, 15, 26.5, 19): the extension bit if the
// constraint is extensible, then no length for a fixed size below 64K, a
// constrained length below 64K, or unconstrained (fragmented) lengths.
// emit writes units off..off+cnt.
func (w *writer) writeSized(size valueRange, count int, lay sizeLayout, emit func(off, cnt int) error) error {
	in := size.inRoot(int64(count))
	if size.ext {
		w.writeBool(!in)
	} else if !in {
		return fmt.Errorf("size %d outside %s", count, size)
	}
	if in && size.hasHi && size.hi < k64 {
		lo := max(size.lo, 0)
		if lo == size.hi {
			if lay.fixed {
				w.align()
			}
			return emit(0, count)
		}
		w.writeConstrained(uint64(int64(count)-lo), span(lo, size.hi))
		if lay.variable && count > 0 {
			w.align()
		}
		return emit(0, count)
	}
	return w.writeChunks(count, emit)
}

// readSized decodes what writeSized wrote; take reads cnt units.
func (r *reader) readSized(size valueRange, lay sizeLayout, take func(cnt int) error) error {
	in := true
	if size.ext {
		ext, err := r.readBool()
		if err != nil {
			return err
		}
		in = !ext
	}
	if in && size.hasHi && size.hi < k64 {
		lo := max(size.lo, 0)
		if lo == size.hi {
			if lay.fixed {
				r.align()
			}
			return take(int(lo))
		}
		off, err := r.readConstrained(span(lo, size.hi))
		if err != nil {
			return err
		}
		count := int(lo + int64(off))
		if lay.variable && count > 0 {
			r.align()
		}
		return take(count)
	}
	total := 0
	err := r.readChunks(func(cnt int) error {
		total += cnt
		if in && size.hasHi && int64(total) > size.hi {
			return fmt.Errorf("size %d outside %s", total, size)
		}
		return take(cnt)
	})
	if err == nil && in && !size.inRoot(int64(total)) {
		err = fmt.Errorf("size %d outside %s", total, size)
	}
	return err
}

// String formats a range as in ASN.1, for messages.
func (r valueRange) String() string {
	lo, hi := "MIN", "MAX"
	if r.hasLo {
		lo = fmt.Sprint(r.lo)
	}
	if r.hasHi {
		hi = fmt.Sprint(r.hi)
	}
	s := lo + ".." + hi
	if r.hasLo && r.hasHi && r.lo == r.hi {
		s = lo
	}
	if r.ext {
		s += ", ..."
	}
	return "(" + s + ")"
}
