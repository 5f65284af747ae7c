package h323

import (
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/parleyhq/parley/h323/q931"
)

// maxMessage bounds one call-signalling or H.245 message: far above what
// a call's messages need (a Setup with fast start is well under 2 kB),
// far below TPKT's 64 kB.
const maxMessage = 16 << 10

// writeTimeout bounds one write on a signalling or H.245 connection.
const writeTimeout = 5 * time.Second

// tpktConn is a TCP connection framed by TPKT (RFC 1006): the H.225.0 call
// signalling channel, or a separate H.245 channel. One goroutine reads;
// any goroutine writes (send serialises them).
type tpktConn struct {
	net.Conn
	r  *armedReader
	in *q931.TPKTReader

	wmu sync.Mutex
}

// newTPKTConn frames c; a message must arrive whole within timeout of its
// first byte (slowloris).
func newTPKTConn(c net.Conn, timeout time.Duration) *tpktConn {
	r := &armedReader{c: c, timeout: timeout}
	return &tpktConn{Conn: c, r: r, in: q931.NewTPKTReader(r, maxMessage)}
}

// armedReader reads a connection and, once a message's first bytes have
// come, gives the rest of it the timeout.
type armedReader struct {
	c       net.Conn
	timeout time.Duration
	started bool
}

func (r *armedReader) Read(p []byte) (int, error) {
	n, err := r.c.Read(p)
	if n > 0 && !r.started {
		r.started = true
		_ = r.c.SetReadDeadline(time.Now().Add(r.timeout))
	}
	return n, err
}

// next reads the next packet, waiting at most wait for its first byte (0:
// as long as it takes) and then the timeout for the whole of it.
func (c *tpktConn) next(wait time.Duration) ([]byte, error) {
	deadline := time.Time{}
	if wait > 0 {
		deadline = time.Now().Add(wait)
	}
	if err := c.SetReadDeadline(deadline); err != nil {
		return nil, err
	}
	c.r.started = false
	return c.in.Next()
}

// send writes one packet.
func (c *tpktConn) send(payload []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if err := c.SetWriteDeadline(time.Now().Add(writeTimeout)); err != nil {
		return err
	}
	if err := q931.WriteTPKT(c.Conn, payload); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	return nil
}
