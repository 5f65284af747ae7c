package sip

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"slices"
)

// This file holds the server's listening sockets: binding the listen
// URLs, serving SIP on them, and changing them while calls go on
// (SetListen, for a config reload).

// listener is one bound listen URL.
type listener struct {
	url       string // as configured: SetListen keeps a listener whose URL stays
	transport string // "udp", "tcp" or "tls"
	addr      netip.AddrPort
	closer    interface{ Close() error }
	serve     func() error // serves SIP on the socket until it is closed
}

// SetListen makes the server listen on exactly urls (udp://, tcp:// or
// tls://HOST:PORT): a listener whose URL is still there keeps its socket
// and its connections, a new URL is bound and served, and a URL no longer
// there is closed. Binding comes first: if any new URL cannot be bound,
// nothing changes and the error names it. The calls on the kept
// listeners are untouched; a call whose dialog came in on a closed UDP
// listener loses that socket, and the connections a closed tcp:// or
// tls:// listener accepted run on until they end. Start calls it with
// Options.Listen; afterwards it is safe for concurrent use (a reload).
func (s *Server) SetListen(urls []string) error {
	if len(urls) == 0 {
		return errors.New("sip: nothing to listen on")
	}
	if s.srv == nil {
		return errors.New("sip: not started")
	}
	s.lnMu.Lock()
	defer s.lnMu.Unlock()
	old := slices.Clone(s.listeners)
	next := make([]*listener, len(urls))
	var added []*listener
	for i, u := range urls {
		if j := slices.IndexFunc(old, func(l *listener) bool { return l != nil && l.url == u }); j >= 0 {
			next[i], old[j] = old[j], nil
			continue
		}
		l, err := s.bind(u)
		if err != nil {
			for _, a := range added {
				a.closer.Close()
			}
			return err
		}
		next[i] = l
		added = append(added, l)
	}
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed { // Close took, or will take, lnMu after this: close what it would miss
		for _, a := range added {
			a.closer.Close()
		}
		return errors.New("sip: closed")
	}
	s.listeners = next
	for _, l := range added {
		s.serve(l)
	}
	for _, l := range old {
		if l != nil {
			l.closer.Close()
			s.log.Info("sip listener closed", "transport", l.transport, "addr", l.addr.String())
		}
	}
	return nil
}

// bind binds the socket of rawURL, wrapped for the TCP limits and the
// trace, and returns it not yet served.
func (s *Server) bind(rawURL string) (*listener, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("sip: listen address %q: want udp://HOST:PORT or tcp://HOST:PORT", rawURL)
	}
	l := &listener{url: rawURL, transport: u.Scheme}
	family := "" // an IPv4 address listens on IPv4 only, not dual-stack
	if ip, err := netip.ParseAddr(u.Hostname()); err == nil && ip.Is4() {
		family = "4"
	}
	var ln net.Listener
	switch u.Scheme {
	case "udp":
		conn, err := net.ListenPacket("udp"+family, u.Host)
		if err != nil {
			return nil, fmt.Errorf("sip: listen address %q: %w", rawURL, err)
		}
		l.addr, l.closer = conn.LocalAddr().(*net.UDPAddr).AddrPort(), conn
		traced := s.traceablePacket(conn)
		l.serve = func() error { return s.srv.ServeUDP(traced) }
		return l, nil
	case "tcp":
		ln, err = net.Listen("tcp"+family, u.Host)
	case "tls":
		if s.opts.TLS == nil {
			return nil, fmt.Errorf("sip: listen address %q: tls needs a certificate (sip.tls.cert and key)", rawURL)
		}
		ln, err = tls.Listen("tcp"+family, u.Host, s.opts.TLS)
	default:
		return nil, fmt.Errorf("sip: listen address %q: transport %q is not supported (udp, tcp, tls)", rawURL, u.Scheme)
	}
	if err != nil {
		return nil, fmt.Errorf("sip: listen address %q: %w", rawURL, err)
	}
	lim := s.limitListener(ln)
	l.addr, l.closer = ln.Addr().(*net.TCPAddr).AddrPort(), lim
	traced := s.traceableListener(lim, u.Scheme)
	if u.Scheme == "tls" {
		l.serve = func() error { return s.srv.ServeTLS(traced) }
	} else {
		l.serve = func() error { return s.srv.ServeTCP(traced) }
	}
	return l, nil
}

// serve serves SIP on l in the background until l is closed. The caller
// holds lnMu, with the server not closed (so that Close's wait counts it).
func (s *Server) serve(l *listener) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := l.serve(); err != nil && !isClosedErr(err) {
			s.listenerDown.Store(true)
			s.log.Error("sip listener stopped", "transport", l.transport, "addr", l.addr, "err", err)
		}
	}()
	s.log.Info("sip listening", "transport", l.transport, "addr", l.addr.String())
}

// closeListeners closes every listener (Close).
func (s *Server) closeListeners() {
	s.lnMu.Lock()
	defer s.lnMu.Unlock()
	for _, l := range s.listeners {
		l.closer.Close()
	}
}

func isClosedErr(err error) bool {
	return errors.Is(err, net.ErrClosed)
}

// Addrs returns the bound listen addresses as transport://host:port, in
// the order of the listen URLs.
func (s *Server) Addrs() []string {
	s.lnMu.RLock()
	defer s.lnMu.RUnlock()
	out := make([]string, len(s.listeners))
	for i, l := range s.listeners {
		out[i] = l.transport + "://" + l.addr.String()
	}
	return out
}

// listenerFor returns the first listener of transport, or nil; the
// listener returned is not changed afterwards (SetListen replaces, never
// edits), so it may be read without the lock.
func (s *Server) listenerFor(transport string) *listener {
	s.lnMu.RLock()
	defer s.lnMu.RUnlock()
	for _, l := range s.listeners {
		if l.transport == transport {
			return l
		}
	}
	return nil
}
