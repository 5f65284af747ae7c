package per

import (
	"errors"
	"fmt"
	"math/bits"
)

// The X.691 (aligned variant) building blocks: whole numbers (10.5-10.8) and
// length determinants (10.9).

const (
	k16 = 16384 // fragment size of unconstrained lengths (X.691 10.9.3.8)
	k64 = 65536 // "64K": the bound below which lengths are constrained
)

// bitsFor is the number of bits needed for values 0..x.
func bitsFor(x uint64) int { return bits.Len64(x) }

// octetsFor is the number of octets needed for the non-negative x (at least 1).
func octetsFor(x uint64) int { return max(1, (bits.Len64(x)+7)/8) }

// span is the number of values in lo..hi, 0 standing for 2^64.
func span(lo, hi int64) uint64 { return uint64(hi) - uint64(lo) + 1 }

// writeConstrained encodes off, a value's offset from the lower bound, in a
// range of count values (X.691 10.5.7, aligned variant).
func (w *writer) writeConstrained(off, count uint64) {
	switch {
	case count == 1:
	case count != 0 && count <= 255:
		w.writeBits(off, bitsFor(count-1))
	case count == 256:
		w.align()
		w.writeBits(off, 8)
	case count != 0 && count <= k64:
		w.align()
		w.writeBits(off, 16)
	default:
		n := octetsFor(off)
		w.writeConstrained(uint64(n-1), uint64(octetsFor(count-1)))
		w.align()
		w.writeBits(off, 8*n)
	}
}

func (r *reader) readConstrained(count uint64) (uint64, error) {
	var v uint64
	var err error
	switch {
	case count == 1:
		return 0, nil
	case count != 0 && count <= 255:
		v, err = r.readBits(bitsFor(count - 1))
	case count == 256:
		r.align()
		v, err = r.readBits(8)
	case count != 0 && count <= k64:
		r.align()
		v, err = r.readBits(16)
	default:
		maxOct := octetsFor(count - 1)
		var n uint64
		if n, err = r.readConstrained(uint64(maxOct)); err != nil {
			return 0, err
		}
		r.align()
		v, err = r.readBits(8 * int(n+1))
	}
	if err == nil && count != 0 && v >= count {
		err = errors.New("constrained number out of range")
	}
	return v, err
}

// writeNormallySmall encodes a normally small non-negative whole number
// (X.691 10.6): CHOICE extension indexes and the like.
func (w *writer) writeNormallySmall(n uint64) {
	if n <= 63 {
		w.writeBits(n, 7)
		return
	}
	w.writeBits(1, 1)
	w.writeSemi(n)
}

func (r *reader) readNormallySmall() (uint64, error) {
	big, err := r.readBool()
	if err != nil {
		return 0, err
	}
	if !big {
		return r.readBits(6)
	}
	return r.readSemi()
}

// writeSmallLength encodes a normally small length (X.691 10.9.3.4): the
// size of a SEQUENCE's extension bitmap, n ≥ 1.
func (w *writer) writeSmallLength(n int) {
	if n <= 64 {
		w.writeBits(uint64(n-1), 7)
		return
	}
	w.writeBits(1, 1)
	w.writeLength(n)
}

func (r *reader) readSmallLength() (int, error) {
	big, err := r.readBool()
	if err != nil {
		return 0, err
	}
	if !big {
		v, err := r.readBits(6)
		return int(v) + 1, err
	}
	n, more, err := r.readLength()
	if err == nil && (more || n < 1) {
		err = fmt.Errorf("extension bitmap length %d", n)
	}
	return n, err
}

// writeSemi encodes a semi-constrained whole number offset (X.691 10.7):
// length octet and the minimal octets.
func (w *writer) writeSemi(off uint64) {
	n := octetsFor(off)
	w.writeLength(n)
	w.writeBits(off, 8*n)
}

func (r *reader) readSemi() (uint64, error) {
	n, more, err := r.readLength()
	if err != nil {
		return 0, err
	}
	if more || n < 1 || n > 8 {
		return 0, errors.New("integer length out of range")
	}
	return r.readBits(8 * n)
}

// writeUnconstrained encodes an unconstrained whole number (X.691 10.8):
// length and the minimal two's-complement octets.
func (w *writer) writeUnconstrained(v int64) {
	n := 1
	for n < 8 && (v < -(1<<(8*n-1)) || v >= 1<<(8*n-1)) {
		n++
	}
	w.writeLength(n)
	w.writeBits(uint64(v), 8*n)
}

func (r *reader) readUnconstrained() (int64, error) {
	n, more, err := r.readLength()
	if err != nil {
		return 0, err
	}
	if more || n < 1 || n > 8 {
		return 0, errors.New("integer length out of range")
	}
	u, err := r.readBits(8 * n)
	shift := 64 - 8*n
	return int64(u<<shift) >> shift, err
}

// writeLength encodes an unconstrained length below 16K (X.691 10.9.3.6-7).
func (w *writer) writeLength(n int) {
	w.align()
	if n < 128 {
		w.writeBits(uint64(n), 8)
	} else {
		w.writeBits(0x8000|uint64(n), 16)
	}
}

// readLength decodes an unconstrained length; more is true for a fragment
// (X.691 10.9.3.8), after which another length follows.
func (r *reader) readLength() (n int, more bool, err error) {
	r.align()
	b, err := r.readBits(8)
	if err != nil {
		return 0, false, err
	}
	switch {
	case b&0x80 == 0:
		return int(b), false, nil
	case b&0xC0 == 0x80:
		lo, err := r.readBits(8)
		return int(b&0x3F)<<8 | int(lo), false, err
	}
	m := int(b & 0x3F)
	if m < 1 || m > 4 {
		return 0, false, errors.New("bad length fragment")
	}
	return m * k16, true, nil
}

// writeChunks encodes n units with unconstrained lengths, fragmenting at
// 16K (X.691 10.9.3.8): emit writes the units off..off+cnt after each length.
func (w *writer) writeChunks(n int, emit func(off, cnt int) error) error {
	off := 0
	for n-off >= k16 {
		m := min((n-off)/k16, 4)
		w.align()
		w.writeBits(0xC0|uint64(m), 8)
		if err := emit(off, m*k16); err != nil {
			return err
		}
		off += m * k16
	}
	w.writeLength(n - off)
	return emit(off, n-off)
}

// readChunks decodes units behind unconstrained lengths, fragments included;
// take reads cnt units.
func (r *reader) readChunks(take func(cnt int) error) error {
	for {
		n, more, err := r.readLength()
		if err != nil {
			return err
		}
		if err := take(n); err != nil {
			return err
		}
		if !more {
			return nil
		}
	}
}
