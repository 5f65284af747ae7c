// Package trace is the SIP message trace switch: rules that an admin
// turns on at run time (per Call-ID or per source address, each with an
// expiry), matched against every SIP message the SIP edge sends or
// receives, and the outputs a matching message goes to: a text file or
// the log, a HEP v3 collector, and followers (`parley trace --follow`).
//
// It is a leaf below sip (which hooks its sockets) and api (which turns
// rules on and off); cmd makes the one Switch. While no rule is on, a
// message costs the SIP edge one atomic load (On).
package trace

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultTTL is how long a rule lasts when its Filter names no TTL, and
// MaxTTL the longest it may last, so that a forgotten trace stops.
const (
	DefaultTTL = 10 * time.Minute
	MaxTTL     = time.Hour
)

// MaxRules bounds the rules on at a time (each message is matched
// against every one).
const MaxRules = 32

// Errors Start returns.
var (
	ErrFilter   = errors.New("trace: bad filter")
	ErrTooMany  = errors.New("trace: too many traces on")
	ErrNotFound = errors.New("trace: no such trace")
)

// Dir is a message's direction as seen by Parley.
type Dir uint8

// Directions.
const (
	Received Dir = iota
	Sent
)

// String returns "recv" or "sent".
func (d Dir) String() string {
	if d == Sent {
		return "sent"
	}
	return "recv"
}

// Message is one SIP message on the wire, as the SIP edge hands it to
// Observe.
type Message struct {
	Dir       Dir
	Transport string         // "udp", "tcp" or "tls" (tls in clear)
	Local     netip.AddrPort // Parley's end
	Remote    netip.AddrPort // the peer's end
	Data      []byte         // the whole message; Observe does not keep it
	// LocalIP, if set, is Parley's address towards remote, for a socket
	// bound to every interface (Local's address unspecified); Observe
	// calls it only for a message it traces.
	LocalIP func(remote netip.AddrPort) netip.Addr
}

// src and dst are the message's source and destination.
func (m *Message) src() netip.AddrPort {
	if m.Dir == Sent {
		return m.Local
	}
	return m.Remote
}

func (m *Message) dst() netip.AddrPort {
	if m.Dir == Sent {
		return m.Remote
	}
	return m.Local
}

// Filter says what a new rule traces: the messages from and to an
// address range, or those of one Call-ID (exactly one of the two).
type Filter struct {
	Source netip.Prefix  // peers in this range; the zero Prefix when CallID is set
	CallID string        // messages whose Call-ID is this
	TTL    time.Duration // how long the rule lasts; 0 means DefaultTTL, at most MaxTTL
}

// Rule is a trace that is on.
type Rule struct {
	ID      string
	Source  netip.Prefix // valid for a rule by source
	CallID  string       // non-empty for a rule by Call-ID
	Expires time.Time
}

// matches tells whether m (with Call-ID callID) is r's.
func (r *Rule) matches(m *Message, callID string) bool {
	if r.CallID != "" {
		return callID == r.CallID
	}
	return r.Source.Contains(m.Remote.Addr().Unmap())
}

// ruleSet is an immutable snapshot of the rules on, published through
// Switch.rules; nil when none is.
type ruleSet struct {
	rules    []Rule
	byCallID bool      // some rule matches by Call-ID
	first    time.Time // the earliest expiry
}

// Switch holds the rules and the outputs. Its methods are safe for
// concurrent use; Observe runs on the SIP edge's reading and writing
// goroutines.
type Switch struct {
	log  *slog.Logger
	now  func() time.Time
	outs *outputs

	rules atomic.Pointer[ruleSet] // nil while no rule is on

	mu     sync.Mutex // serialises changes to rules
	nextID int        // guarded by mu
}

// Options configure a Switch.
type Options struct {
	// Logger gets a line when a rule expires (whoever starts or stops
	// one logs that), and each traced message when File is empty; nil
	// means slog.Default().
	Logger *slog.Logger
	// File, if set, is appended each traced message as text instead of
	// the log; it is created mode 0600.
	File string
	// HEP, if its Address is set, gets each traced message as HEP v3.
	HEP HEPOptions
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// New opens the file and the collector's socket of opts (it sends
// nothing until a rule is on). Close releases them.
func New(opts Options) (*Switch, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	outs, err := newOutputs(opts)
	if err != nil {
		return nil, err
	}
	return &Switch{log: opts.Logger, now: opts.Now, outs: outs}, nil
}

// Close closes the file, the collector's socket and every follower; the
// Switch traces nothing after. It is idempotent.
func (s *Switch) Close() error {
	s.mu.Lock()
	s.rules.Store(nil)
	s.mu.Unlock()
	return s.outs.close()
}

// On tells whether any rule is on: one atomic load, for the SIP edge to
// call on every message before building a Message.
func (s *Switch) On() bool { return s.rules.Load() != nil }

// Start turns a rule on and returns it.
func (s *Switch) Start(f Filter) (Rule, error) {
	switch {
	case f.CallID != "" && f.Source.IsValid():
		return Rule{}, fmt.Errorf("%w: a source or a call ID, not both", ErrFilter)
	case f.CallID == "" && !f.Source.IsValid():
		return Rule{}, fmt.Errorf("%w: a source or a call ID is needed", ErrFilter)
	case f.TTL < 0 || f.TTL > MaxTTL:
		return Rule{}, fmt.Errorf("%w: ttl %s: must be at most %s", ErrFilter, f.TTL, MaxTTL)
	case len(f.CallID) > 256:
		return Rule{}, fmt.Errorf("%w: call ID longer than 256 bytes", ErrFilter)
	}
	if f.TTL == 0 {
		f.TTL = DefaultTTL
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rules := s.liveLocked()
	if len(rules) >= MaxRules {
		return Rule{}, fmt.Errorf("%w: at most %d", ErrTooMany, MaxRules)
	}
	s.nextID++
	r := Rule{ID: strconv.Itoa(s.nextID), Source: f.Source.Masked(), CallID: f.CallID, Expires: s.now().Add(f.TTL)}
	s.publishLocked(append(rules, r))
	return r, nil
}

// Stop turns the rule id off.
func (s *Switch) Stop(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	rules := s.liveLocked()
	for i, r := range rules {
		if r.ID == id {
			s.publishLocked(append(rules[:i:i], rules[i+1:]...))
			return nil
		}
	}
	return fmt.Errorf("%w: %q", ErrNotFound, id)
}

// StopAll turns every rule off and returns how many were on.
func (s *Switch) StopAll() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	rules := s.liveLocked()
	s.publishLocked(nil)
	return len(rules)
}

// Rules returns the rules on, in the order they were started.
func (s *Switch) Rules() []Rule {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.liveLocked()
}

// liveLocked drops the rules that have expired (logging each) and
// returns a copy of the rest.
func (s *Switch) liveLocked() []Rule {
	set := s.rules.Load()
	if set == nil {
		return nil
	}
	now := s.now()
	live := make([]Rule, 0, len(set.rules))
	for _, r := range set.rules {
		if now.Before(r.Expires) {
			live = append(live, r)
		} else {
			s.log.Info("sip trace expired", ruleAttrs(r)...)
		}
	}
	if len(live) != len(set.rules) {
		s.publishLocked(live)
	}
	return live
}

// publishLocked makes rules the set Observe matches against.
func (s *Switch) publishLocked(rules []Rule) {
	if len(rules) == 0 {
		s.rules.Store(nil)
		return
	}
	set := &ruleSet{rules: rules, first: rules[0].Expires}
	for _, r := range rules {
		set.byCallID = set.byCallID || r.CallID != ""
		if r.Expires.Before(set.first) {
			set.first = r.Expires
		}
	}
	s.rules.Store(set)
}

// Observe writes m to the outputs if a rule that is on matches it. The
// SIP edge calls it, when On, for each message it receives or sends,
// on the goroutine that read or wrote it.
func (s *Switch) Observe(m Message) {
	set := s.rules.Load()
	if set == nil {
		return
	}
	now := s.now()
	if !now.Before(set.first) {
		s.mu.Lock()
		s.liveLocked()
		s.mu.Unlock()
		if set = s.rules.Load(); set == nil {
			return
		}
	}
	callID := ""
	if set.byCallID {
		callID = CallID(m.Data)
	}
	for i := range set.rules {
		if set.rules[i].matches(&m, callID) {
			if callID == "" {
				callID = CallID(m.Data)
			}
			if m.LocalIP != nil && m.Local.Addr().IsUnspecified() {
				m.Local = netip.AddrPortFrom(m.LocalIP(m.Remote), m.Local.Port())
			}
			s.outs.write(now, &m, callID)
			return
		}
	}
}

func ruleAttrs(r Rule) []any {
	args := []any{"id", r.ID, "expires", r.Expires.UTC().Format(time.RFC3339)}
	if r.CallID != "" {
		return append(args, "call_id", r.CallID)
	}
	return append(args, "source", r.Source.String())
}
