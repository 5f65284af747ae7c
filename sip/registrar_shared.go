package sip

import (
	"context"
	"time"

	gosip "github.com/emiago/sipgo/sip"

	"github.com/parleyhq/parley/store"
)

// SharedBindings is where the registrar of one node of a cluster publishes
// its bindings and finds those the other nodes hold, so that an extension
// registered on node A rings when node B calls it. The store implements it
// on the database the nodes share. A single node needs none: its bindings
// live in memory.
type SharedBindings interface {
	// SetRegistrations replaces every registration node holds for ext
	// with regs (none: removes them).
	SetRegistrations(ctx context.Context, node, ext string, regs []store.Registration) error
	// Registrations returns the unexpired registrations of ext, of every
	// node.
	Registrations(ctx context.Context, ext string) ([]store.Registration, error)
}

// sharedTimeout bounds one read or write of the shared bindings: a
// database that does not answer costs a call out at most this, and never
// the registration itself, which is kept in memory first.
const sharedTimeout = 2 * time.Second

// publish writes ext's bindings as they are now to the shared bindings,
// if any. Publishes run one at a time and each reads the bindings once it
// runs, so the last one writes the latest state whatever the order of the
// REGISTERs that caused them. A failure is logged: the binding still
// works on this node, and the next REGISTER publishes again.
func (r *Registrar) publish(ext string) {
	if r.opts.Shared == nil {
		return
	}
	r.pub.Lock()
	defer r.pub.Unlock()
	r.mu.Lock()
	regs := make([]store.Registration, 0, len(r.bindings[ext]))
	for _, b := range r.bindings[ext] {
		regs = append(regs, store.Registration{Extension: ext, Node: r.opts.Node, Key: b.key,
			Contact: b.Contact.String(), Destination: b.Destination, Transport: b.Transport, NAT: b.NAT,
			Source: b.Source, Instance: b.Instance, RegID: b.RegID, UserAgent: b.UserAgent, Expires: b.Expires})
	}
	r.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), sharedTimeout)
	defer cancel()
	if err := r.opts.Shared.SetRegistrations(ctx, r.opts.Node, ext, regs); err != nil {
		r.log.Warn("registrations not shared with the other nodes", "extension", ext, "err", err.Error())
	}
}

// remoteContacts returns the bindings of ext that other nodes hold, from
// the shared bindings, and those this node made before it restarted (its
// name's rows that its memory does not hold: the phone has not registered
// again yet); none without them, or when they cannot be read (logged).
func (r *Registrar) remoteContacts(ext string) []Binding {
	if r.opts.Shared == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), sharedTimeout)
	defer cancel()
	regs, err := r.opts.Shared.Registrations(ctx, ext)
	if err != nil {
		r.log.Warn("registrations of the other nodes not read", "extension", ext, "err", err.Error())
		return nil
	}
	var out []Binding
	for _, g := range regs {
		if g.Node == r.opts.Node && r.holds(ext, g.Key) {
			continue // this node's own: in memory already
		}
		var uri gosip.Uri
		if err := gosip.ParseUri(g.Contact, &uri); err != nil {
			r.log.Warn("a shared registration is unusable", "extension", ext, "node", g.Node, "err", err.Error())
			continue
		}
		out = append(out, Binding{Extension: ext, Contact: uri, Destination: g.Destination, Transport: g.Transport,
			NAT: g.NAT, Source: g.Source, Expires: g.Expires, Instance: g.Instance, RegID: g.RegID,
			UserAgent: g.UserAgent, Node: g.Node})
	}
	return out
}

// holds reports whether this node's memory has ext's binding of key.
func (r *Registrar) holds(ext, key string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, b := range r.bindings[ext] {
		if b.key == key {
			return true
		}
	}
	return false
}
