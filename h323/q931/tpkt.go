package q931

import (
	"errors"
	"fmt"
	"io"
)

// TPKT framing (RFC 1006 §6): version 3, a reserved octet 0 and a 16-bit
// length that counts the 4-octet header, then the payload.
const (
	tpktVersion = 3
	tpktHeader  = 4
	// MaxTPKTPayload is the largest payload one TPKT packet can carry.
	MaxTPKTPayload = 0xffff - tpktHeader
)

// ErrTooLarge is wrapped by the error of a TPKT packet longer than the
// reader's maximum or than MaxTPKTPayload.
var ErrTooLarge = errors.New("tpkt packet too large")

// TPKTReader reads TPKT packets from a byte stream, such as the H.225.0
// call signalling or the separate H.245 TCP connection. It is not safe
// for concurrent use.
type TPKTReader struct {
	r   io.Reader
	max int
	err error
}

// NewTPKTReader returns a reader of the packets on r whose payloads are at
// most max octets; a max of 0 or above MaxTPKTPayload means MaxTPKTPayload.
func NewTPKTReader(r io.Reader, max int) *TPKTReader {
	if max <= 0 || max > MaxTPKTPayload {
		max = MaxTPKTPayload
	}
	return &TPKTReader{r: r, max: max}
}

// Next returns the payload of the next packet in a new slice. Empty
// packets (length 4), which H.323 endpoints send as keep-alives, are
// skipped. It returns io.EOF when the stream ends between packets, an
// error wrapping io.ErrUnexpectedEOF when it ends inside one, and an
// error for a wrong version or reserved octet, a length below 4 or a
// payload above the maximum (wrapping ErrTooLarge). After an error the
// stream has lost its framing: every later call returns the same error.
func (t *TPKTReader) Next() ([]byte, error) {
	if t.err != nil {
		return nil, t.err
	}
	p, err := t.next()
	t.err = err
	return p, err
}

func (t *TPKTReader) next() ([]byte, error) {
	for {
		var h [tpktHeader]byte
		if _, err := io.ReadFull(t.r, h[:]); err != nil {
			if errors.Is(err, io.EOF) {
				return nil, io.EOF
			}
			return nil, fmt.Errorf("tpkt header: %w", err)
		}
		if h[0] != tpktVersion || h[1] != 0 {
			return nil, fmt.Errorf("tpkt header % x: want version 3 and reserved 0", h)
		}
		n := int(h[2])<<8 | int(h[3])
		if n < tpktHeader {
			return nil, fmt.Errorf("tpkt length %d: less than its header", n)
		}
		n -= tpktHeader
		if n > t.max {
			return nil, fmt.Errorf("tpkt payload of %d octets, at most %d: %w", n, t.max, ErrTooLarge)
		}
		if n == 0 {
			continue
		}
		p := make([]byte, n)
		if _, err := io.ReadFull(t.r, p); err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, fmt.Errorf("tpkt payload of %d octets: %w", n, err)
		}
		return p, nil
	}
}

// WriteTPKT writes payload as one TPKT packet with a single Write call, so
// that writers serialised by the caller never interleave. It refuses an
// empty payload and one above MaxTPKTPayload (wrapping ErrTooLarge).
func WriteTPKT(w io.Writer, payload []byte) error {
	if len(payload) == 0 {
		return errors.New("tpkt: empty payload")
	}
	if len(payload) > MaxTPKTPayload {
		return fmt.Errorf("tpkt payload of %d octets, at most %d: %w", len(payload), MaxTPKTPayload, ErrTooLarge)
	}
	n := len(payload) + tpktHeader
	b := make([]byte, 0, n)
	b = append(b, tpktVersion, 0, byte(n>>8), byte(n))
	b = append(b, payload...)
	_, err := w.Write(b)
	return err
}
