package per

import "errors"

// errTruncated is returned when an encoding ends before its value does.
var errTruncated = errors.New("truncated encoding")

// writer accumulates an encoding bit by bit, most significant bit first.
type writer struct {
	buf  []byte
	bits int // bits written
}

// writeBits appends the low n bits of v (n ≤ 64).
func (w *writer) writeBits(v uint64, n int) {
	for n > 0 {
		if w.bits%8 == 0 {
			w.buf = append(w.buf, 0)
		}
		free := 8 - w.bits%8
		take := min(free, n)
		chunk := byte(v>>(n-take)) & (1<<take - 1)
		w.buf[len(w.buf)-1] |= chunk << (free - take)
		w.bits += take
		n -= take
	}
}

func (w *writer) writeBool(b bool) {
	if b {
		w.writeBits(1, 1)
	} else {
		w.writeBits(0, 1)
	}
}

// align pads with zero bits to the next octet boundary.
func (w *writer) align() { w.bits = len(w.buf) * 8 }

// writeBytes appends whole octets (after aligning if aligned is true).
func (w *writer) writeBytes(b []byte, aligned bool) {
	if aligned || w.bits%8 == 0 {
		w.align()
		w.buf = append(w.buf, b...)
		w.bits += 8 * len(b)
		return
	}
	for _, c := range b {
		w.writeBits(uint64(c), 8)
	}
}

// writeBitString appends the first n bits of b.
func (w *writer) writeBitString(b []byte, n int) {
	for i := 0; n > 0; i++ {
		k := min(8, n)
		w.writeBits(uint64(b[i]>>(8-k)), k)
		n -= k
	}
}

// reader consumes an encoding bit by bit.
type reader struct {
	buf []byte
	pos int // bit position
}

func (r *reader) remaining() int { return len(r.buf)*8 - r.pos }

// readBits reads n bits (n ≤ 64) as an unsigned number.
func (r *reader) readBits(n int) (uint64, error) {
	if n > r.remaining() {
		return 0, errTruncated
	}
	var v uint64
	for n > 0 {
		free := 8 - r.pos%8
		take := min(free, n)
		b := r.buf[r.pos/8] >> (free - take) & (1<<take - 1)
		v = v<<take | uint64(b)
		r.pos += take
		n -= take
	}
	return v, nil
}

func (r *reader) readBool() (bool, error) {
	v, err := r.readBits(1)
	return v == 1, err
}

// align skips to the next octet boundary.
func (r *reader) align() { r.pos = (r.pos + 7) / 8 * 8 }

// readBytes reads n octets (after aligning if aligned is true); the result
// is a fresh copy.
func (r *reader) readBytes(n int, aligned bool) ([]byte, error) {
	if aligned {
		r.align()
	}
	if n < 0 || n > r.remaining()/8 {
		return nil, errTruncated
	}
	out := make([]byte, n)
	if r.pos%8 == 0 {
		copy(out, r.buf[r.pos/8:])
		r.pos += 8 * n
		return out, nil
	}
	for i := range out {
		v, _ := r.readBits(8)
		out[i] = byte(v)
	}
	return out, nil
}

// readBitString reads n bits into a BitString.
func (r *reader) readBitString(n int) (BitString, error) {
	if n < 0 || n > r.remaining() {
		return BitString{}, errTruncated
	}
	out := BitString{Bytes: make([]byte, (n+7)/8), Len: n}
	for i := 0; i < n; i += 8 {
		k := min(8, n-i)
		v, _ := r.readBits(k)
		out.Bytes[i/8] = byte(v << (8 - k))
	}
	return out, nil
}
