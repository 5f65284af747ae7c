package trace

import (
	"bytes"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"
	"time"

	"github.com/parleyhq/parley/hep"
)

// HEPOptions name a HEP v3 collector.
type HEPOptions struct {
	Address string // HOST:PORT over UDP; empty sends nothing
	AgentID uint32 // capture agent ID in every packet
	AuthKey string // the collector's password, sent in every packet; empty sends none
}

// followBuffer is how many messages a follower may fall behind before
// the next are dropped for it.
const followBuffer = 256

// hepErrorEvery is how often at most a failure to send to the collector
// is logged.
const hepErrorEvery = time.Minute

// outputs are where traced messages go. write is called on the SIP
// edge's goroutines and serialises them under mu, so lines never mix.
type outputs struct {
	log  *slog.Logger
	file *os.File // nil logs the text instead
	hep  net.Conn // nil sends no HEP
	hopt HEPOptions

	mu        sync.Mutex
	text      bytes.Buffer           // reused; guarded by mu
	packet    []byte                 // reused; guarded by mu
	followers map[*follower]struct{} // guarded by mu
	hepFailed time.Time              // last logged HEP failure; guarded by mu
	closed    bool                   // guarded by mu
}

type follower struct {
	ch      chan []byte
	dropped int // guarded by outputs.mu
}

func newOutputs(opts Options) (*outputs, error) {
	o := &outputs{log: opts.Logger, hopt: opts.HEP, followers: make(map[*follower]struct{})}
	if opts.File != "" {
		f, err := os.OpenFile(opts.File, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			return nil, fmt.Errorf("trace: %w", err)
		}
		o.file = f
	}
	if opts.HEP.Address != "" {
		c, err := net.Dial("udp", opts.HEP.Address)
		if err != nil {
			if o.file != nil {
				o.file.Close()
			}
			return nil, fmt.Errorf("trace: hep collector: %w", err)
		}
		o.hep = c
	}
	return o, nil
}

func (o *outputs) close() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return nil
	}
	o.closed = true
	for f := range o.followers {
		close(f.ch)
		delete(o.followers, f)
	}
	var err error
	if o.file != nil {
		err = o.file.Close()
	}
	if o.hep != nil {
		o.hep.Close()
	}
	return err
}

// write sends m, captured at t, to every output.
func (o *outputs) write(t time.Time, m *Message, callID string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return
	}
	if o.file != nil || len(o.followers) > 0 {
		o.text.Reset()
		Format(&o.text, t, m, callID)
		if o.file != nil {
			if _, err := o.file.Write(o.text.Bytes()); err != nil {
				o.log.Warn("sip trace: writing the file failed", "err", err)
			}
		}
		for f := range o.followers {
			text := o.text.Bytes()
			if f.dropped > 0 {
				text = fmt.Appendf(nil, "(%d messages dropped: this follower fell behind)\n%s", f.dropped, text)
			}
			select {
			case f.ch <- bytes.Clone(text):
				f.dropped = 0
			default:
				f.dropped++
			}
		}
	}
	if o.file == nil {
		o.log.Info("sip trace", "dir", m.Dir.String(), "transport", m.Transport,
			"src", m.src().String(), "dst", m.dst().String(), "call_id", callID, "message", string(MaskKeys(m.Data)))
	}
	if o.hep != nil {
		o.sendHEP(t, m, callID)
	}
}

// sendHEP sends m to the collector; a failure is logged at most once per
// hepErrorEvery.
func (o *outputs) sendHEP(t time.Time, m *Message, callID string) {
	proto := uint8(hep.ProtoTCP)
	if m.Transport == "udp" {
		proto = hep.ProtoUDP
	}
	var err error
	o.packet, err = hep.Append(o.packet[:0], hep.Packet{Proto: proto, Src: m.src(), Dst: m.dst(), Time: t,
		Type: hep.TypeSIP, AgentID: o.hopt.AgentID, AuthKey: o.hopt.AuthKey, CorrID: callID, Payload: m.Data})
	if err == nil {
		_, err = o.hep.Write(o.packet)
	}
	if err != nil && t.Sub(o.hepFailed) >= hepErrorEvery {
		o.hepFailed = t
		o.log.Warn("sip trace: sending to the hep collector failed", "addr", o.hopt.Address, "err", err)
	}
}

// follow adds a follower that gets the text of each traced message on
// the channel until stop is called or the Switch closes (the channel
// then closes). A follower that falls behind by followBuffer messages
// loses the next ones, and is told how many in the next text it gets.
func (o *outputs) follow() (<-chan []byte, func()) {
	f := &follower{ch: make(chan []byte, followBuffer)}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		close(f.ch)
		return f.ch, func() {}
	}
	o.followers[f] = struct{}{}
	return f.ch, func() {
		o.mu.Lock()
		defer o.mu.Unlock()
		if _, ok := o.followers[f]; ok {
			delete(o.followers, f)
			close(f.ch)
		}
	}
}

// Follow streams the text of each traced message (as Format writes it)
// to the returned channel until stop is called or the Switch closes,
// which closes the channel. A follower that falls more than 256 messages
// behind loses messages rather than slowing SIP down.
func (s *Switch) Follow() (texts <-chan []byte, stop func()) { return s.outs.follow() }
