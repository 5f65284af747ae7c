package sip

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/parleyhq/parley/guard"
)

// TCPLimits bound what SIP over TCP and TLS (RFC 3261 §18.3) may cost us:
// connections, and how long a connection may hold a descriptor without
// sending SIP.
type TCPLimits struct {
	// ReadTimeout is how long a connection has, from accept, to complete
	// its first SIP message (TLS handshake included), and then how long
	// any message may take from its first byte to its last: a peer that
	// trickles a request (slowloris) is closed. Zero means
	// DefaultTCPReadTimeout.
	ReadTimeout time.Duration
	// IdleTimeout closes a connection that has sent nothing (not even a
	// CRLF keep-alive, RFC 5626 §4.4.1) for this long between messages,
	// unless a call's dialog runs over it. Zero means DefaultTCPIdleTimeout.
	IdleTimeout time.Duration
	// MaxConnsPerIP caps the open connections from one address (one /64
	// for IPv6); more are closed at once. Zero means DefaultTCPMaxConnsPerIP.
	MaxConnsPerIP int
	// MaxConns caps the open connections of one listener. Zero means
	// DefaultTCPMaxConns.
	MaxConns int
}

// The defaults of TCPLimits. A registered phone that keeps its connection
// open is never idle that long: Parley probes each binding with OPTIONS
// every 30 s (registrar KeepAlive), and an RFC 5626 phone sends a CRLF
// keep-alive at least every 120 s (§4.4.1).
const (
	DefaultTCPReadTimeout   = 10 * time.Second
	DefaultTCPIdleTimeout   = 10 * time.Minute
	DefaultTCPMaxConnsPerIP = 32
	DefaultTCPMaxConns      = 4096
)

// withDefaults fills the zero fields of l.
func (l TCPLimits) withDefaults() TCPLimits {
	if l.ReadTimeout <= 0 {
		l.ReadTimeout = DefaultTCPReadTimeout
	}
	if l.IdleTimeout <= 0 {
		l.IdleTimeout = DefaultTCPIdleTimeout
	}
	if l.MaxConnsPerIP <= 0 {
		l.MaxConnsPerIP = DefaultTCPMaxConnsPerIP
	}
	if l.MaxConns <= 0 {
		l.MaxConns = DefaultTCPMaxConns
	}
	return l
}

// Accept backoff after an error that is not the listener's close: EMFILE,
// ENFILE, ECONNABORTED and the like pass; returning would stop the listener
// for good (sipgo's accept loop returns on any error).
const (
	acceptBackoffMin = 5 * time.Millisecond
	acceptBackoffMax = time.Second
	limitLogEvery    = 5 * time.Second
)

// limitListener wraps a TCP or TLS listener: its Accept survives errors,
// enforces the connection caps, and returns connections that close
// themselves after the read and idle timeouts. Its Accept is called from
// one goroutine (sipgo's accept loop); its connections are read by one
// goroutine each.
type limitListener struct {
	net.Listener
	limits TCPLimits
	log    *slog.Logger
	// busy tells whether a call's dialog runs over a connection from this
	// remote address; such a connection is not closed for idleness. Nil
	// means none is.
	busy func(remote string) bool

	closed    chan struct{}
	closeOnce sync.Once

	mu      sync.Mutex
	total   int                  // open connections; guarded by mu
	perIP   map[netip.Prefix]int // open connections per source; guarded by mu
	lastLog map[string]time.Time // the last line per kind of event; guarded by mu
	dropped map[string]int       // events not logged since, per kind; guarded by mu
}

func newLimitListener(ln net.Listener, limits TCPLimits, log *slog.Logger, busy func(string) bool) *limitListener {
	return &limitListener{Listener: ln, limits: limits.withDefaults(), log: log, busy: busy,
		closed: make(chan struct{}), perIP: make(map[netip.Prefix]int),
		lastLog: make(map[string]time.Time), dropped: make(map[string]int)}
}

// Accept returns the next connection within the caps. It returns an error
// only once the listener is closed; other errors are logged (at most one
// line per kind every few seconds) and retried after a backoff.
func (l *limitListener) Accept() (net.Conn, error) {
	backoff := acceptBackoffMin
	for {
		conn, err := l.Listener.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil, err
			}
			l.note("accept", "sip tcp accept failed; retrying", "addr", l.Addr().String(), "err", err)
			select {
			case <-l.closed:
				return nil, net.ErrClosed
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, acceptBackoffMax)
			continue
		}
		backoff = acceptBackoffMin
		if c := l.admit(conn); c != nil {
			return c, nil
		}
	}
}

// admit counts conn against the caps and wraps it, or closes it and
// returns nil when a cap is reached.
func (l *limitListener) admit(conn net.Conn) net.Conn {
	ip := guard.Source(guard.SourceOf(conn.RemoteAddr().String()))
	l.mu.Lock()
	switch {
	case l.total >= l.limits.MaxConns:
		l.mu.Unlock()
		conn.Close()
		l.note("cap", "sip tcp connection refused: listener at its cap", "max_conns", l.limits.MaxConns)
		return nil
	case l.perIP[ip] >= l.limits.MaxConnsPerIP:
		l.mu.Unlock()
		conn.Close()
		l.note("cap-ip", "sip tcp connection refused: source at its cap", "source", ip.String(), "max_conns_per_ip", l.limits.MaxConnsPerIP)
		return nil
	}
	l.total++
	l.perIP[ip]++
	l.mu.Unlock()
	return &limitConn{Conn: conn, l: l, ip: ip, accepted: time.Now()}
}

// release forgets a closed connection from ip.
func (l *limitListener) release(ip netip.Prefix) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.total--
	if l.perIP[ip]--; l.perIP[ip] <= 0 {
		delete(l.perIP, ip)
	}
}

// Close closes the listener and ends a pending backoff.
func (l *limitListener) Close() error {
	l.closeOnce.Do(func() { close(l.closed) })
	return l.Listener.Close()
}

// note logs msg unless a line of the same kind went out less than
// limitLogEvery ago; the line says how many were not logged in between.
func (l *limitListener) note(kind, msg string, args ...any) {
	now := time.Now()
	l.mu.Lock()
	if now.Sub(l.lastLog[kind]) < limitLogEvery {
		l.dropped[kind]++
		l.mu.Unlock()
		return
	}
	l.lastLog[kind] = now
	n := l.dropped[kind]
	l.dropped[kind] = 0
	l.mu.Unlock()
	l.log.Warn(msg, append(args, "not_logged_since_last", n)...)
}

// limitConn is an accepted connection that closes itself when its peer
// is idle too long or too slow to finish a message. Read is called by one
// goroutine at a time (sipgo's reader), which owns frame and the times.
type limitConn struct {
	net.Conn
	l        *limitListener
	ip       netip.Prefix
	accepted time.Time

	frame     framer
	started   time.Time // when the message being read began
	lastRead  time.Time // when data last came
	completed bool      // a whole message has come

	closeOnce sync.Once
}

// Read reads with a deadline: ReadTimeout from accept until the first
// message is whole, ReadTimeout from the first byte of any later message,
// and IdleTimeout between messages. Past it the connection is closed and
// Read returns io.EOF (sipgo then ends the connection quietly).
func (c *limitConn) Read(b []byte) (int, error) {
	for {
		if err := c.Conn.SetReadDeadline(c.deadline()); err != nil {
			return 0, err
		}
		n, err := c.Conn.Read(b)
		if n > 0 {
			now := time.Now()
			c.lastRead = now
			c.feed(b[:n], now)
			return n, err
		}
		var ne net.Error
		if err == nil || !errors.As(err, &ne) || !ne.Timeout() {
			return n, err
		}
		idle := c.completed && !c.frame.inMessage()
		if idle && c.l.busy != nil && c.l.busy(c.RemoteAddr().String()) {
			c.lastRead = time.Now()
			continue
		}
		kind, msg := "slow", "sip tcp connection closed: message not complete within the read timeout"
		if idle {
			kind, msg = "idle", "sip tcp connection closed: idle"
		}
		c.l.note(kind, msg, "remote", c.RemoteAddr().String())
		c.Close()
		return 0, io.EOF
	}
}

// feed follows the message framing through data that arrived at now.
func (c *limitConn) feed(data []byte, now time.Time) {
	for len(data) > 0 {
		was := c.frame.inMessage()
		used, done := c.frame.feed(data)
		if !was && c.frame.inMessage() {
			c.started = now
		}
		if done {
			c.completed = true
		}
		data = data[used:]
	}
}

func (c *limitConn) deadline() time.Time {
	switch {
	case !c.completed:
		return c.accepted.Add(c.l.limits.ReadTimeout)
	case c.frame.inMessage():
		return c.started.Add(c.l.limits.ReadTimeout)
	default:
		return c.lastRead.Add(c.l.limits.IdleTimeout)
	}
}

// Write writes with a deadline of ReadTimeout, so that a peer that stops
// reading cannot hold a writer (a response, a request we send) forever.
func (c *limitConn) Write(b []byte) (int, error) {
	if err := c.Conn.SetWriteDeadline(time.Now().Add(c.l.limits.ReadTimeout)); err != nil {
		return 0, err
	}
	return c.Conn.Write(b)
}

// Close closes the connection and releases its place under the caps; it
// is idempotent.
func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.closeOnce.Do(func() { c.l.release(c.ip) })
	return err
}

// limitListener wraps a tcp:// or tls:// listener in the server's
// TCPLimits. For TLS it wraps the TLS listener, so that the handshake
// counts against the read timeout and the framer sees plain SIP.
func (s *Server) limitListener(ln net.Listener) *limitListener {
	return newLimitListener(ln, s.opts.TCP, s.log, s.hasDialogWith)
}

// hasDialogWith tells whether a call's INVITE came from, or went to, the
// transport address remote ("ip:port"): its connection carries the
// dialog's BYE and re-INVITEs, so it is not idle however quiet it is.
func (s *Server) hasDialogWith(remote string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.calls {
		switch {
		case c.uas != nil && c.uas.InviteRequest.Source() == remote:
			return true
		case c.uac != nil && c.uac.InviteRequest.Destination() == remote:
			return true
		}
	}
	return false
}
