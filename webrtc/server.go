// Package webrtc lets browser guests into Parley's rooms over WebRTC, on
// pion/webrtc: one PeerConnection per guest, signalled over a WebSocket
// (signal.go, call.go), with Opus audio decoded into the room's mix and the
// mix sent back as Opus (leg.go, receiver.go, sender.go), and VP8 or H.264
// video forwarded from each guest to the room's other guests, never
// decoded (video.go, renegotiate.go; the bridge's room routes it, package
// video), each receiver getting the simulcast layer its bandwidth estimate
// allows (simulcast.go, bwe.go). All media of all
// guests goes through one UDP port (pion's ICE UDP mux), so an admin opens
// one port in the firewall; DTLS-SRTP protects it, as WebRTC requires.
//
// Each guest's call (call.go) is a loop that owns the call's state, with
// its parts in types of their own: the signalling queue, both ways
// (queue.go), the offer/answer with the page (renegotiate.go), the video
// forwarded to the guest (forwards.go) and the media goroutines (group.go).
//
// The package is an edge: it meets the rest of Parley only through the
// bridge's Room and Leg, and never imports the SIP edge.
package webrtc

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/stun/v4"
	pion "github.com/pion/webrtc/v4"

	"github.com/parleyhq/parley/bridge"
)

// ErrClosed is returned by Handle once Close has been called.
var ErrClosed = errors.New("webrtc: server closed")

// Defaults for the zero fields of Options.
const (
	// DefaultSilenceLevel is the RFC 6464 audio level (in -dBov) at or
	// above which a received packet counts as silence: quieter than
	// -50 dBov.
	DefaultSilenceLevel = 50
	// DefaultConnectTimeout is how long a guest has, from the start of
	// Handle, to get its PeerConnection connected.
	DefaultConnectTimeout = 30 * time.Second
)

// Rooms is what the server needs of the bridge: *bridge.Bridge.
type Rooms interface {
	// Room returns the room with the given number, or an error wrapping
	// bridge.ErrUnknownRoom or bridge.ErrClosed.
	Room(number string) (*bridge.Room, error)
}

// ICEServer is a STUN or TURN server the browsers use (RFC 8489, RFC 8656).
// Its JSON form is the browser's RTCIceServer dictionary.
type ICEServer struct {
	// URLs are the server's URIs, "stun:host:port" or
	// "turn:host:port?transport=udp" (RFC 7064, RFC 7065).
	URLs []string `json:"urls"`
	// Username is the TURN user name; empty for STUN.
	Username string `json:"username,omitempty"`
	// Credential is the TURN password; empty for STUN.
	Credential string `json:"credential,omitempty"`
}

// Options configure a Server.
type Options struct {
	// Bridge holds the rooms guests join; required.
	Bridge Rooms
	// ListenIP is the local address of the media port; empty listens on
	// every address and advertises each interface's address. A loopback
	// address (tests) is advertised as a host candidate too.
	ListenIP string
	// UDPPort is the one UDP port all WebRTC media goes through (ICE,
	// DTLS, SRTP of every guest); 0 picks a free port (tests).
	UDPPort int
	// PublicIP, when set, is advertised instead of the local addresses in
	// the host candidates: the server sits behind a 1:1 NAT that forwards
	// UDPPort to it unchanged.
	PublicIP string
	// ICEServers are the STUN and TURN servers handed to browsers in the
	// "config" message, for guests behind NATs that need them. The server
	// itself gathers only host candidates on UDPPort.
	ICEServers []ICEServer
	// SilenceLevel is the RFC 6464 audio level, 1 to 127 (-dBov), at or
	// above which a guest's packet is not decoded at all; 0 means
	// DefaultSilenceLevel and a negative value decodes every packet.
	SilenceLevel int
	// ConnectTimeout is how long a guest may take to connect; 0 means
	// DefaultConnectTimeout.
	ConnectTimeout time.Duration
	// Logger receives the server's logs, and pion's; nil means
	// slog.Default().
	Logger *slog.Logger
}

// Stats are the server's counters since New.
type Stats struct {
	// Calls is the number of guests whose Handle is running.
	Calls int
	// Packets counts the audio RTP packets received from guests.
	Packets uint64
	// Silent counts the packets of Packets that the RFC 6464 audio level
	// marked as silence, and that were therefore never decoded.
	Silent uint64
	// Decoded counts the frames decoded from packets.
	Decoded uint64
	// Concealed counts the frames made up for lost packets (PLC or FEC).
	Concealed uint64
	// DecodeErrors counts the payloads the decoder rejected.
	DecodeErrors uint64
	// Sent counts the audio packets sent to guests.
	Sent uint64
	// SendErrors counts the packets that could not be sent.
	SendErrors uint64
	// VideoPackets counts the video RTP packets received from guests, to
	// be forwarded.
	VideoPackets uint64
	// KeyframeRequests counts the PLIs sent to publishing guests.
	KeyframeRequests uint64
	// Sessions counts the guests' calls that ended (Handle returned), by
	// outcome (SessionOutcome).
	Sessions map[SessionOutcome]uint64
}

// counters are Stats as atomics, shared by every call.
type counters struct {
	packets, silent, decoded, concealed, decodeErrors, sent, sendErrors atomic.Uint64
	videoPackets, keyframeRequests                                      atomic.Uint64
	sessions                                                            [len(sessionOutcomes)]atomic.Uint64
}

// Server admits browser guests into rooms. It is safe for concurrent use.
type Server struct {
	rooms          Rooms
	log            *slog.Logger
	api            *pion.API
	mux            ice.UDPMux
	addr           netip.AddrPort
	iceServers     []ICEServer
	silence        int // 0: decode everything
	connectTimeout time.Duration
	answerTimeout  time.Duration // for a browser's answer to a server offer; tests shorten it
	stats          counters
	nextID         atomic.Uint64
	estimators     estimators // each new PeerConnection's, until its call takes it

	closeOnce sync.Once
	wg        sync.WaitGroup // the Handle calls in progress

	mu     sync.Mutex
	calls  map[*call]struct{} // guarded by mu
	closed bool               // guarded by mu
}

// New checks opts, binds the media port and returns a server ready for
// Handle. Close releases the port.
func New(opts Options) (*Server, error) {
	if opts.Bridge == nil {
		return nil, errors.New("webrtc: no bridge")
	}
	if opts.UDPPort < 0 || opts.UDPPort > 65535 {
		return nil, fmt.Errorf("webrtc: udp port %d out of range", opts.UDPPort)
	}
	if opts.SilenceLevel > 127 {
		return nil, fmt.Errorf("webrtc: silence level %d above 127", opts.SilenceLevel)
	}
	if opts.ConnectTimeout < 0 {
		return nil, fmt.Errorf("webrtc: negative connect timeout %v", opts.ConnectTimeout)
	}
	listen := netip.IPv4Unspecified()
	if opts.ListenIP != "" {
		ip, err := netip.ParseAddr(opts.ListenIP)
		if err != nil {
			return nil, fmt.Errorf("webrtc: listen ip: %w", err)
		}
		listen = ip
	}
	if opts.PublicIP != "" {
		if _, err := netip.ParseAddr(opts.PublicIP); err != nil {
			return nil, fmt.Errorf("webrtc: public ip: %w", err)
		}
	}
	for i, srv := range opts.ICEServers {
		if len(srv.URLs) == 0 {
			return nil, fmt.Errorf("webrtc: ice server %d has no urls", i)
		}
		for _, u := range srv.URLs {
			if _, err := stun.ParseURI(u); err != nil {
				return nil, fmt.Errorf("webrtc: ice server %q: %w", u, err)
			}
		}
	}
	s := &Server{
		rooms:          opts.Bridge,
		log:            opts.Logger,
		iceServers:     opts.ICEServers,
		silence:        opts.SilenceLevel,
		connectTimeout: opts.ConnectTimeout,
		calls:          make(map[*call]struct{}),
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	switch {
	case s.silence == 0:
		s.silence = DefaultSilenceLevel
	case s.silence < 0:
		s.silence = 0
	}
	s.answerTimeout = answerTimeout
	if s.connectTimeout == 0 {
		s.connectTimeout = DefaultConnectTimeout
	}

	conn, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(listen, uint16(opts.UDPPort))))
	if err != nil {
		return nil, fmt.Errorf("webrtc: %w", err)
	}
	s.addr = conn.LocalAddr().(*net.UDPAddr).AddrPort()
	logs := loggerFactory{s.log}
	s.mux = pion.NewICEUDPMux(logs.NewLogger("udpmux"), conn)
	s.api, err = newAPI(s.mux, listen.IsLoopback(), opts.PublicIP, logs, s.estimators.add)
	if err != nil {
		_ = s.mux.Close()
		_ = conn.Close()
		return nil, err
	}
	return s, nil
}

// Addr returns the local address of the media port.
func (s *Server) Addr() netip.AddrPort { return s.addr }

// Stats returns a snapshot of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	n := len(s.calls)
	s.mu.Unlock()
	c := &s.stats
	return Stats{
		Calls: n, Packets: c.packets.Load(), Silent: c.silent.Load(), Decoded: c.decoded.Load(),
		Concealed: c.concealed.Load(), DecodeErrors: c.decodeErrors.Load(), Sent: c.sent.Load(),
		SendErrors: c.sendErrors.Load(), VideoPackets: c.videoPackets.Load(),
		KeyframeRequests: c.keyframeRequests.Load(), Sessions: c.sessionCounts(),
	}
}

// Close ends every guest's call (each browser is sent an "ended" event),
// waits for every Handle to return, then closes the media port. Later
// Handle calls fail with ErrClosed. Close is idempotent.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		calls := make([]*call, 0, len(s.calls))
		for c := range s.calls {
			calls = append(calls, c)
		}
		s.mu.Unlock()
		for _, c := range calls {
			c.leg.Hangup("the server is shutting down")
		}
		s.wg.Wait()
		_ = s.mux.Close() // closes the UDP socket too
	})
	return nil
}

// track registers a new call, unless the server is closed.
func (s *Server) track(c *call) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	s.calls[c] = struct{}{}
	s.wg.Add(1)
	return nil
}

// untrack forgets a call whose Handle is returning.
func (s *Server) untrack(c *call) {
	s.mu.Lock()
	delete(s.calls, c)
	s.mu.Unlock()
	s.wg.Done()
}
