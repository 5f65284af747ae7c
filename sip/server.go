// Package sip is Parley's SIP user agent on emiago/sipgo: it answers calls
// into rooms (RFC 3261), negotiates their media (RFC 3264) and hands each
// call to the bridge as a Leg.
package sip

import (
	"context"
	cryptorand "crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	gosip "github.com/emiago/sipgo/sip"

	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/guard"
	"github.com/parleyhq/parley/ivr"
	"github.com/parleyhq/parley/media"
	"github.com/parleyhq/parley/media/dtmf"
	"github.com/parleyhq/parley/prompts"
	"github.com/parleyhq/parley/sip/digest"
)

// Options configure a Server.
type Options struct {
	// Listen lists where to take SIP, as udp://, tcp:// or tls://HOST:PORT.
	// Port 0 picks a free port; Addrs tells which.
	Listen []string
	// TLS is the server certificate for tls:// listeners (RFC 3261 §26.3.1).
	TLS *tls.Config
	// PublicIP, when valid, is advertised in Contact and SDP instead of the
	// local address (for a bridge behind 1:1 NAT).
	PublicIP netip.Addr
	// Ports hands out RTP ports.
	Ports *media.PortRange
	// Shared, when set, gives audio legs a share of its sockets instead of
	// a port of their own from Ports (config rtp.shared_ports); video
	// still takes its ports from Ports.
	Shared *media.SharedPorts
	// RTPListenIP is the address RTP and video sockets bind to; the zero
	// Addr binds every interface.
	RTPListenIP netip.Addr
	// MaxUnacked is how many INVITEs from one source IP (IPv6: one /64)
	// may be answered 200 and not yet ACKed at a time; more are refused
	// with 503 and Retry-After (see pending.go). Zero means
	// DefaultMaxUnacked; negative means no limit.
	MaxUnacked int
	// AckTimeout ends a call whose 200 has had no ACK for this long and
	// frees its ports (RFC 3261 §13.3.1.4 allows 64*T1, 32 s; a legitimate
	// ACK comes within a round trip). Zero means DefaultAckTimeout.
	AckTimeout time.Duration
	// RTPTimeout hangs up a call that has sent no RTP for this long; zero
	// never hangs up.
	RTPTimeout time.Duration
	// SRTP is the SRTP policy of calls in (sdes.go); empty means
	// SRTPOptional.
	SRTP SRTPMode
	// Logger receives one line per call event; nil means slog.Default().
	Logger *slog.Logger
	// Prompts are the voice prompts callers hear; nil means the embedded ones.
	Prompts *prompts.Set
	// Keys map phone key sequences to in-call actions; nil means
	// ivr.DefaultKeys.
	Keys map[string]ivr.Action
	// Domain is the host part of our URIs (From of calls out); empty uses
	// the local address.
	Domain string
	// Trunks are the credentials of each trunk, by trunk name.
	Trunks map[string]TrunkAuth
	// Extensions may register (RFC 3261 §10); while there are none
	// (SetExtensions may add some) REGISTER is refused with 405.
	Extensions []Extension
	// AuthAlgorithms are the digest algorithms REGISTER challenges offer,
	// in order; nil means MD5 then SHA-256.
	AuthAlgorithms []digest.Algorithm
	// OnMediaEnded, if set, gets the final RTP counters of every stream
	// that ends (metrics). It must not block.
	OnMediaEnded func(RTPStats)
	// OnCallIn, if set, is told the result of every call in: answered,
	// refused, busy, … (metrics). It must not block.
	OnCallIn func(result string)
	// OnMessage, if set, is told of SIP messages received and sent
	// (metrics; see Server.countMessage for which). It must not block.
	OnMessage func(Message)
	// TCP bounds connections and their timeouts on tcp:// and tls://
	// listeners; zero fields take the defaults (TCPLimits).
	TCP TCPLimits
	// MinSE is the smallest session-timer interval accepted, in seconds
	// (RFC 4028 Min-SE); zero means 90.
	MinSE int
	// DigestGuard limits the guessing of registrar passwords
	// (RegistrarOptions.Guard) and PINGuard that of room PINs on the
	// phone, keyed by room number and counted per caller IP. Nil makes
	// one guard of the package guard's defaults for both.
	DigestGuard, PINGuard Limiter
	// SharedBindings and Node make the registrar share its bindings with
	// the other nodes of a cluster (RegistrarOptions.Shared and Node);
	// nil for a single node.
	SharedBindings SharedBindings
	Node           string
	// Trace, if set, sees every SIP message on the listening sockets
	// (trace.go); nil traces nothing and wraps nothing.
	Trace Tracer
	// Codecs are the audio formats calls in and out may use (codecs.go);
	// nil means DefaultCodecs. New fails for one media cannot decode.
	Codecs Codecs
	// Cluster, if set, routes new calls in (route.go): one for a room
	// another node serves is redirected there. Nil: every call is ours.
	Cluster RoomRouter
}

// allowed lists the methods Parley handles, for Allow headers.
const allowed = "INVITE, ACK, BYE, CANCEL, OPTIONS, UPDATE, INFO, REGISTER"

// Server answers SIP calls into the bridge's rooms.
type Server struct {
	bridge  *bridge.Bridge
	opts    Options
	log     *slog.Logger
	prompts atomic.Pointer[prompts.Set]          // SetPrompts replaces it (reload)
	trunks  atomic.Pointer[map[string]TrunkAuth] // SetTrunks replaces it (reload)
	flow    *ivr.Flow                            // the phone call flow: PIN prompt, keys

	ua     *sipgo.UserAgent
	srv    *sipgo.Server
	client *sipgo.Client

	panics    *panicLog    // recovered panics, logged rate limited
	refusals  *slog.Logger // requests refused by validation, logged rate limited
	lnMu      sync.RWMutex
	listeners []*listener        // in the order of Listen; guarded by lnMu (listeners.go)
	unacked   *unacked           // calls in awaiting the ACK of their 200, per source
	registrar *Registrar         // set by Start; REGISTER is refused while it has no extensions
	stopBg    context.CancelFunc // ends the registrar's goroutine

	mu     sync.Mutex
	calls  map[string]*call // by dialog ID; guarded by mu
	closed bool             // guarded by mu
	wg     sync.WaitGroup   // the calls' goroutines and the listeners' serve loops

	// listenerDown is set when a listener stopped serving on an error
	// before Close (drain.go: Ready).
	listenerDown atomic.Bool
	// ackWatches counts the goroutines waiting for the ACK to a non-2xx
	// (counted.go: watchAck), at most maxAckWatches.
	ackWatches atomic.Int64
}

// New returns a server for b. It binds nothing until Start.
func New(b *bridge.Bridge, opts Options) (*Server, error) {
	if opts.Ports == nil {
		return nil, errors.New("sip: no rtp port range")
	}
	if len(opts.Listen) == 0 {
		return nil, errors.New("sip: nothing to listen on")
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Prompts == nil {
		set, err := prompts.Default()
		if err != nil {
			return nil, fmt.Errorf("sip: %w", err)
		}
		opts.Prompts = set
	}
	if opts.Codecs == nil {
		opts.Codecs = DefaultCodecs()
	}
	if err := opts.Codecs.check(); err != nil {
		return nil, err
	}
	if opts.MinSE == 0 {
		opts.MinSE = defaultMinSE
	}
	if opts.DigestGuard == nil || opts.PINGuard == nil {
		g, err := guard.New(guard.Options{Logger: opts.Logger})
		if err != nil {
			return nil, fmt.Errorf("sip: %w", err)
		}
		if opts.DigestGuard == nil {
			opts.DigestGuard = g.For(guard.SIPDigest)
		}
		if opts.PINGuard == nil {
			opts.PINGuard = g.For(guard.PIN)
		}
	}
	s := &Server{bridge: b, opts: opts, log: opts.Logger,
		panics:   newPanicLog(opts.Logger, time.Now),
		refusals: slog.New(newLimitedHandler(opts.Logger.Handler(), time.Now, slog.LevelInfo)),
		unacked:  newUnacked(opts.MaxUnacked),
		calls:    make(map[string]*call)}
	s.prompts.Store(opts.Prompts)
	flow, err := ivr.New(ivr.Options{Prompts: s.voice, Guard: opts.PINGuard, Keys: opts.Keys})
	if err != nil {
		return nil, fmt.Errorf("sip: %w", err)
	}
	s.flow = flow
	s.SetTrunks(opts.Trunks)
	return s, nil
}

// Start binds every listen address and serves SIP on them in the
// background until Close.
func (s *Server) Start() error {
	// sipgo logs every packet that does not parse, whole: its warnings
	// and errors are rate limited and cut (siplog.go).
	sipgoLog := slog.New(newLimitedHandler(s.log.Handler(), time.Now, slog.LevelWarn))
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("Parley"),
		sipgo.WithUserAgentTransportLayerOptions(gosip.WithTransportLayerLogger(sipgoLog)),
		sipgo.WithUserAgentTransactionLayerOptions(gosip.WithTransactionLayerLogger(sipgoLog)))
	if err != nil {
		return fmt.Errorf("sip: %w", err)
	}
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(sipgoLog))
	if err != nil {
		return fmt.Errorf("sip: %w", err)
	}
	client, err := sipgo.NewClient(ua, sipgo.WithClientLogger(sipgoLog))
	if err != nil {
		return fmt.Errorf("sip: %w", err)
	}
	s.ua, s.srv, s.client = ua, srv, client
	if err := s.startRegistrar(); err != nil {
		return err
	}
	// Every request is validated first and fails alone (validate.go).
	for method, h := range s.routes() {
		srv.OnRequest(method, h)
	}
	srv.OnNoRoute(s.guarded(s.onOtherMethod))
	if err := s.SetListen(s.opts.Listen); err != nil {
		s.Close()
		return err
	}
	return nil
}

// Close hangs up every call with BYE, stops listening and waits for the
// server's goroutines. It is idempotent.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	calls := make([]*call, 0, len(s.calls))
	for _, c := range s.calls {
		calls = append(calls, c)
	}
	s.mu.Unlock()
	for _, c := range calls {
		c.Hangup("server shutting down")
	}
	s.wgCalls()
	if s.stopBg != nil {
		s.stopBg()
	}
	s.closeListeners()
	if s.ua != nil {
		s.ua.Close()
	}
	s.wg.Wait()
	return nil
}

// wgCalls waits until every call has ended.
func (s *Server) wgCalls() {
	for {
		s.mu.Lock()
		n := len(s.calls)
		s.mu.Unlock()
		if n == 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// startRegistrar creates the registrar for the configured extensions (even
// none: a reload may add some) and runs its expiry and keep-alive loop
// until Close.
func (s *Server) startRegistrar() error {
	key := make([]byte, 32)
	if _, err := cryptorand.Read(key); err != nil {
		return fmt.Errorf("sip: nonce key: %w", err)
	}
	realm := s.opts.Domain
	if realm == "" {
		realm = "parley"
	}
	algs := s.opts.AuthAlgorithms
	if len(algs) == 0 {
		algs = []digest.Algorithm{digest.MD5, digest.SHA256}
	}
	auth, err := digest.NewServer(realm, key, digest.WithAlgorithms(algs...))
	if err != nil {
		return fmt.Errorf("sip: %w", err)
	}
	reg, err := NewRegistrar(s.opts.Extensions, auth, RegistrarOptions{Logger: s.log, SendOptions: s.sendOptions,
		Guard: s.opts.DigestGuard, Shared: s.opts.SharedBindings, Node: s.opts.Node})
	if err != nil {
		return fmt.Errorf("sip: %w", err)
	}
	s.registrar = reg
	ctx, cancel := context.WithCancel(context.Background())
	s.stopBg = cancel
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		reg.Run(ctx)
	}()
	return nil
}

// sendFromListener makes a request we originate leave from our listening
// socket for transport (over UDP; sipgo would otherwise open a new socket
// per destination) and gives it a Via naming our advertised address and
// that port, with rport (RFC 3261 §18.1.1, RFC 3581).
func (s *Server) sendFromListener(req *gosip.Request, transport string, local netip.Addr) {
	l := s.listenerFor(transport)
	if l == nil {
		return
	}
	if transport == "udp" {
		req.Laddr = gosip.Addr{IP: l.addr.Addr().AsSlice(), Port: int(l.addr.Port())}
	}
	via := &gosip.ViaHeader{ProtocolName: "SIP", ProtocolVersion: "2.0", Transport: strings.ToUpper(transport),
		Host: local.String(), Port: int(l.addr.Port()), Params: gosip.NewParams()}
	via.Params.Add("branch", gosip.GenerateBranchN(16))
	via.Params.Add("rport", "")
	req.PrependHeader(via)
}

// sendOptions pings a registered device (the registrar's keep-alive): any
// final response means it is alive.
func (s *Server) sendOptions(ctx context.Context, b Binding) (err error) {
	defer s.recoverErr("options ping", &err)
	req := gosip.NewRequest(gosip.OPTIONS, b.Contact)
	req.SetDestination(b.Destination)
	req.SetTransport(strings.ToUpper(b.Transport))
	s.sendFromListener(req, strings.ToLower(b.Transport), s.localAddr(b.Destination))
	res, err := s.client.Do(ctx, req)
	s.countExchange(gosip.OPTIONS, res)
	return err
}

// minSE is the smallest session interval accepted, in seconds.
func (s *Server) minSE() int { return s.opts.MinSE }

// localAddr is the address a peer at remote reaches us on: the public IP if
// configured, else the source address the kernel would use towards remote.
func (s *Server) localAddr(remote string) netip.Addr {
	if s.opts.PublicIP.IsValid() {
		return s.opts.PublicIP
	}
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	conn, err := net.Dial("udp", net.JoinHostPort(host, "9"))
	if err != nil {
		return netip.IPv4Unspecified()
	}
	defer conn.Close()
	return conn.LocalAddr().(*net.UDPAddr).AddrPort().Addr().Unmap()
}

// contact is our Contact header for a dialog started by req (RFC 3261
// §8.1.1.8): our address on the transport the request came over.
func (s *Server) contact(req *gosip.Request) *gosip.ContactHeader {
	return s.contactFor(strings.ToLower(req.Transport()), s.localAddr(req.Source()))
}

// contactFor is our Contact on transport at address local.
func (s *Server) contactFor(transport string, local netip.Addr) *gosip.ContactHeader {
	uri := gosip.Uri{Scheme: "sip", Host: local.String()}
	if l := s.listenerFor(transport); l != nil {
		uri.Port = int(l.addr.Port())
	}
	if transport != "udp" {
		uri.UriParams = gosip.NewParams()
		uri.UriParams.Add("transport", transport)
	}
	return &gosip.ContactHeader{Address: uri}
}

func (s *Server) onOptions(req *gosip.Request, tx gosip.ServerTransaction) {
	res := gosip.NewResponseFromRequest(req, gosip.StatusOK, "OK", nil)
	res.AppendHeader(gosip.NewHeader("Allow", s.allowed()))
	res.AppendHeader(gosip.NewHeader("Supported", "timer"))
	res.AppendHeader(gosip.NewHeader("Accept", "application/sdp"))
	if err := tx.Respond(res); err != nil {
		s.log.Debug("options response failed", "err", err)
	}
}

func (s *Server) onAck(req *gosip.Request, tx gosip.ServerTransaction) {
	c := s.callFor(req)
	if c == nil || c.uas == nil {
		return
	}
	if body := req.Body(); len(body) > 0 {
		c.dlg.acked(body) // the answer of a late offer (RFC 3261 §13.2.1)
	}
	if err := c.uas.ReadAck(req, tx); err != nil {
		c.log.Debug("ack not for this dialog", "err", err)
	}
}

func (s *Server) onBye(req *gosip.Request, tx gosip.ServerTransaction) {
	c := s.callFor(req)
	if c == nil {
		respond(tx, req, gosip.StatusCallTransactionDoesNotExists, "Call/Transaction Does Not Exist")
		return
	}
	var err error
	if c.uas != nil {
		err = c.uas.ReadBye(req, tx)
	} else {
		err = c.uac.ReadBye(req, tx)
	}
	if err != nil {
		respond(tx, req, gosip.StatusBadRequest, err.Error())
		return
	}
	c.end("remote hung up")
}

func (s *Server) onUpdate(req *gosip.Request, tx gosip.ServerTransaction) {
	c := s.callFor(req)
	if c == nil {
		respond(tx, req, gosip.StatusCallTransactionDoesNotExists, "Call/Transaction Does Not Exist")
		return
	}
	c.onUpdate(req, tx)
}

// onInfo takes DTMF sent as SIP INFO (application/dtmf-relay or
// application/dtmf) into the same digit stream as RFC 4733 and in-band.
func (s *Server) onInfo(req *gosip.Request, tx gosip.ServerTransaction) {
	c := s.callFor(req)
	if c == nil {
		respond(tx, req, gosip.StatusCallTransactionDoesNotExists, "Call/Transaction Does Not Exist")
		return
	}
	ct := ""
	if h := req.ContentType(); h != nil {
		ct = h.Value()
	}
	d, err := dtmf.ParseInfo(ct, req.Body())
	if err != nil {
		c.log.Info("INFO refused", "reason", err.Error())
		respond(tx, req, gosip.StatusUnsupportedMediaType, "Unsupported Media Type")
		return
	}
	respond(tx, req, gosip.StatusOK, "OK")
	c.onDigit(d)
}

// callFor finds the call a request belongs to, whichever side began it.
func (s *Server) callFor(req *gosip.Request) *call {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id, err := gosip.DialogIDFromRequestUAS(req); err == nil {
		if c := s.calls[id]; c != nil {
			return c
		}
	}
	if id, err := gosip.DialogIDFromRequestUAC(req); err == nil {
		return s.calls[id]
	}
	return nil
}

func respond(tx gosip.ServerTransaction, req *gosip.Request, code int, reason string) {
	_ = tx.Respond(gosip.NewResponseFromRequest(req, code, reason, nil))
}
