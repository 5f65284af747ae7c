// Package h323 is Parley's H.323 edge (ITU-T H.323): room systems that dial
// a room's number and those a moderator calls out to as #h323:@HOST. It
// speaks H.225.0 call signalling (Q.931 over TPKT on TCP) with Fast Connect
// and H.245 (tunnelled or on its own connection, slow start when the peer
// does not take Fast Connect), carries G.711 over RTP through media.Stream
// as the SIP edge does, and hands digits (H.245 UserInputIndication,
// Q.931 keypad, in-band tones) to the phone flow of package ivr. A call is
// a bridge.Leg; the Server is a bridge.Dialer for ViaH323 routes. It
// imports neither sip nor webrtc.
package h323

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"runtime/debug"
	"sync"
	"time"

	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/guard"
	"github.com/parleyhq/parley/ivr"
	"github.com/parleyhq/parley/media"
)

// Defaults of Options.
const (
	DefaultMaxCalls      = 100
	DefaultMaxConnsPerIP = 8
	DefaultSetupTimeout  = 10 * time.Second
)

// Rooms is what the edge needs of the bridge for calls in.
type Rooms interface {
	// Room returns the room of that number, or an error wrapping
	// bridge.ErrUnknownRoom.
	Room(number string) (*bridge.Room, error)
	// Draining reports whether the process stops: new calls are refused.
	Draining() bool
}

// Options configure a Server.
type Options struct {
	// Listen is the call-signalling TCP address, "HOST:PORT"; empty takes
	// no calls in (dial-out still works).
	Listen string
	// Ports is the RTP port range, shared with the SIP edge. Required.
	Ports *media.PortRange
	// RTPListenIP is the address RTP sockets bind to; the zero Addr binds
	// every interface.
	RTPListenIP netip.Addr
	// PublicIP, if valid, is the address H.225.0 and H.245 name for
	// Parley's signalling and media (behind 1:1 NAT).
	PublicIP netip.Addr
	// Flow is the phone call flow: PIN prompt, admission, phone keys.
	// Required.
	Flow *ivr.Flow
	// MaxCalls caps the calls in progress, in and out; 0 means
	// DefaultMaxCalls.
	MaxCalls int
	// MaxConnsPerIP caps the signalling connections from one IPv4 address
	// or IPv6 /64; 0 means DefaultMaxConnsPerIP.
	MaxConnsPerIP int
	// SetupTimeout bounds the time to the Setup on a new connection, to
	// the media of a call, and each message from its first byte to its
	// last; 0 means DefaultSetupTimeout.
	SetupTimeout time.Duration
	// RTPTimeout ends a call that has received no RTP for this long; 0
	// never does.
	RTPTimeout time.Duration
	// Cluster, if set, is asked where each call in goes, as the SIP edge
	// asks it (sip.RoomRouter): with cascading it links this node to the
	// room's owner before the caller joins here. nil: a single node.
	Cluster RoomRouter
	// Logger receives the edge's log; nil discards it.
	Logger *slog.Logger
}

// RoomRouter is the cluster's say on a call in (cmd/parley's
// clusterRouter implements it).
type RoomRouter interface {
	// RouteCall returns the SIP HOST:PORT of the node a new call for room
	// belongs on, or "" to take it here; then done, which must not block,
	// is called once when the call is over.
	RouteCall(room string) (redirect string, done func())
}

// Server is the H.323 edge. New builds it, Start binds the listener, Close
// ends every call and waits for the goroutines. Its methods are safe for
// concurrent use.
type Server struct {
	opts  Options
	rooms Rooms
	log   *slog.Logger

	mu     sync.Mutex
	ln     net.Listener         // nil until Start, or without Listen
	calls  map[*call]struct{}   // the calls in progress, in and out; guarded by mu
	perIP  map[netip.Prefix]int // open signalling connections per source; guarded by mu
	closed bool                 // guarded by mu
	wg     sync.WaitGroup       // the accept loop, the connections and the calls
}

var _ bridge.Dialer = (*Server)(nil)

// New returns a server of rooms; it binds nothing.
func New(rooms Rooms, opts Options) (*Server, error) {
	if rooms == nil {
		return nil, errors.New("h323: no rooms")
	}
	if opts.Ports == nil {
		return nil, errors.New("h323: no rtp port range")
	}
	if opts.Flow == nil {
		return nil, errors.New("h323: no phone flow")
	}
	if opts.Listen != "" {
		if _, _, err := net.SplitHostPort(opts.Listen); err != nil {
			return nil, fmt.Errorf("h323: listen %q: %w", opts.Listen, err)
		}
	}
	if opts.MaxCalls <= 0 {
		opts.MaxCalls = DefaultMaxCalls
	}
	if opts.MaxConnsPerIP <= 0 {
		opts.MaxConnsPerIP = DefaultMaxConnsPerIP
	}
	if opts.SetupTimeout <= 0 {
		opts.SetupTimeout = DefaultSetupTimeout
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Server{opts: opts, rooms: rooms, log: log, calls: make(map[*call]struct{}), perIP: make(map[netip.Prefix]int)}, nil
}

// Start binds the call-signalling listener, if Options.Listen is set, and
// accepts calls on it.
func (s *Server) Start() error {
	if s.opts.Listen == "" {
		return nil
	}
	ln, err := net.Listen("tcp", s.opts.Listen)
	if err != nil {
		return fmt.Errorf("h323: %w", err)
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		ln.Close()
		return net.ErrClosed
	}
	s.ln = ln
	s.wg.Add(1)
	s.mu.Unlock()
	s.log.Info("h323 listening", "addr", ln.Addr().String())
	go s.accept(ln)
	return nil
}

// Addr returns the bound call-signalling address; the zero AddrPort
// before Start or without a listener.
func (s *Server) Addr() netip.AddrPort {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return netip.AddrPort{}
	}
	ap, _ := netip.ParseAddrPort(s.ln.Addr().String())
	return ap
}

// Close stops the listener, ends every call with ReleaseComplete and
// waits for them. It is idempotent.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	ln := s.ln
	calls := make([]*call, 0, len(s.calls))
	for c := range s.calls {
		calls = append(calls, c)
	}
	s.mu.Unlock()
	if ln != nil {
		ln.Close()
	}
	for _, c := range calls {
		c.hangup("server stopping")
	}
	s.wg.Wait()
}

// Accept backoff after an error other than the listener's close (EMFILE,
// ECONNABORTED): the loop must outlast them.
const (
	acceptBackoffMin = 5 * time.Millisecond
	acceptBackoffMax = time.Second
)

// accept runs the accept loop until the listener closes.
func (s *Server) accept(ln net.Listener) {
	defer s.wg.Done()
	backoff := acceptBackoffMin
	for {
		conn, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			s.log.Warn("h323 accept failed; retrying", "err", err)
			time.Sleep(backoff)
			backoff = min(2*backoff, acceptBackoffMax)
			continue
		}
		backoff = acceptBackoffMin
		src := guard.Source(guard.SourceOf(conn.RemoteAddr().String()))
		if !s.admitConn(src) {
			s.log.Warn("h323 connection refused: source at its cap", "source", src.String(), "max_conns_per_ip", s.opts.MaxConnsPerIP)
			conn.Close()
			continue
		}
		go func() {
			defer s.wg.Done()
			defer s.releaseConn(src)
			defer conn.Close()
			defer s.recoverConn(conn)
			s.serveConn(conn)
		}()
	}
}

// admitConn counts a connection from src, or reports false at the cap or
// once the server is closed.
func (s *Server) admitConn(src netip.Prefix) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.perIP[src] >= s.opts.MaxConnsPerIP {
		return false
	}
	s.perIP[src]++
	s.wg.Add(1)
	return true
}

func (s *Server) releaseConn(src netip.Prefix) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.perIP[src]--; s.perIP[src] <= 0 {
		delete(s.perIP, src)
	}
}

// errTooManyCalls refuses a call beyond Options.MaxCalls.
var errTooManyCalls = errors.New("h323: too many calls")

// addCall registers c, or fails at the cap or once the server is closed.
func (s *Server) addCall(c *call) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return bridge.ErrClosed
	case len(s.calls) >= s.opts.MaxCalls:
		return errTooManyCalls
	}
	s.calls[c] = struct{}{}
	return nil
}

// Calls returns how many H.323 calls are in progress, in and out (the
// drain waits for them).
func (s *Server) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.calls)
}

func (s *Server) removeCall(c *call) {
	s.mu.Lock()
	delete(s.calls, c)
	s.mu.Unlock()
}

// recoverCall is deferred first on a call's goroutines: a panic ends only
// that call (ReleaseComplete, then its media is released), logged with its
// stack.
func (s *Server) recoverCall(c *call, where string) {
	v := recover()
	if v == nil {
		return
	}
	c.log.Error("h323 call panicked: call ended", "where", where, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
	c.hangup("internal error")
}

// recoverConn is deferred on a connection's goroutine: a panic before its
// call exists closes only that connection (a call's own goroutines have
// recoverCall), logged with its stack.
func (s *Server) recoverConn(conn net.Conn) {
	if v := recover(); v != nil {
		s.log.Error("h323 connection panicked: closed", "remote", conn.RemoteAddr().String(), "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
	}
}
